import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign } from '@app/verification';
import {
  DIST,
  load,
  machine,
  portBase,
  processCpuSeconds,
  report,
  ROOT,
  startGateway,
  startProcess,
  startStack,
} from './support';

/**
 * `npm run bench:ingest:stages`: where the gateway's CPU per request goes. The bench:ingest load
 * (signed 10-vehicle mobway payload, 32 connections) against the gateway as shipped, then with whole
 * stages taken away by bench/ingest/stage-stubs.ts, then against the bare route. A lab measurement,
 * not a target: the stubbed gateways do less than the product must.
 */
const CONNECTIONS = 32;
const DURATION = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 15);
const SECRET = 'bench-mobway-secret-0d5f2a8c6e1b9347';
const PORT_BASE = portBase(23100);

const VARIANTS: { name: string; stubs: string[] }[] = [
  { name: 'gateway as shipped', stubs: [] },
  { name: 'records not published (publish resolves at once)', stubs: ['publish'] },
  { name: 'event ids a constant (no canonical JSON, no SHA-1)', stubs: ['event-id'] },
  { name: "readings not normalized (the first request's records reused)", stubs: ['normalize'] },
  { name: 'neither normalized nor published', stubs: ['normalize', 'publish'] },
  {
    name: 'neither normalized, published nor serialized',
    stubs: ['normalize', 'publish', 'serialize'],
  },
];

interface Row {
  name: string;
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  non2xx: number;
}

async function main(): Promise<void> {
  const body = readFileSync(join(ROOT, 'samples', 'mobway.json'));
  const headers = { 'content-type': 'application/json', ...sign('mobway', SECRET, body) };
  const stack = await startStack(PORT_BASE, { KAFKA_TOPIC_PARTITIONS: '6' });
  const rows: Row[] = [];
  const measure = async (name: string, pid: number, url: string): Promise<void> => {
    await load(url, body, headers, CONNECTIONS, WARMUP);
    const before = processCpuSeconds(pid);
    const result = await load(url, body, headers, CONNECTIONS, DURATION);
    const row = {
      name,
      requestsPerSecond: result.requestsPerSecond,
      cpuMicrosPerRequest: Math.round(((processCpuSeconds(pid) - before) * 1e6) / result.total),
      non2xx: result.non2xx + result.errors,
    };
    console.log(JSON.stringify(row));
    rows.push(row);
  };
  try {
    for (const variant of VARIANTS) {
      const gateway = await startGateway(stack.kafkaBrokers, SECRET, PORT_BASE + 10, {
        NODE_OPTIONS: `--require ${join(DIST, 'bench', 'ingest', 'stage-stubs.js')}`,
        BENCH_STUB: variant.stubs.join(','),
      });
      await measure(
        variant.name,
        gateway.pid,
        `http://127.0.0.1:${PORT_BASE + 10}/webhooks/mobway`,
      );
      await gateway.stop();
    }
    const bare = await startProcess(
      'bare',
      join(DIST, 'bench', 'bare-receiver.js'),
      [SECRET, String(PORT_BASE + 11)],
      {},
    );
    await measure(
      'bare Fastify: HMAC verify + JSON.parse only',
      bare.pid,
      `http://127.0.0.1:${PORT_BASE + 11}/webhook`,
    );
    await bare.stop();
  } finally {
    await stack.stop();
  }

  const when = new Date().toISOString();
  const table = [
    `### Where the gateway's CPU per request goes (${when.slice(0, 10)})`,
    '',
    `\`npm run bench:ingest:stages\` — the bench:ingest load (${CONNECTIONS} connections, ${DURATION} s after ${WARMUP} s untimed) against the gateway with whole stages taken away by \`bench/ingest/stage-stubs.ts\`: ${machine()}. CPU is the receiving process's, all threads. A stage's cost is the difference between two rows; the rows are not strictly additive, since a faster gateway shares each produce request among more HTTP requests.`,
    '',
    '| receiver | req/s | CPU µs per request | non-2xx |',
    '|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.requestsPerSecond.toLocaleString('en')} | ${r.cpuMicrosPerRequest} | ${r.non2xx} |`,
    ),
    '',
    `For the ratio target (≥ 0.30 of the bare route's req/s) one gateway thread may spend about ${Math.round(rows[rows.length - 1].cpuMicrosPerRequest / 0.3)} µs per request.`,
  ].join('\n');
  report(
    'ingest-stages',
    { when, machine: machine(), connections: CONNECTIONS, durationSeconds: DURATION, rows },
    table,
  );
  console.log(table);
}

main().catch((error: Error) => {
  console.error(error.stack);
  process.exit(1);
});
