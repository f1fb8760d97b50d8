import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { sign } from '@app/verification';
import {
  DIST,
  load,
  loadAverage,
  LoadResult,
  machine,
  machineBusySeconds,
  portBase,
  processCpuSeconds,
  processTreeCpuSeconds,
  report,
  ROOT,
  startGateway,
  startProcess,
  startStack,
} from './support';

/**
 * `npm run bench:ingest`: the gateway against a real broker vs. the bare-Fastify limit, same
 * load tool, same payload (signed 10-vehicle mobway body), same concurrency, one run. With
 * BENCH_BASELINE_DIST (a dist/ built from another commit) the gateway of that build is measured in
 * the same run too: all receivers run side by side on distinct ports and take turns under load,
 * round after round, so a change is compared with what came before under the same machine load.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION = Number(process.env.BENCH_SECONDS ?? 20);
// untimed load before the first timed run of each receiver: a broker fresh from start spends its
// first ~30 s under load compiling (the JIT's C2 threads used about as much CPU as request handling
// in the first 15 s, and the broker's CPU per request fell from ~75 to ~35 µs once they were done); a
// running broker is past that
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 30);
const BASELINE_DIST = process.env.BENCH_BASELINE_DIST
  ? resolve(process.env.BENCH_BASELINE_DIST)
  : undefined;
// Node options for the baseline gateway alone: with BENCH_BASELINE_DIST=dist, the same build with
// other runtime settings (say --max-semi-space-size) measured beside it in one run
const BASELINE_NODE_OPTIONS = process.env.BENCH_BASELINE_NODE_OPTIONS;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (BASELINE_DIST ? 3 : 1));
// untimed load before each later turn: the receiver was idle while the others took theirs
const TURN_WARMUP = Number(process.env.BENCH_TURN_WARMUP_SECONDS ?? 5);
const SECRET = 'bench-mobway-secret-0d5f2a8c6e1b9347';
const PORT_BASE = portBase(23000);

// BENCH_INSTANCES=2: also the gateway run as two instances behind its port (GATEWAY_INSTANCES)
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);

interface Receiver {
  key: 'gateway' | 'baseline' | 'bare' | 'instances';
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
  rounds: Measured[];
}

async function main(): Promise<void> {
  const body = readFileSync(join(ROOT, 'samples', 'mobway.json'));
  const readings = Object.values(JSON.parse(body.toString()) as Record<string, unknown[]>).reduce(
    (n, list) => n + list.length,
    0,
  );
  const headers = { 'content-type': 'application/json', ...sign('mobway', SECRET, body) };
  console.log(
    `payload: ${body.length} bytes, ${readings} readings; ${CONNECTIONS} connections, ${DURATION} s per turn, ${ROUNDS} round(s)${BASELINE_DIST ? `; baseline gateway from ${BASELINE_DIST}` : ''}`,
  );

  const stack = await startStack(PORT_BASE, { KAFKA_TOPIC_PARTITIONS: '6' });
  const receivers: Receiver[] = [];
  try {
    const gateway = await startGateway(stack.kafkaBrokers, SECRET, PORT_BASE + 10);
    receivers.push({
      key: 'gateway',
      name: 'ingest-gateway (verify, normalize, validate, publish, 200 after Kafka ack)',
      url: `http://127.0.0.1:${PORT_BASE + 10}/webhooks/mobway`,
      rounds: [],
      ...gateway,
    });
    if (BASELINE_DIST) {
      const baseline = await startGateway(
        stack.kafkaBrokers,
        SECRET,
        PORT_BASE + 12,
        BASELINE_NODE_OPTIONS ? { NODE_OPTIONS: BASELINE_NODE_OPTIONS } : {},
        BASELINE_DIST,
      );
      receivers.push({
        key: 'baseline',
        name: `ingest-gateway, baseline build (${BASELINE_DIST.replace(`${ROOT}/`, '')}${BASELINE_NODE_OPTIONS ? `, NODE_OPTIONS=${BASELINE_NODE_OPTIONS}` : ''})`,
        url: `http://127.0.0.1:${PORT_BASE + 12}/webhooks/mobway`,
        rounds: [],
        ...baseline,
      });
    }
    if (INSTANCES > 1) {
      const several = await startGateway(stack.kafkaBrokers, SECRET, PORT_BASE + 13, {
        GATEWAY_INSTANCES: String(INSTANCES),
      });
      receivers.push({
        key: 'instances',
        name: `ingest-gateway, ${INSTANCES} instances behind one port (GATEWAY_INSTANCES; CPU of all its processes)`,
        url: `http://127.0.0.1:${PORT_BASE + 13}/webhooks/mobway`,
        rounds: [],
        ...several,
      });
    }
    const bare = await startProcess(
      'bare',
      join(DIST, 'bench', 'bare-receiver.js'),
      [SECRET, String(PORT_BASE + 11)],
      {},
    );
    receivers.push({
      key: 'bare',
      name: 'bare Fastify: HMAC verify + JSON.parse only (the limit)',
      url: `http://127.0.0.1:${PORT_BASE + 11}/webhook`,
      rounds: [],
      ...bare,
    });

    for (let round = 0; round < ROUNDS; round++) {
      // each round starts with another receiver, so none is always measured first or last
      const order = receivers.map((_, i) => receivers[(i + round) % receivers.length]);
      for (const receiver of order) {
        await load(receiver.url, body, headers, CONNECTIONS, round === 0 ? WARMUP : TURN_WARMUP);
        const result = await measured(
          () => load(receiver.url, body, headers, CONNECTIONS, DURATION),
          receiver.pid,
          stack.kafkaPid,
        );
        receiver.rounds.push(result);
        console.log(
          `round ${round + 1} ${receiver.key}: ${result.requestsPerSecond} req/s, ${result.cpuMicrosPerRequest.receiver} µs/request, others ${result.othersCpuPercent} % CPU, load ${result.loadAverage}`,
        );
      }
    }
  } finally {
    for (const receiver of receivers) await receiver.stop();
    await stack.stop();
  }

  const byKey = (key: Receiver['key']) => receivers.find((r) => r.key === key);
  const gateway = byKey('gateway')!;
  const bare = byKey('bare')!;
  const baseline = byKey('baseline');
  const several = byKey('instances');
  const summaries = receivers.map((r) => ({ receiver: r, summary: summarize(r.rounds) }));
  const summaryOf = (r: Receiver) => summaries.find((s) => s.receiver === r)!.summary;
  // the ratio of each round's gateway req/s to that round's bare req/s; the median of those
  const ratioOf = (r: Receiver) =>
    median(r.rounds.map((m, i) => m.requestsPerSecond / bare.rounds[i].requestsPerSecond));
  const ratio = ratioOf(gateway);
  const row = (r: Receiver) => {
    const s = summaryOf(r);
    return `| ${r.name} | ${s.requestsPerSecond.toLocaleString('en')} | ${(s.requestsPerSecond * readings).toLocaleString('en')} | ${s.p50Ms} | ${s.p99Ms} | ${s.non2xx} | ${s.errors} | **${s.cpuMicrosPerRequest.receiver}** (${r.rounds.map((m) => m.cpuMicrosPerRequest.receiver).join(', ')}) | ${s.cpuMicrosPerRequest.kafka} / ${s.cpuMicrosPerRequest.loadTool} | ${r.rounds.map((m) => m.othersCpuPercent).join(', ')} | ${r.rounds.map((m) => m.loadAverage).join(', ')} |`;
  };
  const when = new Date().toISOString();
  const gatewayCpu = summaryOf(gateway).cpuMicrosPerRequest;
  const table = [
    `### Ingest: gateway vs. the bare-Fastify limit (${when.slice(0, 10)})`,
    '',
    `\`${BASELINE_DIST ? 'BENCH_BASELINE_DIST=<dist of the baseline> ' : ''}npm run bench:ingest\` — signed ${readings}-vehicle mobway payload (${body.length} B), ${CONNECTIONS} connections, ${ROUNDS} round(s) in which each receiver in turn takes ${DURATION} s of timed load (after ${WARMUP} s of untimed load in the first round, ${TURN_WARMUP} s in later ones), autocannon in the same process as the bench, real single-node Kafka (acks=all, idempotent producer) on the same machine: ${machine()}. Figures are the median over the rounds.`,
    '',
    "| receiver | req/s | records/s | p50 ms | p99 ms | non-2xx | errors | receiver CPU µs per request (each round) | Kafka / load tool CPU µs per request | other processes' CPU % (each round) | load average (each round) |",
    '|---|---|---|---|---|---|---|---|---|---|---|',
    row(gateway),
    ...(baseline ? [row(baseline)] : []),
    ...(several ? [row(several)] : []),
    row(bare),
    '',
    ...(several
      ? [
          `${INSTANCES} instances against 1: ${(summaryOf(several).requestsPerSecond / summaryOf(gateway).requestsPerSecond).toFixed(2)}× the requests per second at ${summaryOf(several).cpuMicrosPerRequest.receiver} against ${gatewayCpu.receiver} µs of CPU per request (the primary's share included); on ${cpus().length} cores shared with Kafka and the load tool.`,
          '',
        ]
      : []),
    `Ratio gateway / limit: **${ratio.toFixed(2)}**${baseline ? ` (baseline build: ${ratioOf(baseline).toFixed(2)})` : ''} (target ≥ 0.30); gateway CPU per request **${gatewayCpu.receiver} µs**${baseline ? ` (baseline build: ${summaryOf(baseline).cpuMicrosPerRequest.receiver} µs)` : ''} (target ≤ 150 µs); gateway p99 ${summaryOf(gateway).p99Ms} ms (target ≤ 50 ms).`,
    '',
    `CPU per request is each process's user + system time over a timed turn divided by the requests served; the bare route's turns have the broker running too, idle. "Other processes" is the machine's busy CPU during the turn less the receiver's, the broker's and the bench's own, in % of one core: anything above a few % means someone else shared the machine. The load average is the 1-minute one at the end of the turn, the bench's own processes included. With ${cpus().length} cores, the gateway's processes together could serve at most ${Math.round((cpus().length * 1e6) / (gatewayCpu.receiver + gatewayCpu.kafka + gatewayCpu.loadTool)).toLocaleString('en')} req/s, and the gateway's one thread at most ${Math.round(1e6 / gatewayCpu.receiver).toLocaleString('en')} req/s.`,
  ].join('\n');
  report(
    'ingest',
    {
      when,
      machine: machine(),
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      rounds: ROUNDS,
      payloadBytes: body.length,
      readings,
      baselineDist: BASELINE_DIST,
      gateway: { ...summaryOf(gateway), rounds: gateway.rounds },
      ...(baseline && {
        baseline: { ...summaryOf(baseline), rounds: baseline.rounds, ratio: ratioOf(baseline) },
      }),
      ...(several && {
        instances: { count: INSTANCES, ...summaryOf(several), rounds: several.rounds },
      }),
      bare: { ...summaryOf(bare), rounds: bare.rounds },
      ratio,
    },
    table,
  );
  console.log(table);
  // a 429 or a reset costs the gateway less than a stored request: figures with them are not the gateway's
  if (receivers.some((r) => r.rounds.some((m) => m.non2xx + m.errors > 0))) {
    console.error(
      'failed: a receiver answered non-2xx or errored during the run; its figures do not count',
    );
    process.exitCode = 1;
  }
}

interface Measured extends LoadResult {
  /** CPU time per request served: the receiving process, the Kafka broker, this process (autocannon) */
  cpuMicrosPerRequest: { receiver: number; kafka: number; loadTool: number };
  /** the machine's busy CPU during the turn less the receiver's, the broker's and this process's, in % of one core */
  othersCpuPercent: number;
  loadAverage: number;
}

type Summary = Omit<Measured, 'othersCpuPercent' | 'loadAverage' | 'total'>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summarize(rounds: Measured[]): Summary {
  const of = (pick: (m: Measured) => number) => Math.round(median(rounds.map(pick)));
  return {
    requestsPerSecond: of((m) => m.requestsPerSecond),
    p50Ms: of((m) => m.p50Ms),
    p99Ms: of((m) => m.p99Ms),
    non2xx: rounds.reduce((n, m) => n + m.non2xx, 0),
    errors: rounds.reduce((n, m) => n + m.errors, 0),
    cpuMicrosPerRequest: {
      receiver: of((m) => m.cpuMicrosPerRequest.receiver),
      kafka: of((m) => m.cpuMicrosPerRequest.kafka),
      loadTool: of((m) => m.cpuMicrosPerRequest.loadTool),
    },
  };
}

async function measured(
  run: () => Promise<LoadResult>,
  receiverPid: number,
  kafkaPid: number | undefined,
): Promise<Measured> {
  const started = process.hrtime.bigint();
  const before = {
    receiver: processTreeCpuSeconds(receiverPid),
    kafka: processCpuSeconds(kafkaPid),
    self: process.cpuUsage(),
    machine: machineBusySeconds(),
  };
  const result = await run();
  const self = process.cpuUsage(before.self);
  const seconds = {
    receiver: processTreeCpuSeconds(receiverPid) - before.receiver,
    kafka: processCpuSeconds(kafkaPid) - before.kafka,
    self: (self.user + self.system) / 1e6,
    machine: machineBusySeconds() - before.machine,
  };
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const perRequest = (s: number) => Math.round((s * 1e6) / result.total);
  const others = seconds.machine - seconds.receiver - (seconds.kafka || 0) - seconds.self;
  return {
    ...result,
    cpuMicrosPerRequest: {
      receiver: perRequest(seconds.receiver),
      kafka: perRequest(seconds.kafka),
      loadTool: perRequest(seconds.self),
    },
    othersCpuPercent: Math.max(0, Math.round((others / wall) * 100)),
    loadAverage: loadAverage(),
  };
}

main().catch((error: Error) => {
  console.error(error.stack);
  process.exit(1);
});
