import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Worker } from 'node:worker_threads';
import { sign } from '@app/verification';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { RunningApp } from './support/running-app';
import { PORT_BASE } from './support/test-env';

const SECRET = 'hostile-traffic-mobway-secret-4f9c2a7e1b';
const METRICS_TOKEN = 'hostile-metrics-bearer-7d3f9a1c5e';
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
  /** from connecting */
  closedAfterMs?: number;
  /** from the last fast byte leaving this process, when the trickle began */
  closedAfterTrickleMs?: number;
}

// one buffer for every socket: allocating 400 MiB would keep this process too busy to send the headers in time
const ALMOST_A_MIB = Buffer.alloc(MiB - 10, 0x20);

/** a client that sends all of a 1 MiB body but the last 10 bytes quickly, then one byte a second */
function slowBody(port: number, localAddress: string, giveUpMs: number): Promise<SlowResult> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let status = 0;
    let head = '';
    let trickle: NodeJS.Timeout | undefined;
    let trickleFrom: number | undefined;
    const giveUp = setTimeout(() => {
      clearInterval(trickle);
      socket.destroy();
      resolve({ status });
    }, giveUpMs);
    socket.on('connect', () => {
      socket.write(`POST /webhooks/mobway HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: ${MiB}\r\n\r\n`);
      socket.write(ALMOST_A_MIB, () => (trickleFrom = Date.now()));
      // the last 10 bytes, one a second: the body completes after 10 s unless the gateway cuts it
      let left = 10;
      trickle = setInterval(() => left-- > 0 && socket.writable && socket.write(' '), 1000);
    });
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      status ||= Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(trickle);
      resolve({ status, closedAfterMs: Date.now() - started, closedAfterTrickleMs: Date.now() - (trickleFrom ?? started) });
    });
  });
}

/**
 * each flood connection starts a new request at most this often: 20 connections offer up to 200 MiB/s,
 * about twice what the unprotected gateway could drain (112 MiB/s in the measurement), without
 * the attacker's own loop, on the same 2-core machine, taking most of the CPU from the gateway it attacks
 */
const FLOOD_PACE_MS = 100;

/** the flood runs on its own thread so the signed sender's timing in this thread is not the attacker's */
const FLOOD = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const { port, addresses, perAddress, bodyBytes, pace } = workerData;
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
  const started = Date.now();
  socket.on('close', () => { statuses[status] = (statuses[status] || 0) + 1; setTimeout(loop, Math.max(0, started + pace - Date.now()), localAddress, n + 1); });
}
for (const address of addresses) for (let i = 0; i < perAddress; i++) { running++; loop(address, i); }
`;

function startFlood(port: number, addresses: string[], perAddress: number): { stop: () => Promise<Record<string, number>> } {
  const worker = new Worker(FLOOD, { eval: true, workerData: { port, addresses, perAddress, bodyBytes: MiB, pace: FLOOD_PACE_MS } });
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

/** the gateway's counters, read from its own metrics listener with the token */
async function metrics(): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  const values = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^(\w+\{[^}]*\}) (\d+)$/.exec(line);
    if (m) values.set(m[1], Number(m[2]));
  }
  return values;
}

function edgeDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [k, v] of after) {
    const reason = /^gateway_edge_rejections_total\{reason="([^"]+)"\}$/.exec(k)?.[1];
    if (reason && v - (before.get(k) ?? 0) > 0) delta[reason] = v - (before.get(k) ?? 0);
  }
  return delta;
}

describe('hostile traffic against the real gateway', () => {
  let gateway: RunningApp;
  const suiteStarted = Date.now();

  beforeAll(async () => {
    gateway = await RunningApp.start('ingest-gateway', {
      MOBWAY_SIGN_SECRET: SECRET,
      WEGUARD_SECRET: 'hostile-traffic-weguard-secret-8e2b6d4f0a',
      METRICS_TOKEN,
      METRICS_PORT: String(METRICS_PORT),
      ...Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, String(v)])),
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('serves /metrics only on its own listener, and only with the token', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789abcdef' } })).status).toBe(401);
    const res = await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE gateway_edge_rejections_total counter');
  });

  it('takes the client address from the socket, not from X-Forwarded-For, when TRUST_PROXY is unset', async () => {
    const res = await fetch(`${gateway.url}/webhooks/mobway`, { method: 'POST', body: '{}', headers: { 'x-forwarded-for': '203.0.113.9', 'x-signature': 'ab'.repeat(32) } });
    expect(res.status).toBe(403);
    await new Promise((r) => setTimeout(r, LIMITS.REJECTION_LOG_INTERVAL_MS + 500));
    const summaries = gateway.output.filter((line) => /rejected in last/.test(line));
    expect(summaries.at(-1)).toMatch(/mobway\/signature-mismatch=1; top clients: 127\.0\.0\.1=1/);
    expect(gateway.output.join('\n')).not.toContain('203.0.113.9');
  });

  it('closes slow bodies within the configured limits, refuses the rest before reading them, and keeps its memory bounded', async () => {
    const counters = await metrics();
    const before = rssKiB(gateway.pid);
    const rss = watchRss(gateway.pid);
    // 400 sockets from 100 client addresses (all of 127.0.0.0/8 is loopback)
    const giveUpMs = LIMITS.HTTP_REQUEST_TIMEOUT_MS + 6000;
    const results = await Promise.all(Array.from({ length: 400 }, (_, i) => slowBody(gateway.port, `127.0.1.${1 + (i % 100)}`, giveUpMs)));
    const peak = rss.stop();
    const edge = edgeDelta(counters, await metrics());

    const open = results.filter((r) => r.closedAfterMs === undefined).length;
    const slowest = Math.max(...results.map((r) => r.closedAfterMs ?? giveUpMs));
    const slowestAfterTrickle = Math.max(...results.map((r) => r.closedAfterTrickleMs ?? giveUpMs));
    // node's request timeout is the backstop; the rate check usually cuts sooner (2 windows)
    const cutBound = LIMITS.HTTP_REQUEST_TIMEOUT_MS + 1500;
    console.log(
      `slow bodies: 400 sockets from 100 addresses, 1 MiB − 10 bytes then 1 byte/s\n` +
        `  | still open after ${giveUpMs} ms | slowest close after connect | after the trickle began (bound ${cutBound}) |\n` +
        `  | ${open} | ${slowest} ms | ${slowestAfterTrickle} ms |\n` +
        `  gateway's edge counters: ${JSON.stringify(edge)} (cut below ${LIMITS.BODY_MIN_BYTES_PER_SECOND} B/s over ${LIMITS.BODY_RATE_WINDOW_MS} ms; request timeout ${LIMITS.HTTP_REQUEST_TIMEOUT_MS} ms; at most ${LIMITS.MAX_BODY_READS} bodies at once)\n` +
        `  gateway RSS: ${Math.round(before / 1024)} → peak ${Math.round(peak / 1024)} MiB (bound: +${Math.round(RSS_GROWTH_BOUND_KIB / 1024)} MiB)`,
    );
    expect(open).toBe(0);
    expect(slowestAfterTrickle).toBeLessThanOrEqual(cutBound);
    // every socket was either refused before its body was read or cut for trickling
    const refused = (edge.busy ?? 0) + (edge['client-body-reads'] ?? 0);
    const cut = (edge['body-too-slow'] ?? 0) + (edge['request-timeout'] ?? 0);
    expect(refused + cut).toBe(400);
    expect(peak - before).toBeLessThan(RSS_GROWTH_BOUND_KIB);
    expect(results.filter((r) => r.status === 200)).toEqual([]);
  });

  it('keeps a signed sender at half its solo throughput or more while 20 connections flood 1 MiB unsigned and forged bodies', async () => {
    await signedSender(gateway.port, 1000); // warm-up
    const counters = await metrics();
    const before = rssKiB(gateway.pid);
    const rss = watchRss(gateway.pid);
    const solo: number[] = [];
    const flooded: number[] = [];
    const floods: Record<string, number>[] = [];
    // alternate so a machine that gets busier or quieter halfway through affects both sides alike
    for (let round = 0; round < 3; round++) {
      solo.push((await signedSender(gateway.port, 3000)).perSecond);
      const flood = startFlood(gateway.port, ['127.0.2.1', '127.0.2.2', '127.0.2.3', '127.0.2.4'], 5);
      await new Promise((r) => setTimeout(r, 300));
      flooded.push((await signedSender(gateway.port, 3000)).perSecond);
      floods.push(await flood.stop());
    }
    const peak = rss.stop();
    const after = await metrics();
    const edge = edgeDelta(counters, after);
    const forged = [...after].filter(([k]) => k.startsWith('gateway_verification_failures_total')).reduce((n, [k, v]) => n + v - (counters.get(k) ?? 0), 0);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const ratio = sum(flooded) / sum(solo);
    const answered: Record<string, number> = {};
    for (const f of floods) for (const [k, v] of Object.entries(f)) answered[k] = (answered[k] ?? 0) + v;
    const summaries = gateway.output.filter((line) => /rejected in last/.test(line));
    console.log(
      `flood: 20 connections from 4 addresses, 1 MiB bodies (half unsigned, half forged), each connection at most one request per ${FLOOD_PACE_MS} ms; 3 × 3 s alternating with solo runs\n` +
        `  | signed sender req/s | round 1 | round 2 | round 3 | mean |\n` +
        `  |---|---|---|---|---|\n` +
        `  | solo | ${solo.map((x) => x.toFixed(1)).join(' | ')} | ${(sum(solo) / 3).toFixed(1)} |\n` +
        `  | during the flood | ${flooded.map((x) => x.toFixed(1)).join(' | ')} | ${(sum(flooded) / 3).toFixed(1)} |\n` +
        `  ratio ${ratio.toFixed(2)} (floor 0.5)\n` +
        `  flood attempts by what the attacker saw: ${JSON.stringify(answered)} (0 = reset before an answer)\n` +
        `  gateway: bodies read and verified ${forged}; refused at the edge ${JSON.stringify(edge)}\n` +
        `  gateway RSS: ${Math.round(before / 1024)} → peak ${Math.round(peak / 1024)} MiB\n` +
        `  rejection log: ${summaries.length} lines since start; last: ${summaries.at(-1)?.replace(/^.*WARN\s+\[\w+\]\s+/, '')}`,
    );
    // one line per interval, counts per source and reason, instead of one line per rejected request
    expect(summaries.length).toBeLessThanOrEqual(Math.ceil((Date.now() - suiteStarted) / LIMITS.REJECTION_LOG_INTERVAL_MS) + 1);
    expect(gateway.output.filter((line) => /WARN/.test(line) && !/rejected in last|kafkajs/.test(line))).toEqual([]);
    expect(answered['200']).toBeUndefined();
    expect(ratio).toBeGreaterThanOrEqual(0.5);
    expect(peak - before).toBeLessThan(RSS_GROWTH_BOUND_KIB);
  });
});
