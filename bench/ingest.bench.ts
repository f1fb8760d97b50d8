import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { sign } from '@app/verification';
import {
  DIST,
  load,
  LoadResult,
  machine,
  processCpuSeconds,
  report,
  ROOT,
  startGateway,
  startProcess,
  startStack,
} from './support';

/**
 * `npm run bench:ingest`: the gateway against a real broker vs. the bare-Fastify limit, same
 * load tool, same payload (signed 10-vehicle mobway body), same concurrency, one run.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION = Number(process.env.BENCH_SECONDS ?? 20);
// untimed load before each timed run: a broker fresh from start spends its first ~30 s under load
// compiling (the JIT's C2 threads used about as much CPU as request handling in the first 15 s, and
// the broker's CPU per request fell from ~75 to ~35 µs once they were done); a running broker is past that
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 30);
const SECRET = 'bench-mobway-secret-0d5f2a8c6e1b9347';
const PORT_BASE = 23000;

async function main(): Promise<void> {
  const body = readFileSync(join(ROOT, 'samples', 'mobway.json'));
  const readings = Object.values(JSON.parse(body.toString()) as Record<string, unknown[]>).reduce(
    (n, list) => n + list.length,
    0,
  );
  const headers = { 'content-type': 'application/json', ...sign('mobway', SECRET, body) };
  console.log(
    `payload: ${body.length} bytes, ${readings} readings; ${CONNECTIONS} connections, ${DURATION} s per run`,
  );

  const stack = await startStack(PORT_BASE, { KAFKA_TOPIC_PARTITIONS: '6' });
  let gatewayResult: Measured;
  let bareResult: Measured;
  try {
    const gateway = await startGateway(stack.kafkaBrokers, SECRET, PORT_BASE + 10);
    const url = `http://127.0.0.1:${PORT_BASE + 10}/webhooks/mobway`;
    await load(url, body, headers, CONNECTIONS, WARMUP);
    gatewayResult = await measured(
      () => load(url, body, headers, CONNECTIONS, DURATION),
      gateway.pid,
      stack.kafkaPid,
    );
    await gateway.stop();

    const bare = await startProcess(
      'bare',
      join(DIST, 'bench', 'bare-receiver.js'),
      [SECRET, String(PORT_BASE + 11)],
      {},
    );
    const bareUrl = `http://127.0.0.1:${PORT_BASE + 11}/webhook`;
    await load(bareUrl, body, headers, CONNECTIONS, WARMUP);
    bareResult = await measured(
      () => load(bareUrl, body, headers, CONNECTIONS, DURATION),
      bare.pid,
      stack.kafkaPid,
    );
    await bare.stop();
  } finally {
    await stack.stop();
  }

  const ratio = gatewayResult.requestsPerSecond / bareResult.requestsPerSecond;
  const row = (name: string, r: Measured) =>
    `| ${name} | ${r.requestsPerSecond.toLocaleString('en')} | ${(r.requestsPerSecond * readings).toLocaleString('en')} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx} | ${r.errors} | ${r.cpuMicrosPerRequest.receiver} / ${r.cpuMicrosPerRequest.kafka} / ${r.cpuMicrosPerRequest.loadTool} |`;
  const when = new Date().toISOString();
  const table = [
    `### Ingest: gateway vs. the bare-Fastify limit (${when.slice(0, 10)})`,
    '',
    `\`npm run bench:ingest\` — signed ${readings}-vehicle mobway payload (${body.length} B), ${CONNECTIONS} connections, ${DURATION} s after ${WARMUP} s of untimed load on each receiver, autocannon in the same process as the bench, real single-node Kafka (acks=all, idempotent producer) on the same machine: ${machine()}.`,
    '',
    '| receiver | req/s | records/s | p50 ms | p99 ms | non-2xx | errors | CPU µs per request: receiver / Kafka / load tool |',
    '|---|---|---|---|---|---|---|---|',
    row(
      'ingest-gateway (verify, normalize, validate, publish, 200 after Kafka ack)',
      gatewayResult,
    ),
    row('bare Fastify: HMAC verify + JSON.parse only (the limit)', bareResult),
    '',
    `Ratio gateway / limit: **${ratio.toFixed(2)}** (target ≥ 0.30); gateway p99 ${gatewayResult.p99Ms} ms (target ≤ 50 ms).`,
    '',
    `CPU per request is each process's user + system time over the timed run divided by the requests served; the bare run has a broker too, idle. With ${cpus().length} cores, the gateway run's processes together could serve at most ${Math.round((cpus().length * 1e6) / (gatewayResult.cpuMicrosPerRequest.receiver + gatewayResult.cpuMicrosPerRequest.kafka + gatewayResult.cpuMicrosPerRequest.loadTool)).toLocaleString('en')} req/s, and the gateway's one thread at most ${Math.round(1e6 / gatewayResult.cpuMicrosPerRequest.receiver).toLocaleString('en')} req/s.`,
  ].join('\n');
  report(
    'ingest',
    {
      when,
      machine: machine(),
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      payloadBytes: body.length,
      readings,
      gateway: gatewayResult,
      bare: bareResult,
      ratio,
    },
    table,
  );
  console.log(table);
  if (gatewayResult.non2xx > 0 || gatewayResult.errors > 0)
    console.warn('warning: the gateway answered non-2xx or errored during the run');
}

interface Measured extends LoadResult {
  /** CPU time per request served: the receiving process, the Kafka broker, this process (autocannon) */
  cpuMicrosPerRequest: { receiver: number; kafka: number; loadTool: number };
}

async function measured(
  run: () => Promise<LoadResult>,
  receiverPid: number,
  kafkaPid: number | undefined,
): Promise<Measured> {
  const before = {
    receiver: processCpuSeconds(receiverPid),
    kafka: processCpuSeconds(kafkaPid),
    self: process.cpuUsage(),
  };
  const result = await run();
  const self = process.cpuUsage(before.self);
  const perRequest = (seconds: number) => Math.round((seconds * 1e6) / result.total);
  return {
    ...result,
    cpuMicrosPerRequest: {
      receiver: perRequest(processCpuSeconds(receiverPid) - before.receiver),
      kafka: perRequest(processCpuSeconds(kafkaPid) - before.kafka),
      loadTool: perRequest((self.user + self.system) / 1e6),
    },
  };
}

main().catch((error: Error) => {
  console.error(error.stack);
  process.exit(1);
});
