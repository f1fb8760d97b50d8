import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Worker } from 'node:worker_threads';
import { sign } from '@app/verification';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { RunningApp } from './support/running-app';
import { PORT_BASE } from './support/test-env';

const SECRET = 'hostile-mobway-secret';
const METRICS_TOKEN = 'hostile-metrics-token-0123456789';
const METRICS_PORT = PORT_BASE + 9;
const MiB = 1024 * 1024;

// short limits so the run stays well under a minute; the defaults are documented in the README
const LIMITS = {
  HTTP_HEADERS_TIMEOUT_MS: 2000,
  HTTP_REQUEST_TIMEOUT_MS: 6000,
  BODY_MIN_BYTES_PER_SECOND: 4096,
  BODY_RATE_WINDOW_MS: 2000,
  MAX_BODY_READS: 64,
  CLIENT_MAX_BODY_READS: 4,
  REJECTION_LOG_INTERVAL_MS: 2000,
};
/** resident memory the gateway may add under attack: every admitted body at the limit, plus 96 MiB of heap and socket buffers */
const RSS_GROWTH_BOUND_KIB = (LIMITS.MAX_BODY_READS * MiB + 96 * MiB) / 1024;

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** samples the gateway's resident memory until stopped; resolves to the peak */
function watchRss(pid: number): { stop: () => number } {
  let peak = rssKiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssKiB(pid))), 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssKiB(pid));
    },
  };
}

interface SlowResult {
  status: number;
  closedAfterMs?: number;
}

/** a client that sends all of a 1 MiB body but the last 10 bytes quickly, then one byte a second */
function slowBody(port: number, localAddress: string, giveUpMs: number): Promise<SlowResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let status = 0;
    let head = '';
    let trickle: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(trickle);
      socket.destroy();
      resolve({ status });
    }, giveUpMs);
    socket.on('connect', () => {
      socket.write(`POST /webhooks/mobway HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: ${MiB}\r\n\r\n`);
      socket.write(Buffer.alloc(MiB - 10, 0x20));
      trickle = setInterval(() => socket.writable && socket.write(' '), 1000);
    });
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      status ||= Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(trickle);
      resolve({ status, closedAfterMs: Date.now() - started });
    });
  });
}

/** the flood runs on its own thread so the signed sender's timing in this thread is not the attacker's */
const FLOOD = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const { port, addresses, perAddress, bodyBytes } = workerData;
const body = Buffer.alloc(bodyBytes, 0x7b);
const statuses = {};
let stopping = false;
let running = 0;
parentPort.on('message', () => { stopping = true; if (running === 0) parentPort.postMessage(statuses); });
function loop(localAddress, n) {
  if (stopping) { if (--running === 0) parentPort.postMessage(statuses); return; }
  const signature = n % 2 === 0 ? 'x-signature: ' + 'ab'.repeat(32) + '\\r\\n' : '';
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  let status = 0, head = '';
  socket.on('connect', () => {
    socket.write('POST /webhooks/mobway HTTP/1.1\\r\\nhost: gateway\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + bodyBytes + '\\r\\n' + signature + '\\r\\n');
    socket.write(body);
  });
  socket.on('data', (chunk) => {
    head += chunk.toString('latin1');
    const m = /^HTTP\\/1\\.1 (\\d{3})/.exec(head);
    if (m) { status = Number(m[1]); socket.destroy(); }
  });
  socket.on('error', () => {});
  socket.on('close', () => { statuses[status] = (statuses[status] || 0) + 1; setImmediate(loop, localAddress, n + 1); });
}
for (const address of addresses) for (let i = 0; i < perAddress; i++) { running++; loop(address, i); }
`;

function startFlood(port: number, addresses: string[], perAddress: number): { stop: () => Promise<Record<string, number>> } {
  const worker = new Worker(FLOOD, { eval: true, workerData: { port, addresses, perAddress, bodyBytes: MiB } });
  return {
    stop: async () => {
      const statuses = new Promise<Record<string, number>>((resolve) => worker.once('message', resolve));
      worker.postMessage('stop');
      const result = await statuses;
      await worker.terminate();
      return result;
    },
  };
}

/** a real mobway sender: signed one-reading requests, 4 in flight on keep-alive connections, for `ms` */
async function signedSender(port: number, ms: number): Promise<{ ok: number; other: number; perSecond: number; p50: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const deadline = Date.now() + ms;
  const latencies: number[] = [];
  let other = 0;
  const post = (): Promise<number> =>
    new Promise((resolve) => {
      const body = mobwayPayload([mobwayReading(randomVin())]);
      const req = request({ port, host: '127.0.0.1', path: '/webhooks/mobway', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, ...sign('mobway', SECRET, body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end(body);
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (Date.now() < deadline) {
        const t = performance.now();
        const status = await post();
        if (status === 200) latencies.push(performance.now() - t);
        else other++;
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { ok: latencies.length, other, perSecond: latencies.length / ((Date.now() - started) / 1000), p50: latencies[Math.floor(latencies.length / 2)] ?? NaN };
}

describe('hostile traffic against the real gateway', () => {
  let gateway: RunningApp;

  beforeAll(async () => {
    gateway = await RunningApp.start('ingest-gateway', {
      MOBWAY_SIGN_SECRET: SECRET,
      METRICS_TOKEN,
      METRICS_PORT: String(METRICS_PORT),
      ...Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, String(v)])),
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('closes slow bodies within the configured limits, answers the rest before reading them, and keeps its memory bounded', async () => {
    const before = rssKiB(gateway.pid);
    const rss = watchRss(gateway.pid);
    // 400 sockets from 100 client addresses (all of 127.0.0.0/8 is loopback)
    const giveUpMs = LIMITS.HTTP_REQUEST_TIMEOUT_MS + 4000;
    const results = await Promise.all(Array.from({ length: 400 }, (_, i) => slowBody(gateway.port, `127.0.1.${1 + (i % 100)}`, giveUpMs)));
    const peak = rss.stop();

    const open = results.filter((r) => r.closedAfterMs === undefined).length;
    const slowest = Math.max(...results.map((r) => r.closedAfterMs ?? giveUpMs));
    const statuses: Record<number, number> = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    console.log(
      `slow bodies: 400 sockets, 1 MiB − 10 bytes then 1 byte/s\n` +
        `  still open after ${giveUpMs} ms: ${open}; slowest close: ${slowest} ms (cut below ${LIMITS.BODY_MIN_BYTES_PER_SECOND} B/s over ${LIMITS.BODY_RATE_WINDOW_MS} ms, request timeout ${LIMITS.HTTP_REQUEST_TIMEOUT_MS} ms)\n` +
        `  statuses: ${JSON.stringify(statuses)}\n` +
        `  gateway RSS: ${Math.round(before / 1024)} → peak ${Math.round(peak / 1024)} MiB (bound: +${Math.round(RSS_GROWTH_BOUND_KIB / 1024)} MiB)`,
    );
    expect(open).toBe(0);
    expect(slowest).toBeLessThanOrEqual(LIMITS.HTTP_REQUEST_TIMEOUT_MS + 1500);
    expect(peak - before).toBeLessThan(RSS_GROWTH_BOUND_KIB);
    // nothing unauthenticated was answered 200
    expect(statuses[200]).toBeUndefined();
  });

  it('keeps a signed sender at half its solo throughput or more while 20 connections flood 1 MiB unsigned and forged bodies', async () => {
    await signedSender(gateway.port, 1000); // warm-up
    const before = rssKiB(gateway.pid);
    const rss = watchRss(gateway.pid);
    const solo: number[] = [];
    const flooded: number[] = [];
    const floods: Record<string, number>[] = [];
    // alternate so a machine that gets busier or quieter halfway through affects both sides alike
    for (let round = 0; round < 2; round++) {
      solo.push((await signedSender(gateway.port, 4000)).perSecond);
      const flood = startFlood(gateway.port, ['127.0.2.1', '127.0.2.2', '127.0.2.3', '127.0.2.4'], 5);
      await new Promise((r) => setTimeout(r, 500));
      const during = await signedSender(gateway.port, 4000);
      flooded.push(during.perSecond);
      floods.push(await flood.stop());
    }
    const peak = rss.stop();
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ratio = mean(flooded) / mean(solo);
    const answered: Record<string, number> = {};
    for (const f of floods) for (const [k, v] of Object.entries(f)) answered[k] = (answered[k] ?? 0) + v;
    console.log(
      `flood: 20 connections from 4 addresses, 1 MiB bodies (half unsigned, half forged), 2 × 4 s, alternating with solo runs\n` +
        `  | signed sender | round 1 | round 2 | mean |\n` +
        `  |---|---|---|---|\n` +
        `  | solo req/s | ${solo.map((x) => x.toFixed(1)).join(' | ')} | ${mean(solo).toFixed(1)} |\n` +
        `  | during flood req/s | ${flooded.map((x) => x.toFixed(1)).join(' | ')} | ${mean(flooded).toFixed(1)} |\n` +
        `  ratio ${ratio.toFixed(2)} (floor 0.5); flood answers: ${JSON.stringify(answered)}\n` +
        `  gateway RSS: ${Math.round(before / 1024)} → peak ${Math.round(peak / 1024)} MiB`,
    );
    expect(ratio).toBeGreaterThanOrEqual(0.5);
    expect(peak - before).toBeLessThan(RSS_GROWTH_BOUND_KIB);
    expect(answered['200']).toBeUndefined();
  });
});
