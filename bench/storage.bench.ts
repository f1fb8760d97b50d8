import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runMigrations } from '@app/persistence/data-source';
import { partitionName } from '@app/persistence/record-partitions';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';
import { idleBaseline, LoadSnapshot } from './consume/machine-load';
import { preload } from './consume/persist';
import { fmt, Summary } from './consume/stats';
import { dropAllPartitions, Fleet, topUp, TopUpResult } from './storage/fleet';
import { compareLayouts, LayoutResult } from './storage/layout';
import { persistRound, RoundResult } from './storage/persist';
import { PageLatency, pageLatency } from './storage/query';
import { dropUnderIngest, RetentionResult } from './storage/retention';
import { DIST, machine, portBase, report, ROOT, startProcess, startStack } from './support';

/**
 * `npm run bench:storage`: the time-partitioned record tables at size, in one run on a fresh stack
 * (single-node Kafka, embedded PostgreSQL), RECORD_PARTITION_SPAN=day:
 *  1. top-up: a fleet of 1,000 vehicles reading 1,000 times a day (every 86.4 s) over the 31 days
 *     before today, made by PostgreSQL one day partition at a time: 30 whole days and the first
 *     400 readings of yesterday, 30,400,000 rows in 31 partitions (bench/storage/fleet.ts);
 *  2. persist: the real vehicle-consumer storing 200,000 preloaded records (every vehicle's next
 *     200 readings) into an empty database (a fresh one each round, in the same cluster) and the
 *     same records into the full one (appended to yesterday's partition), alternating, 2 rounds
 *     each; full / empty rows/s, first row → last row (target ≥ 0.9);
 *  3. bytes on disk per row: the rows of the last empty round COPYed into a database of the
 *     previous, unpartitioned layout and one of the partitioned layout (bench/storage/layout.ts);
 *  4. query latency at full size: 1,000-row range and changes pages through the HTTP API and as
 *     the repository's SQL (target p99 ≤ 20 ms), with the partitions each plan reads;
 *  5. retention under ingest: the oldest partition dropped by RecordPartitionManager.dropExpired
 *     while the consumer stores 200,000 more records; nothing lost, ingest rate around the drop.
 * Sizes for a smoke run: BENCH_VINS, BENCH_DAYS, BENCH_READINGS_PER_DAY (per vehicle, dividing a
 * day's milliseconds), BENCH_RECORDS (per round, a multiple of the vehicles), BENCH_ROUNDS,
 * BENCH_LIVE_RECORDS, BENCH_QUERY_SAMPLES; BENCH_NO_REPORT=1 writes nothing. Exits 1 when a target
 * is missed.
 */
const PORT_BASE = portBase(28000);
const VINS = Number(process.env.BENCH_VINS ?? 1000);
const DAYS = Number(process.env.BENCH_DAYS ?? 31);
const PER_DAY = Number(process.env.BENCH_READINGS_PER_DAY ?? 1000);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const LIVE_RECORDS = Number(process.env.BENCH_LIVE_RECORDS ?? RECORDS);
const QUERY_SAMPLES = Number(process.env.BENCH_QUERY_SAMPLES ?? 400);
const KAFKA_PARTITIONS = 6;
const ROUND_TIMEOUT_MS = 10 * 60_000;
const API_KEY = 'bench-storage-query-key-0123456789';
const CONSUMER_PORT = PORT_BASE + 10;
const EMPTY_DB = 'bench_empty';
/** the issue's sizes: below them the run is a smoke run, and says so */
const FULL_SIZE = { rows: 30_000_000, partitions: 30 };
const TARGET = { persistRatio: 0.9, queryP99Ms: 20, lost: 0 };

const benchStarted = performance.now();
const log = (line: string): void =>
  console.log(`[${((performance.now() - benchStarted) / 1000).toFixed(1).padStart(6)} s] ${line}`);

interface FullSize {
  rows: number;
  partitions: number;
  tableBytes: number;
  indexBytes: number;
  maxSeq: number;
}

interface Results {
  topUp?: TopUpResult;
  rounds: RoundResult[];
  layout?: LayoutResult;
  fullSize?: FullSize;
  queries?: PageLatency;
  retention?: RetentionResult;
}

async function main(): Promise<void> {
  const perDay = PER_DAY;
  if (!Number.isInteger(perDay) || 86_400_000 % perDay !== 0)
    throw new Error(`BENCH_READINGS_PER_DAY must divide 86,400,000 ms, got ${perDay}`);
  if (RECORDS % VINS !== 0 || LIVE_RECORDS % VINS !== 0)
    throw new Error('BENCH_RECORDS and BENCH_LIVE_RECORDS must be multiples of the vehicles');
  // yesterday's partition: the top-up's first readings, then each round's, then the live phase's
  const fleet = new Fleet(VINS, perDay, DAYS, Math.max(RECORDS, LIVE_RECORDS) / VINS, ROUNDS + 1);

  const baseline = await idleBaseline();
  log(
    `machine: ${machine()}; before start: load average ${baseline.loadAvg1} / ${baseline.loadAvg5}, CPU busy ${pct(baseline.cpuBusy)} (other work)`,
  );
  const results: Results = { rounds: [] };
  const stack = await startStack(PORT_BASE, { KAFKA_TOPIC_PARTITIONS: String(KAFKA_PARTITIONS) });
  log(`stack up: Kafka ${stack.kafkaBrokers.join(',')}, PostgreSQL on ${PORT_BASE + 1}`);
  const urlOf = (name: string): string => {
    const url = new URL(stack.databaseUrl);
    url.pathname = `/${name}`;
    return url.toString();
  };
  const emptyUrl = urlOf(EMPTY_DB);
  const db = new Client({ connectionString: stack.databaseUrl });
  let empty: Client | undefined;
  const stops: (() => Promise<void> | void)[] = [];
  let failure: Error | undefined;
  const consumer = (databaseUrl: string) => () =>
    startProcess('vehicle-consumer', join(DIST, 'apps', 'vehicle-consumer', 'src', 'main.js'), [], {
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      QUERY_API_KEYS: API_KEY,
      VEHICLE_CONSUMER_PORT: String(CONSUMER_PORT),
      RECORD_PARTITION_SPAN: 'day',
    });
  const load = async (records: number, phase: number): Promise<void> => {
    const result = await preload(
      stack.kafkaBrokers,
      records,
      0,
      () => undefined,
      fleet.phaseRecord(phase),
    );
    log(`preload: ${fmt(records)} records in ${result.seconds} s`);
  };
  try {
    await db.connect();
    // the migration made partitions of its own span ahead of now: the bench's table is day partitions throughout
    await dropAllPartitions(db);

    // 1. top-up
    log(
      `top-up: ${fmt(fleet.rows)} rows, ${fmt(VINS)} vehicles × ${perDay} readings a day (every ${fleet.intervalMs / 1000} s) × ${DAYS} days from ${new Date(fleet.start).toISOString().slice(0, 10)}`,
    );
    results.topUp = await topUp(db, stack.databaseUrl, fleet, log);
    log(
      `top-up: ${fmt(results.topUp.rows)} rows in ${results.topUp.seconds} s (index builds ${results.topUp.indexSeconds} s, VACUUM ${results.topUp.vacuumSeconds} s)`,
    );

    // 2. persist, alternating
    for (let round = 0; round < ROUNDS; round++) {
      log(`round ${round + 1}, empty database: recreating ${EMPTY_DB}`);
      await empty?.end();
      await db.query(`DROP DATABASE IF EXISTS ${EMPTY_DB} WITH (FORCE)`);
      await db.query(`CREATE DATABASE ${EMPTY_DB}`);
      await runMigrations(emptyUrl);
      empty = new Client({ connectionString: emptyUrl });
      await empty.connect();
      await dropAllPartitions(empty);
      for (const [target, client, url] of [
        ['empty', empty, emptyUrl],
        ['full', db, stack.databaseUrl],
      ] as const) {
        await load(RECORDS, round);
        await db.query('CHECKPOINT');
        const rowsBefore = target === 'empty' ? 0 : fleet.rows + round * RECORDS;
        log(`round ${round + 1}, ${target} database (${fmt(rowsBefore)} rows): consumer started`);
        const { seqBefore: _seq, ...r } = await persistRound({
          db: client,
          fleet,
          spawn: consumer(url),
          expected: RECORDS,
          timeoutMs: ROUND_TIMEOUT_MS,
          log,
        });
        results.rounds.push({ database: target, round: round + 1, rowsBefore, ...r });
        log(
          `round ${round + 1}, ${target}: ${fmt(r.rows)} rows in ${r.seconds} s → ${fmt(r.rowsPerSecond)} rows/s; first row → last ${fmt(r.steadyRowsPerSecond)} rows/s (load ${r.load.loadAvg1}, CPU busy ${pct(r.load.cpuBusy)})${r.redelivered ? `; ${r.redelivered} redelivered` : ''}`,
        );
      }
    }

    // 3. bytes per row, from the last empty round's rows
    results.layout = await compareLayouts({
      admin: db,
      databaseUrl: urlOf,
      sourceUrl: emptyUrl,
      file: join(ROOT, '.data', `bench-${PORT_BASE}`, 'layout.tsv'),
      lastDay: fleet.lastDay,
      log,
    });
    await empty?.end();
    empty = undefined;
    await db.query(`DROP DATABASE IF EXISTS ${EMPTY_DB} WITH (FORCE)`);

    // 4. queries at full size
    // the rounds wrote yesterday's partition only; the others were vacuumed as they were made
    log("queries: VACUUM ANALYZE of yesterday's partition, CHECKPOINT");
    await db.query(`VACUUM (ANALYZE) ${partitionName(VEHICLE_TABLE.table, fleet.lastDay)}`);
    await db.query(`ANALYZE ONLY ${VEHICLE_TABLE.table}`);
    await db.query('CHECKPOINT');
    results.fullSize = await sizeOf(db);
    log(
      `full size: ${fmt(results.fullSize.rows)} rows in ${results.fullSize.partitions} partitions holding rows; table ${fmt(results.fullSize.tableBytes / 2 ** 30, 1)} GiB, indexes ${fmt(results.fullSize.indexBytes / 2 ** 30, 1)} GiB`,
    );
    const api = await consumer(stack.databaseUrl)();
    stops.push(() => api.stop());
    results.queries = await pageLatency({
      db,
      port: CONSUMER_PORT,
      apiKey: API_KEY,
      fleet,
      maxSeq: results.fullSize.maxSeq,
      samples: QUERY_SAMPLES,
      log,
    });
    const q = results.queries;
    log(
      `queries: range API ${ms(q.rangeApi)}, SQL ${ms(q.rangeSql)}; changes API ${ms(q.changesApi)}, SQL ${ms(q.changesSql)}; plans read ${q.rangePlanPartitions} (range) and ${q.changesPlanPartitions} (changes) of ${q.partitions} partitions`,
    );
    console.log(
      `EXPLAIN range page:\n${q.explainRange}\nEXPLAIN changes page:\n${q.explainChanges}`,
    );
    await api.stop();

    // 5. retention under ingest
    await load(LIVE_RECORDS, ROUNDS);
    await db.query('CHECKPOINT');
    results.retention = await dropUnderIngest({
      db,
      databaseUrl: stack.databaseUrl,
      fleet,
      spawn: consumer(stack.databaseUrl),
      expected: LIVE_RECORDS,
      timeoutMs: ROUND_TIMEOUT_MS,
      log,
    });
    const t = results.retention;
    log(
      `retention: dropped ${t.dropped.map((p) => p.name).join(', ')} (${fmt(t.droppedRows)} rows, ${fmt(t.dropped[0].bytes / 2 ** 20)} MiB) in ${t.dropSeconds} s under ingest; rows/s before ${fmt(t.rowsPerSecondBefore)}, during ${fmt(t.rowsPerSecondDuring)}, after ${fmt(t.rowsPerSecondAfter)}; longest pause during ${t.longestPauseDuringMs} ms (whole phase ${t.longestPauseMs} ms); lost ${t.lost}`,
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
    await empty?.end().catch(() => undefined);
    await db.end().catch(() => undefined);
    await stack.stop();
  }
  const { table, json, missed } = summary(results, baseline, failure, fleet);
  if (process.env.BENCH_NO_REPORT !== '1') report('storage', json, table);
  console.log(`\n${table}\n`);
  log('done');
  if (failure || missed.length > 0) {
    if (missed.length > 0) console.error(`targets missed: ${missed.join('; ')}`);
    process.exit(1);
  }
}

/**
 * Rows (the partitions' reltuples: exact for a table VACUUM has just seen whole, without a count
 * of every row), partitions holding rows, bytes of the whole table, and the newest seq
 */
async function sizeOf(db: Client): Promise<FullSize> {
  const { rows } = await db.query<{ rows: string; partitions: string; heap: string; idx: string }>(
    `SELECT sum(c.reltuples)::bigint::text AS rows, count(*) FILTER (WHERE c.reltuples > 0)::text AS partitions, ` +
      `sum(pg_table_size(c.oid))::text AS heap, sum(pg_indexes_size(c.oid))::text AS idx ` +
      `FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${VEHICLE_TABLE.table}'::regclass`,
  );
  const { rows: seq } = await db.query<{ seq: string }>(
    `SELECT max(seq)::text AS seq FROM ${VEHICLE_TABLE.table}`,
  );
  return {
    rows: Number(rows[0].rows),
    partitions: Number(rows[0].partitions),
    tableBytes: Number(rows[0].heap),
    indexBytes: Number(rows[0].idx),
    maxSeq: Number(seq[0].seq),
  };
}

function summary(
  r: Results,
  baseline: LoadSnapshot,
  failure: Error | undefined,
  fleet: Fleet,
): { table: string; json: unknown; missed: string[] } {
  const when = new Date().toISOString();
  const na = 'not measured';
  const missed: string[] = [];
  const verdict = (name: string, ok: boolean | undefined): string => {
    if (ok === false) missed.push(name);
    return ok === undefined ? 'not measured' : ok ? 'met' : '**missed**';
  };
  const of = (database: 'empty' | 'full'): RoundResult[] =>
    r.rounds.filter((x) => x.database === database);
  // over the rounds of one database: all rows over all time
  const rate = (rounds: RoundResult[], steady: boolean): number => {
    const seconds = rounds.reduce(
      (s, x) => s + (steady ? x.seconds - x.firstRowSeconds : x.seconds),
      0,
    );
    return rounds.length
      ? Math.round(rounds.reduce((s, x) => s + x.rows - x.redelivered, 0) / seconds)
      : NaN;
  };
  const emptyRate = rate(of('empty'), true);
  const fullRate = rate(of('full'), true);
  const ratio = fullRate / emptyRate;
  const processRatio = rate(of('full'), false) / rate(of('empty'), false);
  const complete = of('empty').length === ROUNDS && of('full').length === ROUNDS;
  const perRound = (rounds: RoundResult[]): string =>
    rounds.map((x) => `${fmt(x.steadyRowsPerSecond)}`).join(', ');
  const q = r.queries;
  const t = r.retention;
  const l = r.layout;
  const s = r.fullSize;
  const pair = (x: Summary | undefined): string => (x ? `${x.p50Ms} / ${x.p99Ms} ms` : na);
  const smoke = !s || s.rows < FULL_SIZE.rows || s.partitions < FULL_SIZE.partitions;
  const rows: [string, string, string][] = [
    [
      'data at full size: rows, partitions holding them, table + indexes',
      s
        ? `${fmt(s.rows)} rows in ${s.partitions} day partitions (+ the empty ones made ahead); ${fmt(s.tableBytes / 2 ** 30, 1)} + ${fmt(s.indexBytes / 2 ** 30, 1)} GiB`
        : na,
      `≥ ${fmt(FULL_SIZE.rows)} rows in ≥ ${FULL_SIZE.partitions} partitions — ${smoke ? '**smoke-sized run**' : 'met'}`,
    ],
    [
      `persist: vehicle-consumer stores ${fmt(RECORDS)} preloaded records into an empty database, first row → last row, rows/s (each round)`,
      of('empty').length ? `${fmt(emptyRate)} (${perRound(of('empty'))})` : na,
      '',
    ],
    [
      `persist: the same records into the full database (appended to yesterday's partition, which holds ${fmt(fleet.lastDayReadings * fleet.vins)} rows and the earlier rounds'), rows/s (each round)`,
      of('full').length ? `${fmt(fullRate)} (${perRound(of('full'))})` : na,
      '',
    ],
    [
      'persist: full / empty (process start → last row, boot and group join included, in brackets)',
      Number.isFinite(ratio) ? `**${ratio.toFixed(2)}** (${processRatio.toFixed(2)})` : na,
      `≥ ${TARGET.persistRatio} — ${verdict('persist ratio', complete && Number.isFinite(ratio) ? ratio >= TARGET.persistRatio : undefined)}`,
    ],
    [
      `query: 1,000-row time-range page, random vehicle and start, HTTP API, p50 / p99 (${q?.samples ?? 0} requests)`,
      pair(q?.rangeApi),
      `p99 ≤ ${TARGET.queryP99Ms} ms — ${verdict('range p99', q ? q.rangeApi.p99Ms <= TARGET.queryP99Ms : undefined)}`,
    ],
    [
      "query: the same page as the repository's SQL (database + wire), p50 / p99; partitions its plan reads",
      q ? `${pair(q.rangeSql)}; ${q.rangePlanPartitions} of ${q.partitions}` : na,
      '',
    ],
    [
      `query: 1,000-row changes page, random \`after\`, HTTP API, p50 / p99 (${q?.samples ?? 0} requests)`,
      pair(q?.changesApi),
      `p99 ≤ ${TARGET.queryP99Ms} ms — ${verdict('changes p99', q ? q.changesApi.p99Ms <= TARGET.queryP99Ms : undefined)}`,
    ],
    [
      'query: the same page as SQL (database + wire), p50 / p99; partitions its plan reads (seq is not the partition key: all, merged by seq)',
      q ? `${pair(q.changesSql)}; ${q.changesPlanPartitions} of ${q.partitions}` : na,
      '',
    ],
    [
      'retention: oldest day partition dropped (RecordPartitionManager.dropExpired: DETACH CONCURRENTLY + DROP) while the consumer stores records',
      t
        ? `${t.dropSeconds} s for ${fmt(t.droppedRows)} rows (${fmt(t.dropped[0].bytes / 2 ** 20)} MiB); partitions ${t.partitionsBefore} → ${t.partitionsAfter}`
        : na,
      '',
    ],
    [
      'retention: ingest around the drop, rows/s before / during / after; longest pause in commits during the drop (whole phase)',
      t
        ? `${fmt(t.rowsPerSecondBefore)} / ${fmt(t.rowsPerSecondDuring)} / ${fmt(t.rowsPerSecondAfter)}; ${t.longestPauseDuringMs} ms (${t.longestPauseMs} ms)`
        : na,
      '',
    ],
    [
      `retention: rows lost (table before − dropped partition + ${fmt(LIVE_RECORDS)} live records − table after)`,
      t ? String(t.lost) : na,
      `0 — ${verdict('rows lost', t ? t.lost === TARGET.lost : undefined)}`,
    ],
    [
      'bytes on disk per row (table + indexes), previous unpartitioned layout: the same rows COPYed, indexes in place',
      l
        ? `${fmt(l.previous.bytesPerRow)} B (table ${fmt(l.previous.tableBytes / l.previous.rows)}, indexes ${fmt(l.previous.indexBytes / l.previous.rows)})`
        : na,
      '',
    ],
    [
      'bytes on disk per row, partitioned layout (same rows, same way)',
      l
        ? `${fmt(l.partitioned.bytesPerRow)} B (table ${fmt(l.partitioned.tableBytes / l.partitioned.rows)}, indexes ${fmt(l.partitioned.indexBytes / l.partitioned.rows)}); **${l.ratio.toFixed(2)}×** the previous`
        : na,
      '',
    ],
    [
      'bytes on disk per row, the whole full-size table (top-up partitions with indexes built after the load: denser than grown ones)',
      s ? `${fmt((s.tableBytes + s.indexBytes) / s.rows)} B` : na,
      '',
    ],
  ];
  const loadLine = (name: string, x: LoadSnapshot | undefined): string =>
    x ? `${name} ${pct(x.cpuBusy)} CPU busy, load ${x.loadAvg1}` : `${name} n/a`;
  const busyBefore = baseline.cpuBusy >= 0.25 || baseline.loadAvg1 >= cpus().length;
  const lines = [
    `### Storage: partitioned record tables at size (${when.slice(0, 10)})`,
    '',
    `\`npm run bench:storage\` — one run on a fresh single-node Kafka (${KAFKA_PARTITIONS} partitions) and embedded PostgreSQL, RECORD_PARTITION_SPAN=day, everything on the same machine: ${machine()}.`,
    `Fleet: ${fmt(fleet.vins)} vehicles × ${fleet.perDay} readings a day (every ${fleet.intervalMs / 1000} s) × ${fleet.days} days (the last, yesterday, ${fleet.lastDayReadings} readings a vehicle), made by PostgreSQL one day partition at a time, two at once (${r.topUp ? `${r.topUp.seconds} s` : 'n/a'}), time-major. Persist: ${ROUNDS} rounds alternating an empty database (made afresh each round in the same cluster) and the full one, the same ${fmt(RECORDS)} records preloaded on telemetry.vehicle.v1 for each: every vehicle's next readings, appended to yesterday's partition. Queries one at a time as in bench:consume; a range page is one random vehicle's 1,000 readings from a random one on (in the days before yesterday; one day: one or two partitions). Retention: the consumer stores ${fmt(LIVE_RECORDS)} more records while the oldest partition is dropped.`,
    '',
    '| figure | measured | target |',
    '|---|---|---|',
    ...rows.map(([a, b, c]) => `| ${a} | ${b} | ${c} |`),
    '',
    `Machine load (the machine is shared with other work): before start ${pct(baseline.cpuBusy)} CPU busy, load average ${baseline.loadAvg1}${busyBefore ? ' — **busy before the bench started; figures are pessimistic**' : ''}; during phases: ${[
      ...r.rounds.map((x) => loadLine(`round ${x.round} ${x.database}`, x.load)),
      loadLine('layouts', l?.load),
      loadLine('queries', q?.load),
      loadLine('retention', t?.ingest.load),
    ].join('; ')}.`,
    ...(failure ? ['', `**The run failed:** ${failure.message.split('\n')[0]}`] : []),
  ];
  const json = {
    when,
    machine: machine(),
    params: {
      vins: fleet.vins,
      readingsPerDay: fleet.perDay,
      days: fleet.days,
      tableRows: fleet.rows,
      records: RECORDS,
      rounds: ROUNDS,
      liveRecords: LIVE_RECORDS,
      querySamples: QUERY_SAMPLES,
      kafkaPartitions: KAFKA_PARTITIONS,
    },
    baseline,
    persist: { emptyRate, fullRate, ratio, processRatio },
    ...r,
    missed,
    failure: failure?.message,
  };
  return { table: lines.join('\n'), json, missed };
}

const pct = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : 'n/a');
const ms = (s: Summary): string => `p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms`;

main().catch((error: Error) => {
  console.error(error.stack);
  process.exit(1);
});
