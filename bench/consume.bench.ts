import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { endToEnd, E2eResult } from './consume/e2e';
import { HttpClient } from './consume/http';
import { idleBaseline, LoadSnapshot } from './consume/machine-load';
import {
  awaitRows,
  ConsumeResult,
  copyLimit,
  CopyResult,
  preload,
  PreloadResult,
} from './consume/persist';
import { QueryLatency, queryLatency, topUp, TopUpResult } from './consume/query';
import { VINS } from './consume/records';
import { fmt, Summary } from './consume/stats';
import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '@app/contracts/topics';
import { SINK_GROUPS } from '@app/kafka/acls';
import { LEDGER_OFFSETS, LEDGERS } from '@app/ledger/ledger.tables';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';
import {
  DIST,
  machine,
  machineBusySeconds,
  processCpuSeconds,
  processTreeCpuSeconds,
  report,
  ROOT,
  Stack,
  startProcess,
  startStack,
} from './support';

/**
 * `npm run bench:consume`: one run on a fresh stack (single-node Kafka, embedded PostgreSQL) of
 *  1. persist throughput: 1,000,000 records preloaded on telemetry.vehicle.v1, then the real
 *     vehicle-consumer started and timed until every row is in PostgreSQL; the same rows COPYed
 *     into a scratch table with the same indexes (the limit); the ratio (target ≥ 0.6);
 *  2. query latency at 10,000,000 rows: 1,000-row time-range and changes pages through the HTTP
 *     API and as the repository's raw SQL (target p99 ≤ 20 ms);
 *  3. end-to-end latency at a steady 1,000 webhook requests/s: gateway 200 → row returned by the
 *     changes feed (target p99 ≤ 250 ms).
 * Sizes can be shrunk for a smoke run: BENCH_RECORDS, BENCH_TABLE_ROWS (multiples of 10,000),
 * BENCH_QUERY_SAMPLES, BENCH_E2E_RATE, BENCH_E2E_SECONDS; BENCH_NO_REPORT=1 writes nothing;
 * BENCH_ONLY_PERSIST=1 stops after phase 1 (persist work needs nothing else; its table is a section
 * of docs/benchmarks.md of its own); BENCH_MEMBERS=2 runs phase 1 again with the consumer run as
 * two members of its group, reporting records/s and CPU per record for 1 and 2 members
 * (BENCH_MEMBER_ROUNDS=2: 1, 2 | 2, 1 members, so neither is always measured first);
 * BENCH_CPU_PROFILE=<file> profiles the consumer (see bench/consume/cpu-profile.ts).
 */
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 27000);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const TABLE_ROWS = Number(process.env.BENCH_TABLE_ROWS ?? 10_000_000);
const QUERY_SAMPLES = Number(process.env.BENCH_QUERY_SAMPLES ?? 400);
const E2E_RATE = Number(process.env.BENCH_E2E_RATE ?? 1000);
const E2E_SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 20);
const E2E_WARMUP_SECONDS = 5;
const E2E_MAX_IN_FLIGHT = 512;
const PARTITIONS = 6;
const CONSUME_TIMEOUT_MS = 8 * 60_000;
const API_KEY = 'bench-consume-query-key-0123456789';
const SECRET = 'bench-mobway-secret-0d5f2a8c6e1b9347';
const CONSUMER_PORT = PORT_BASE + 10;
// BENCH_MEMBERS=2: the persist phase again in the same run, with the consumer run as that many
// members of its group (VEHICLE_CONSUMER_INSTANCES), each member's process counted; in rounds of
// 1 then N members, every other round N then 1
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 1);
const MEMBER_ROUNDS = Number(process.env.BENCH_MEMBER_ROUNDS ?? 1);
const ONLY_PERSIST = process.env.BENCH_ONLY_PERSIST === '1';
const GATEWAY_PORT = PORT_BASE + 11;

const TARGET = { persistRatio: 0.6, queryP99Ms: 20, e2eP99Ms: 250 };

const benchStarted = performance.now();
const log = (line: string): void =>
  console.log(`[${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)} s] ${line}`);

interface Results {
  preload?: PreloadResult;
  consume?: ConsumeResult;
  copy?: CopyResult;
  topUp?: TopUpResult;
  queries?: QueryLatency;
  e2e?: E2eResult;
  /** BENCH_MEMBERS > 1: every persist run in order, phase 1's first */
  memberRuns?: { members: number; result: ConsumeResult }[];
}

async function main(): Promise<void> {
  if (RECORDS % VINS !== 0 || TABLE_ROWS % VINS !== 0 || TABLE_ROWS < RECORDS)
    throw new Error(
      `BENCH_RECORDS and BENCH_TABLE_ROWS must be multiples of ${VINS}, records ≤ table rows`,
    );
  const readingsPerVin = TABLE_ROWS / VINS;
  const firstPreloaded = readingsPerVin - RECORDS / VINS;
  const baseline = await idleBaseline();
  log(
    `machine: ${machine()}; before start: load average ${baseline.loadAvg1} / ${baseline.loadAvg5}, CPU busy ${pct(baseline.cpuBusy)} (other work)`,
  );

  const results: Results = {};
  const stack = await startStack(PORT_BASE, { KAFKA_TOPIC_PARTITIONS: String(PARTITIONS) });
  log(`stack up: Kafka ${stack.kafkaBrokers.join(',')}, PostgreSQL on ${PORT_BASE + 1}`);
  const db = new Client({ connectionString: stack.databaseUrl });
  const sampler = new Client({ connectionString: stack.databaseUrl });
  const stops: (() => Promise<void> | void)[] = [];
  let failure: Error | undefined;
  try {
    await db.connect();
    await sampler.connect();
    const appEnv = {
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      DATABASE_URL: stack.databaseUrl,
      HOST: '127.0.0.1',
    };

    // 1. persist throughput
    log(
      `preload: ${fmt(RECORDS)} records (${VINS} VINs × ${RECORDS / VINS} readings) onto telemetry.vehicle.v1`,
    );
    results.preload = await preload(stack.kafkaBrokers, RECORDS, firstPreloaded, log);
    log(
      `preload: done in ${results.preload.seconds} s (${fmt(results.preload.recordsPerSecond)} records/s, ${fmt(results.preload.bytes / 2 ** 20)} MiB of JSON)`,
    );

    const consumer = await persistWith(1, appEnv, stack, db, sampler);
    let queryConsumer: () => Promise<void> = consumer.stop;
    stops.push(() => queryConsumer());
    results.consume = consumer.result;
    log(
      `consume: ${fmt(results.consume.rows)} rows in ${results.consume.seconds} s → ${fmt(results.consume.rowsPerSecond)} rows/s (first row after ${results.consume.firstRowSeconds} s; steady ${fmt(results.consume.steadyRowsPerSecond)} rows/s; a backend running the COPY or INSERT in ${pct(results.consume.writerActive)} of samples; ${cpuText(results.consume)})`,
    );

    results.copy = await copyLimit(
      db,
      stack.databaseUrl,
      join(ROOT, '.data', `bench-${PORT_BASE}`, 'copy.tsv'),
      log,
    );
    log(
      `copy: ${fmt(results.copy.rows)} rows in ${results.copy.seconds} s → ${fmt(results.copy.rowsPerSecond)} rows/s; ratio ${(results.consume.rowsPerSecond / results.copy.rowsPerSecond).toFixed(2)}`,
    );

    // 1b. the same records again, stored by the consumer run as 1 or MEMBERS members of its group
    if (MEMBERS > 1) {
      const order = Array.from({ length: MEMBER_ROUNDS }, (_, round) =>
        round % 2 === 0 ? [1, MEMBERS] : [MEMBERS, 1],
      ).flat();
      results.memberRuns = [{ members: 1, result: results.consume }];
      for (const members of order.slice(1)) {
        await queryConsumer();
        await storeAgain(db, stack.kafkaBrokers, log);
        const run = await persistWith(members, appEnv, stack, db, sampler);
        queryConsumer = run.stop;
        results.memberRuns.push({ members, result: run.result });
        log(
          `consume, ${members} member(s): ${fmt(run.result.rows)} rows in ${run.result.seconds} s → ${fmt(run.result.rowsPerSecond)} rows/s (steady ${fmt(run.result.steadyRowsPerSecond)} rows/s; ${cpuText(run.result)})`,
        );
      }
      if (!ONLY_PERSIST && order[order.length - 1] !== 1) {
        // the query and end-to-end phases measure the one-member consumer, as without BENCH_MEMBERS
        await queryConsumer();
        const single = await startConsumer(1, appEnv);
        queryConsumer = () => single.stop();
      }
    }

    if (ONLY_PERSIST) return;

    // 2. query latency at TABLE_ROWS
    log(
      `top-up: ${fmt(TABLE_ROWS - RECORDS)} rows by INSERT … SELECT generate_series (writer lock held)`,
    );
    results.topUp = await topUp(db, firstPreloaded, log);
    log(
      `top-up: ${fmt(results.topUp.inserted)} rows in ${results.topUp.seconds} s, VACUUM ANALYZE ${results.topUp.vacuumSeconds} s; table ${fmt(results.topUp.tableRows)} rows, heap ${fmt(results.topUp.tableBytes / 2 ** 20)} MiB, indexes ${fmt(results.topUp.indexBytes / 2 ** 20)} MiB`,
    );
    const api = new HttpClient('127.0.0.1', CONSUMER_PORT, 4);
    stops.push(() => api.close());
    results.queries = await queryLatency(
      db,
      api,
      API_KEY,
      readingsPerVin,
      results.topUp.maxSeq,
      QUERY_SAMPLES,
      log,
    );
    const q = results.queries;
    log(
      `queries: range API ${ms(q.rangeApi)}, SQL (database + wire) ${ms(q.rangeSqlText)}; changes API ${ms(q.changesApi)}, SQL (database + wire) ${ms(q.changesSqlText)}`,
    );
    console.log(
      `EXPLAIN range page:\n${q.explainRange}\nEXPLAIN changes page:\n${q.explainChanges}`,
    );

    // 3. end to end
    log('e2e: starting ingest-gateway');
    const gatewayProcess = await startProcess(
      'ingest-gateway',
      join(DIST, 'apps', 'ingest-gateway', 'src', 'main.js'),
      [],
      {
        KAFKA_BROKERS: appEnv.KAFKA_BROKERS,
        HOST: '127.0.0.1',
        MOBWAY_SIGN_SECRET: SECRET,
        GATEWAY_PORT: String(GATEWAY_PORT),
        RATE_LIMIT_PER_SOURCE: '0',
      },
    );
    stops.push(() => gatewayProcess.stop());
    const gateway = new HttpClient('127.0.0.1', GATEWAY_PORT, E2E_MAX_IN_FLIGHT);
    const feed = new HttpClient('127.0.0.1', CONSUMER_PORT, 2);
    stops.push(() => {
      gateway.close();
      feed.close();
    });
    const { rows } = await db.query<{ seq: string }>(
      'SELECT coalesce(max(seq), 0)::text AS seq FROM vehicle_telemetry',
    );
    log(
      `e2e: ${fmt(E2E_RATE)} req/s open loop, ${E2E_WARMUP_SECONDS} s warm-up + ${E2E_SECONDS} s measured, one reading per request`,
    );
    results.e2e = await endToEnd({
      gateway,
      api: feed,
      apiKey: API_KEY,
      secret: SECRET,
      after: rows[0].seq,
      rate: E2E_RATE,
      warmupSeconds: E2E_WARMUP_SECONDS,
      seconds: E2E_SECONDS,
      maxInFlight: E2E_MAX_IN_FLIGHT,
      log,
    });
    const e = results.e2e;
    log(
      `e2e: ${fmt(e.achievedRate)} req/s, end-to-end ${ms(e.endToEnd)}, gateway ${ms(e.gateway)}; non-200 ${e.non200}, errors ${e.errors}, not sent ${e.notSent}, missing ${e.missing}`,
    );
  } catch (error) {
    failure = error as Error;
    console.error(`bench failed: ${failure.stack}`);
  } finally {
    log('stopping apps and stack');
    for (const stop of stops.reverse())
      await Promise.resolve()
        .then(stop)
        .catch((error: Error) => console.error(`stop: ${error.message}`));
    await db.end().catch(() => undefined);
    await sampler.end().catch(() => undefined);
    await stack.stop();
    // in the finally: BENCH_ONLY_PERSIST's early return must not skip the summary
    const { table, json } = summary(results, baseline, failure);
    // a persist-only run has a section of its own: it must not blank the full run's query and end-to-end figures
    if (process.env.BENCH_NO_REPORT !== '1')
      report(ONLY_PERSIST ? 'consume-persist' : 'consume', json, table);
    console.log(`\n${table}\n`);
    log('done');
  }
  if (failure) process.exit(1);
}

/** the vehicle-consumer on CONSUMER_PORT, run as `members` members of its group */
function startConsumer(
  members: number,
  appEnv: Record<string, string>,
): ReturnType<typeof startProcess> {
  return startProcess(
    'vehicle-consumer',
    join(DIST, 'apps', 'vehicle-consumer', 'src', 'main.js'),
    [],
    {
      ...appEnv,
      QUERY_API_KEYS: API_KEY,
      VEHICLE_CONSUMER_PORT: String(CONSUMER_PORT),
      VEHICLE_CONSUMER_INSTANCES: String(members),
      // BENCH_CPU_PROFILE=/tmp/consumer.cpuprofile: where the consumer's time goes
      ...(process.env.BENCH_CPU_PROFILE && {
        NODE_OPTIONS: `--require ${join(__dirname, 'consume', 'cpu-profile.js')}`,
        BENCH_CPU_PROFILE: process.env.BENCH_CPU_PROFILE,
        BENCH_CPU_PROFILE_SECONDS: process.env.BENCH_CPU_PROFILE_SECONDS ?? '20',
      }),
    },
  );
}

/**
 * Phase 1 with `members` members: the consumer started and timed until every preloaded record is a
 * row, with the CPU of its processes (the primary and its instances), PostgreSQL's (postmaster and
 * backends), Kafka's and the whole machine's charged per row. The consumer is left running.
 */
async function persistWith(
  members: number,
  appEnv: Record<string, string>,
  stack: Stack,
  db: Client,
  sampler: Client,
): Promise<{ result: ConsumeResult; stop: () => Promise<void> }> {
  log(`consume: starting vehicle-consumer (${members} member${members > 1 ? 's' : ''})`);
  const spawnedAt = performance.now();
  const consumer = await startConsumer(members, appEnv);
  try {
    const listeningAt = performance.now();
    const result = await awaitRows(
      db,
      sampler,
      RECORDS,
      spawnedAt,
      listeningAt,
      CONSUME_TIMEOUT_MS,
      log,
      () => ({
        consumer: processTreeCpuSeconds(consumer.pid),
        postgres: processTreeCpuSeconds(stack.postgresPid),
        kafka: processCpuSeconds(stack.kafkaPid),
        machine: machineBusySeconds(),
      }),
    );
    return { result, stop: () => consumer.stop() };
  } catch (error) {
    await consumer.stop();
    throw error;
  }
}

/**
 * Makes the preloaded records new again for another consumer run: the consumer is stopped (its
 * group empty), the rows and the ledger's counts and offsets removed, the group's offsets moved back
 * to the start of the topic. A CHECKPOINT so the next run does not pay for this one's dirty pages.
 */
async function storeAgain(db: Client, brokers: string[], log: (line: string) => void) {
  const v = LEDGERS.vehicle;
  await db.query(
    `TRUNCATE ${VEHICLE_TABLE.table}, ${v.ledger}, ${v.requests}, ${LEDGER_OFFSETS} RESTART IDENTITY`,
  );
  await db.query('CHECKPOINT');
  const admin = new Kafka({
    clientId: 'bench-consume-reset',
    brokers,
    logLevel: logLevel.WARN,
  }).admin();
  await admin.connect();
  try {
    // the group may take a moment to be empty after its last member left
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.resetOffsets({
          groupId: SINK_GROUPS.vehicle,
          topic: TOPICS.vehicle,
          earliest: true,
        });
        break;
      } catch (error) {
        if (attempt >= 30) throw error;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    await admin.disconnect();
  }
  log('consume: rows, ledger and group offsets reset for the next run');
}

/** BENCH_MEMBERS > 1: records/s and CPU per record with 1 and with MEMBERS members, medians over the runs */
function membersRows(r: Results): [string, string, string][] {
  if (!r.memberRuns) return [];
  const all = r.memberRuns;
  const steady = (members: number): number =>
    median(all.filter((x) => x.members === members).map((x) => x.result.steadyRowsPerSecond));
  const line = (members: number): [string, string, string] => {
    const runs = all.filter((x) => x.members === members).map((x) => x.result);
    const cpu = (name: string): number =>
      Math.round(median(runs.map((c) => c.cpuMicrosPerRow?.[name] ?? NaN)));
    const each = runs
      .map(
        (c) =>
          `${fmt(c.steadyRowsPerSecond)}/s, ${c.cpuMicrosPerRow?.consumer ?? 'n/a'} µs, load ${c.load.loadAvg1}`,
      )
      .join('; ');
    return [
      `persist with ${members} member${members > 1 ? 's' : ''} in the group (${runs.length} run${runs.length > 1 ? 's' : ''}): records/s first row → last row; CPU µs per record of the consumer's processes / PostgreSQL / Kafka / the whole machine`,
      `${fmt(steady(members))} records/s; **${cpu('consumer')}** / ${cpu('postgres')} / ${cpu('kafka')} / ${cpu('machine')} µs (each run: ${each})`,
      '',
    ];
  };
  return [
    line(1),
    line(MEMBERS),
    [
      `persist: ${MEMBERS} members / 1 member, records/s`,
      `${(steady(MEMBERS) / steady(1)).toFixed(2)}× (on ${cpus().length} cores shared with Kafka and PostgreSQL: not a measure of scaling)`,
      '',
    ],
  ];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** CPU per row from `awaitRows`, as one phrase */
function cpuText(r: ConsumeResult): string {
  const c = r.cpuMicrosPerRow;
  return c
    ? `CPU per row: consumer ${c.consumer} µs, PostgreSQL ${c.postgres} µs, Kafka ${c.kafka} µs, machine ${c.machine} µs`
    : 'CPU not measured';
}

function summary(
  r: Results,
  baseline: LoadSnapshot,
  failure: Error | undefined,
): { table: string; json: unknown } {
  const when = new Date().toISOString();
  const ratio = r.consume && r.copy ? r.consume.rowsPerSecond / r.copy.rowsPerSecond : NaN;
  const steadyRatio =
    r.consume && r.copy ? r.consume.steadyRowsPerSecond / r.copy.rowsPerSecond : NaN;
  const verdict = (ok: boolean | undefined): string =>
    ok === undefined ? 'not measured' : ok ? 'met' : '**missed**';
  const na = 'not measured';
  const q = r.queries;
  const e = r.e2e;
  const pair = (s: Summary | undefined): string => (s ? `${s.p50Ms} / ${s.p99Ms} ms` : na);
  const rows: [string, string, string][] = [
    [
      `persist: vehicle-consumer stores ${fmt(RECORDS)} preloaded records (process start → last row committed)`,
      r.consume
        ? `${fmt(r.consume.rowsPerSecond)} rows/s (${r.consume.seconds} s, of which boot + group join ${r.consume.firstRowSeconds} s)`
        : na,
      '',
    ],
    [
      "persist: the same, first row → last row (and share of that time a PostgreSQL backend was running the sink's COPY or INSERT)",
      r.consume
        ? `${fmt(r.consume.steadyRowsPerSecond)} rows/s (COPY or INSERT running ${pct(r.consume.writerActive)} of the time)`
        : na,
      '',
    ],
    ...membersRows(r),
    [
      'persist: COPY of the same rows into an empty scratch table with the same indexes (the limit)',
      r.copy ? `${fmt(r.copy.rowsPerSecond)} rows/s (${r.copy.seconds} s)` : na,
      '',
    ],
    [
      'persist: consumer / COPY',
      Number.isFinite(ratio)
        ? `**${ratio.toFixed(2)}** (first row → last row: ${steadyRatio.toFixed(2)})`
        : na,
      `≥ ${TARGET.persistRatio} — ${verdict(Number.isFinite(ratio) ? ratio >= TARGET.persistRatio : undefined)}`,
    ],
    [
      `query: 1,000-row time-range page, one random VIN, HTTP API, p50 / p99 (${q?.samples ?? 0} requests)`,
      pair(q?.rangeApi),
      `p99 ≤ ${TARGET.queryP99Ms} ms — ${verdict(q ? q.rangeApi.p99Ms <= TARGET.queryP99Ms : undefined)}`,
    ],
    [
      "query: the same page as the repository's SQL on a pg client, rows left as text (database + wire: a floor, timed by another client, not the app's overhead by difference), p50 / p99",
      pair(q?.rangeSqlText),
      '',
    ],
    [
      `query: 1,000-row changes page, random \`after\`, HTTP API, p50 / p99 (${q?.samples ?? 0} requests)`,
      pair(q?.changesApi),
      `p99 ≤ ${TARGET.queryP99Ms} ms — ${verdict(q ? q.changesApi.p99Ms <= TARGET.queryP99Ms : undefined)}`,
    ],
    [
      'query: the same page as SQL, rows left as text (database + wire), p50 / p99',
      pair(q?.changesSqlText),
      '',
    ],
    [
      `end-to-end: gateway 200 → row returned by the changes feed (long-poll), p50 / p99 (${fmt(e?.endToEnd.count ?? 0)} rows)`,
      e
        ? `${e.endToEnd.p50Ms} / ${e.endToEnd.p99Ms} ms (max ${e.endToEnd.maxMs} ms) at ${fmt(e.achievedRate)} req/s`
        : na,
      `p99 ≤ ${TARGET.e2eP99Ms} ms at 1,000 req/s — ${verdict(e ? e.endToEnd.p99Ms <= TARGET.e2eP99Ms && e.achievedRate >= 0.98 * E2E_RATE : undefined)}`,
    ],
    ['end-to-end: gateway latency (request sent → 200), p50 / p99', pair(e?.gateway), ''],
    [
      'end-to-end: requests not acknowledged (non-200 / no answer / not sent: in-flight cap)',
      e ? `${e.non200} / ${e.errors} / ${e.notSent} of ${fmt(e.measuredRequests)}` : na,
      `0 — ${verdict(e ? e.non200 + e.errors + e.notSent === 0 : undefined)}`,
    ],
    [
      'end-to-end: acknowledged rows never returned by the feed',
      e ? String(e.missing) : na,
      `0 — ${verdict(e ? e.missing === 0 : undefined)}`,
    ],
  ];
  const loadLine = (name: string, l: LoadSnapshot | undefined): string =>
    l ? `${name} ${pct(l.cpuBusy)} CPU busy, load ${l.loadAvg1}` : `${name} n/a`;
  const busyBefore = baseline.cpuBusy >= 0.25 || baseline.loadAvg1 >= cpus().length;
  const lines = [
    `### Consume: ${ONLY_PERSIST ? 'persist only' : 'persist, query and end-to-end'}${MEMBERS > 1 ? `, 1 and ${MEMBERS} members` : ''} (${when.slice(0, 10)})`,
    '',
    `\`${[MEMBERS > 1 && `BENCH_MEMBERS=${MEMBERS}`, MEMBERS > 1 && MEMBER_ROUNDS > 1 && `BENCH_MEMBER_ROUNDS=${MEMBER_ROUNDS}`, ONLY_PERSIST && 'BENCH_ONLY_PERSIST=1'].filter(Boolean).join(' ')}${MEMBERS > 1 || ONLY_PERSIST ? ' ' : ''}npm run bench:consume\` — one run on a fresh single-node Kafka (${PARTITIONS} partitions, KRaft) and embedded PostgreSQL, all processes (broker, database, gateway, consumer, load generator) on the same machine: ${machine()}.`,
    ONLY_PERSIST
      ? `Preload ${fmt(RECORDS)} records (${fmt(VINS)} VINs, ${fmt(r.preload?.recordsPerSecond ?? NaN)} records/s with kafkajs) before the consumer starts; BENCH_ONLY_PERSIST=1: no query or end-to-end phase.`
      : `Preload ${fmt(RECORDS)} records (${fmt(VINS)} VINs, ${fmt(r.preload?.recordsPerSecond ?? NaN)} records/s with kafkajs) before the consumer starts; table topped up to ${fmt(r.topUp?.tableRows ?? NaN)} rows (${fmt(VINS)} VINs × ${TABLE_ROWS / VINS} readings, one every 10 s, time-major so each VIN's rows are spread over the heap; heap ${fmt((r.topUp?.tableBytes ?? NaN) / 2 ** 20)} MiB, indexes ${fmt((r.topUp?.indexBytes ?? NaN) / 2 ** 20)} MiB), then VACUUM ANALYZE; queries one at a time, API pages timed by a keep-alive client that counts body bytes without keeping them (bench/consume/page-timer.ts); end-to-end ${E2E_SECONDS} s measured after ${E2E_WARMUP_SECONDS} s warm-up, open loop, one signed single-reading mobway request per send.`,
    '',
    '| figure | measured | target |',
    '|---|---|---|',
    ...rows
      .filter(([figure]) => !ONLY_PERSIST || figure.startsWith('persist'))
      .map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
    '',
    `Machine load (the machine is shared with other work): before start ${pct(baseline.cpuBusy)} CPU busy, load average ${baseline.loadAvg1}${busyBefore ? ' — **busy before the bench started; figures are pessimistic**' : ''}; during phases: ${[loadLine('consume', r.consume?.load), loadLine('COPY', r.copy?.load), ...(ONLY_PERSIST ? [] : [loadLine('queries', q?.load), loadLine('end-to-end', e?.load)])].join('; ')}.`,
    ...(r.memberRuns
      ? [
          '',
          `Members: the persist phase ran ${r.memberRuns.length} times in this run, with ${r.memberRuns.map((x) => x.members).join(', ')} member(s) (\`VEHICLE_CONSUMER_INSTANCES\`, ${PARTITIONS} partitions spread across them), figures the median of each count's runs; before each run after the first, the rows, the ledger's counts and the group's offsets were reset and PostgreSQL checkpointed. CPU per record is user + system time from the first row stored to the last, divided by the rows stored in between: the consumer's primary and instances (/proc of the primary and its children), PostgreSQL's postmaster and backends, the Kafka broker, and the whole machine (everyone's, other work included). On ${cpus().length} cores that also run Kafka and PostgreSQL, a second member mostly competes with them for the same cores: the records/s of ${MEMBERS} members show what the database and the cores allow, not how members scale; the consumer's CPU per record is what predicts how many cores the members need on a bigger machine.`,
        ]
      : []),
    ...(failure ? ['', `**The run failed:** ${failure.message.split('\n')[0]}`] : []),
  ];
  const json = {
    when,
    machine: machine(),
    params: {
      records: RECORDS,
      tableRows: TABLE_ROWS,
      vins: VINS,
      partitions: PARTITIONS,
      querySamples: QUERY_SAMPLES,
      e2eRate: E2E_RATE,
      e2eSeconds: E2E_SECONDS,
      e2eWarmupSeconds: E2E_WARMUP_SECONDS,
    },
    baseline,
    ratio,
    steadyRatio,
    ...r,
    failure: failure?.message,
  };
  return { table: lines.join('\n'), json };
}

const pct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : 'n/a');
const ms = (s: Summary): string => `p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms`;

main().catch((error: Error) => {
  console.error(error.stack);
  process.exit(1);
});
