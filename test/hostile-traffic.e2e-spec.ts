import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Worker } from 'node:worker_threads';
import { Client } from 'pg';
import { TOPICS } from '@app/contracts';
import {
  OUT_OF_RANGE_NUMBER_TEXTS,
  OUT_OF_RANGE_WALL_CLOCKS,
  UNSTORABLE_STRINGS,
} from '@app/normalization/testing/unstorable';
import { sign } from '@app/verification';
import {
  MobwayReading,
  mobwayPayload,
  mobwayReading,
  randomVin,
  weguardLocation,
} from './support/payloads';
import { RunningApp, testStack } from './support/running-app';
import { readTopic } from './support/topic-reader';
import { PORT_BASE } from './support/test-env';
import { eventually } from './support/eventually';

const SECRET = 'hostile-traffic-mobway-secret-4f9c2a7e1b';
const WEGUARD_SECRET = 'hostile-traffic-weguard-secret-8e2b6d4f0a';
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
/**
 * a second gateway for replays, oversized and unstorable bodies: a source rate low enough that a
 * replay charged to it would be refused, a reading cap a test body can pass, and produce requests
 * smaller than one full body plus its records, so a body just under BODY_LIMIT_BYTES is split
 */
const STRICT = {
  RATE_LIMIT_PER_SOURCE: 20,
  RATE_LIMIT_BURST: 20,
  MAX_READINGS_PER_REQUEST: 50,
  BODY_LIMIT_BYTES: MiB,
  PUBLISH_MAX_BATCH_BYTES: 1.5 * MiB,
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
      socket.write(
        `POST /webhooks/mobway HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: ${MiB}\r\n\r\n`,
      );
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
      resolve({
        status,
        closedAfterMs: Date.now() - started,
        closedAfterTrickleMs: Date.now() - (trickleFrom ?? started),
      });
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

function startFlood(
  port: number,
  addresses: string[],
  perAddress: number,
): { stop: () => Promise<Record<string, number>> } {
  const worker = new Worker(FLOOD, {
    eval: true,
    workerData: { port, addresses, perAddress, bodyBytes: MiB, pace: FLOOD_PACE_MS },
  });
  return {
    stop: async () => {
      const statuses = new Promise<Record<string, number>>((resolve) =>
        worker.once('message', resolve),
      );
      worker.postMessage('stop');
      const result = await statuses;
      await worker.terminate();
      return result;
    },
  };
}

/**
 * every 200 a signed sender got in the whole run, the flood included: the readings it counted as
 * accepted and the VINs and devices they name (each reading's VIN and time are unique in the run, so
 * each accepted reading must be exactly one stored row). A VIN whose request got anything else may
 * or may not be stored, so it is kept apart and not queried.
 */
const ledger = {
  accepted: 0,
  requests: 0,
  vins: new Set<string>(),
  devices: new Set<string>(),
  unanswered: new Set<string>(),
  byEntity: new Map<string, number>(),
};

function credit(
  status: number,
  answer: { accepted?: number } | undefined,
  entities: { vins?: string[]; devices?: string[] },
): void {
  if (status !== 200) {
    for (const vin of entities.vins ?? []) ledger.unanswered.add(vin);
    return;
  }
  ledger.requests++;
  ledger.accepted += answer?.accepted ?? NaN;
  for (const vin of entities.vins ?? []) ledger.vins.add(vin);
  for (const device of entities.devices ?? []) ledger.devices.add(device);
  // every request here names one VIN or device
  const [entity] = [...(entities.vins ?? []), ...(entities.devices ?? [])];
  if (entity)
    ledger.byEntity.set(entity, (ledger.byEntity.get(entity) ?? 0) + (answer?.accepted ?? NaN));
}

/** a real mobway sender: signed one-reading requests, 4 in flight on keep-alive connections, for `ms` */
async function signedSender(
  port: number,
  ms: number,
): Promise<{ ok: number; other: number; perSecond: number; p50: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const deadline = Date.now() + ms;
  const latencies: number[] = [];
  let other = 0;
  const post = (): Promise<number> =>
    new Promise((resolve) => {
      const vin = randomVin();
      const body = mobwayPayload([mobwayReading(vin)]);
      const req = request(
        {
          port,
          host: '127.0.0.1',
          path: '/webhooks/mobway',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            ...sign('mobway', SECRET, body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            credit(
              status,
              status === 200
                ? (JSON.parse(Buffer.concat(chunks).toString()) as { accepted: number })
                : undefined,
              { vins: [vin] },
            );
            resolve(status);
          });
        },
      );
      req.on('error', () => {
        credit(0, undefined, { vins: [vin] });
        resolve(0);
      });
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
  return {
    ok: latencies.length,
    other,
    perSecond: latencies.length / ((Date.now() - started) / 1000),
    p50: latencies[Math.floor(latencies.length / 2)] ?? NaN,
  };
}

/** the gateway's counters, read from its own metrics listener with the token */
async function metrics(): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(res.status).toBe(200);
  const values = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^(\w+\{[^}]*\}) (\d+)$/.exec(line);
    if (m) values.set(m[1], Number(m[2]));
  }
  return values;
}

function countBy(values: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

function edgeDelta(
  before: Map<string, number>,
  after: Map<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [k, v] of after) {
    const reason = /^fleet_gateway_edge_rejections_total\{reason="([^"]+)"\}$/.exec(k)?.[1];
    if (reason && v - (before.get(k) ?? 0) > 0) delta[reason] = v - (before.get(k) ?? 0);
  }
  return delta;
}

interface Answer {
  status: number;
  body: { accepted?: number; deadLettered?: number; [k: string]: unknown };
  ms: number;
  requestId: string;
}

/** one signed request to the strict gateway, timed from sending to the end of the answer; a replay (`entities` undefined) is not credited again */
async function postSigned(
  app: RunningApp,
  kind: 'mobway' | 'weguard',
  body: Buffer,
  entities: { vins?: string[]; devices?: string[] } | undefined,
): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${app.url}/webhooks/${kind}`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      ...sign(kind, kind === 'mobway' ? SECRET : WEGUARD_SECRET, body),
    },
  });
  const text = await res.text();
  const answer = {
    status: res.status,
    body: text ? (JSON.parse(text) as Answer['body']) : {},
    ms: Math.round(performance.now() - started),
    requestId: res.headers.get('x-request-id') ?? '',
  };
  if (entities) credit(answer.status, answer.body, entities);
  return answer;
}

/** mobway wall-clock time `seconds` after 2025-03-01 10:00:00, so every reading of one VIN is its own event */
const at = (seconds: number): string =>
  new Date(Date.UTC(2025, 2, 1, 10, 0, seconds)).toISOString().slice(0, 19).replace('T', ' ');

describe('hostile traffic against the real gateway', () => {
  let gateway: RunningApp;
  let strict: RunningApp;
  // the real consumers store what both gateways publish during the whole run, the flood included
  let consumers: RunningApp[] = [];
  const suiteStarted = Date.now();

  beforeAll(async () => {
    [gateway, strict, ...consumers] = await Promise.all([
      RunningApp.start('ingest-gateway', {
        MOBWAY_SIGN_SECRET: SECRET,
        WEGUARD_SECRET,
        METRICS_TOKEN,
        METRICS_PORT: String(METRICS_PORT),
        ...Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, String(v)])),
      }),
      RunningApp.start('ingest-gateway', {
        MOBWAY_SIGN_SECRET: SECRET,
        WEGUARD_SECRET,
        ...Object.fromEntries(Object.entries(STRICT).map(([k, v]) => [k, String(v)])),
      }),
      RunningApp.start('vehicle-consumer'),
      RunningApp.start('location-consumer'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([gateway, strict, ...consumers].filter(Boolean).map((app) => app.stop()));
  });

  it('serves /metrics only on its own listener, and only with the token', async () => {
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).status).toBe(401);
    expect(
      (
        await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`, {
          headers: { authorization: 'Bearer wrong-token-0123456789abcdef' },
        })
      ).status,
    ).toBe(401);
    const res = await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE fleet_gateway_edge_rejections_total counter');
  });

  it('takes the client address from the socket, not from X-Forwarded-For, when TRUST_PROXY is unset', async () => {
    const res = await fetch(`${gateway.url}/webhooks/mobway`, {
      method: 'POST',
      body: '{}',
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-signature': 'ab'.repeat(32) },
    });
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
    // a sender that holds the secret has been heard from before the attack
    expect((await signedSender(gateway.port, 300)).ok).toBeGreaterThan(0);
    // 400 sockets from 100 client addresses (all of 127.0.0.0/8 is loopback)
    const giveUpMs = LIMITS.HTTP_REQUEST_TIMEOUT_MS + 6000;
    const attack = Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        slowBody(gateway.port, `127.0.1.${1 + (i % 100)}`, giveUpMs),
      ),
    );
    // while the strangers hold every shared body slot, the known sender must still get through
    await new Promise((r) => setTimeout(r, 1000));
    const sender = await signedSender(gateway.port, 3000);
    const results = await attack;
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
        `  gateway RSS: ${Math.round(before / 1024)} → peak ${Math.round(peak / 1024)} MiB (bound: +${Math.round(RSS_GROWTH_BOUND_KIB / 1024)} MiB)\n` +
        `  a signed sender verified before the attack, during it: ${sender.ok} × 200 (${sender.perSecond.toFixed(1)} req/s, p50 ${sender.p50.toFixed(0)} ms), ${sender.other} other`,
    );
    expect(edge.busy).toBeGreaterThan(0);
    expect([sender.ok > 0, sender.other]).toEqual([true, 0]);
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
      const flood = startFlood(
        gateway.port,
        ['127.0.2.1', '127.0.2.2', '127.0.2.3', '127.0.2.4'],
        5,
      );
      await new Promise((r) => setTimeout(r, 300));
      flooded.push((await signedSender(gateway.port, 3000)).perSecond);
      floods.push(await flood.stop());
    }
    const peak = rss.stop();
    const after = await metrics();
    const edge = edgeDelta(counters, after);
    const forged = [...after]
      .filter(([k]) => k.startsWith('fleet_gateway_verification_failures_total'))
      .reduce((n, [k, v]) => n + v - (counters.get(k) ?? 0), 0);
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    const ratio = sum(flooded) / sum(solo);
    const answered: Record<string, number> = {};
    for (const f of floods)
      for (const [k, v] of Object.entries(f)) answered[k] = (answered[k] ?? 0) + v;
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
    expect(summaries.length).toBeLessThanOrEqual(
      Math.ceil((Date.now() - suiteStarted) / LIMITS.REJECTION_LOG_INTERVAL_MS) + 1,
    );
    expect(
      gateway.output.filter((line) => /WARN/.test(line) && !/rejected in last/.test(line)),
    ).toEqual([]);
    expect(answered['200']).toBeUndefined();
    expect(ratio).toBeGreaterThanOrEqual(0.5);
    expect(peak - before).toBeLessThan(RSS_GROWTH_BOUND_KIB);
  });
  it('answers every replay of a signed request with its first 200, publishes it once and does not charge replays to the source rate limit', async () => {
    const vin = randomVin();
    const device = `hostile-${randomUUID()}`;
    const captured = [
      {
        kind: 'mobway' as const,
        body: mobwayPayload([
          mobwayReading(vin, { date_time: at(0) }),
          mobwayReading(vin, { date_time: at(30) }),
        ]),
        entities: { vins: [vin] },
        topic: TOPICS.vehicle,
        key: vin,
      },
      {
        kind: 'weguard' as const,
        body: Buffer.from(JSON.stringify({ locations: [weguardLocation(device)] })),
        entities: { devices: [device] },
        topic: TOPICS.location,
        key: device,
      },
    ];
    const rows: string[] = [];
    for (const { kind, body, entities } of captured) {
      const first = await postSigned(strict, kind, body, entities);
      expect(first.status).toBe(200);
      // 50 at once, well past the source's burst of 20: a replay charged to the bucket would get 429
      const replays = await Promise.all(
        Array.from({ length: 50 }, () => postSigned(strict, kind, body, undefined)),
      );
      const same = replays.filter(
        (r) => r.status === 200 && JSON.stringify(r.body) === JSON.stringify(first.body),
      ).length;
      rows.push(
        `  | ${kind} | ${first.status} ${JSON.stringify(first.body)} | ${same} of 50 | ${JSON.stringify(countBy(replays.map((r) => r.status)))} | ${Math.max(...replays.map((r) => r.ms))} ms |`,
      );
      expect(replays.map((r) => [r.status, r.body])).toEqual(replays.map(() => [200, first.body]));
    }
    // the real sender's own new requests still pass: the replays took nothing from its bucket
    const freshVins = Array.from({ length: 10 }, () => randomVin());
    const fresh = await Promise.all(
      freshVins.map((v) =>
        postSigned(strict, 'mobway', mobwayPayload([mobwayReading(v)]), { vins: [v] }),
      ),
    );

    const [raw, vehicles, locations] = await Promise.all([
      readTopic(TOPICS.raw),
      readTopic(TOPICS.vehicle),
      readTopic(TOPICS.location),
    ]);
    const published = captured.map(({ body, topic, key }) => ({
      raw: raw.filter((m) => m.value.equals(body)).length,
      records: (topic === TOPICS.vehicle ? vehicles : locations).filter((m) => m.key === key)
        .length,
    }));
    console.log(
      `replays: a captured signed request sent again 50 times at once (RATE_LIMIT_PER_SOURCE=${STRICT.RATE_LIMIT_PER_SOURCE}, burst ${STRICT.RATE_LIMIT_BURST})\n` +
        `  | source | first answer | replays answered with it | replay statuses | slowest replay |\n` +
        `  |---|---|---|---|---|\n` +
        rows.join('\n') +
        `\n  published: mobway body ${published[0].raw}× on ${TOPICS.raw}, ${published[0].records} records; WeGuard body ${published[1].raw}×, ${published[1].records} record\n` +
        `  the sender's 10 fresh requests afterwards: ${JSON.stringify(countBy(fresh.map((r) => r.status)))}`,
    );
    expect(published).toEqual([
      { raw: 1, records: 2 },
      { raw: 1, records: 1 },
    ]);
    expect(fresh.map((r) => r.status)).toEqual(freshVins.map(() => 200));
  });

  it('answers oversized signed bodies promptly: mobway 200 with the excess in one dead letter, WeGuard 413, a full body of big readings split and stored whole', async () => {
    const cap = STRICT.MAX_READINGS_PER_REQUEST;
    const over = cap + 70;
    const vin = randomVin();
    const mobway = await postSigned(
      strict,
      'mobway',
      mobwayPayload(
        Array.from({ length: over }, (_, i) => mobwayReading(vin, { date_time: at(i) })),
      ),
      { vins: [vin] },
    );
    const device = `hostile-${randomUUID()}`;
    const weguard = await postSigned(
      strict,
      'weguard',
      Buffer.from(
        JSON.stringify({
          locations: Array.from({ length: over }, (_, i) =>
            weguardLocation(device, {
              timestamp: new Date(Date.UTC(2025, 2, 1, 13, 0, i)).toISOString(),
            }),
          ),
        }),
      ),
      {},
    );

    // as many readings as the cap allows, each padded so the body ends just under BODY_LIMIT_BYTES
    const bigVin = randomVin();
    const unpadded = Array.from({ length: cap }, (_, i) =>
      mobwayReading(bigVin, { date_time: at(i), note: '' }),
    );
    const pad = Math.floor((STRICT.BODY_LIMIT_BYTES - 64 - mobwayPayload(unpadded).length) / cap);
    const bigBody = mobwayPayload(unpadded.map((r) => ({ ...r, note: 'n'.repeat(pad) })));
    const big = await postSigned(strict, 'mobway', bigBody, { vins: [bigVin] });

    const [dead, vehicles, locations] = await Promise.all([
      readTopic(TOPICS.deadLetter),
      readTopic(TOPICS.vehicle),
      readTopic(TOPICS.location),
    ]);
    const mobwayDead = dead.filter((m) => m.headers['request-id'] === mobway.requestId);
    const bigRecords = vehicles.filter((m) => m.key === bigVin);
    console.log(
      `oversized signed bodies (MAX_READINGS_PER_REQUEST=${cap}, BODY_LIMIT_BYTES=${STRICT.BODY_LIMIT_BYTES}, PUBLISH_MAX_BATCH_BYTES=${STRICT.PUBLISH_MAX_BATCH_BYTES})\n` +
        `  | body | answer | time |\n` +
        `  |---|---|---|\n` +
        `  | mobway, ${over} readings | ${mobway.status} ${JSON.stringify(mobway.body)}; ${mobwayDead.length} dead letter(s), ${vehicles.filter((m) => m.key === vin).length} records | ${mobway.ms} ms |\n` +
        `  | WeGuard, ${over} locations | ${weguard.status}; ${locations.filter((m) => m.key === device).length} records | ${weguard.ms} ms |\n` +
        `  | mobway, ${cap} readings of ${pad} B, ${bigBody.length} bytes | ${big.status} ${JSON.stringify(big.body)}; ${bigRecords.length} records | ${big.ms} ms |`,
    );
    expect(mobway.status).toBe(200);
    expect(mobway.body).toEqual({ status: 'success', accepted: cap, deadLettered: over - cap });
    expect(mobwayDead).toHaveLength(1);
    expect(JSON.stringify(JSON.parse(mobwayDead[0].value.toString()))).toContain(
      `${over - cap} reading(s) past MAX_READINGS_PER_REQUEST (${cap})`,
    );
    expect(vehicles.filter((m) => m.key === vin)).toHaveLength(cap);
    expect(weguard.status).toBe(413);
    expect(locations.filter((m) => m.key === device)).toHaveLength(0);
    expect(bigBody.length).toBeGreaterThan(STRICT.BODY_LIMIT_BYTES - 64 - cap);
    expect(big.status).toBe(200);
    expect(big.body).toEqual({ status: 'success', accepted: cap, deadLettered: 0 });
    expect(bigRecords).toHaveLength(cap);
    // prompt: the slowest of the three well inside PUBLISH_TIMEOUT_MS (5 s), never a 503
    expect(Math.max(mobway.ms, weguard.ms, big.ms)).toBeLessThan(5000);
  });

  it('dead-letters signed readings PostgreSQL cannot store and accepts the good ones beside them', async () => {
    const vin = randomVin();
    const good = Array.from({ length: 6 }, (_, i) => mobwayReading(vin, { date_time: at(i) }));
    const bad: MobwayReading[] = [
      ...UNSTORABLE_STRINGS.map((text, i) =>
        mobwayReading(vin, { date_time: at(100 + i), event: text }),
      ),
      ...UNSTORABLE_STRINGS.map((text, i) =>
        mobwayReading(vin, { date_time: at(120 + i), [`key ${text}`]: 1 }),
      ),
      ...UNSTORABLE_STRINGS.map((text, i) =>
        mobwayReading(vin, { date_time: at(140 + i), flag: { speed: { value: 1, flag: text } } }),
      ),
      ...OUT_OF_RANGE_NUMBER_TEXTS.map((_, i) =>
        mobwayReading(vin, { date_time: at(160 + i), speed: `@number${i}@` }),
      ),
      ...OUT_OF_RANGE_WALL_CLOCKS.map((time) => mobwayReading(vin, { date_time: time })),
    ];
    const readings = [...bad];
    good.forEach((reading, i) => readings.splice(i * 7, 0, reading));
    // JSON.stringify cannot write 1e400: splice the number texts in
    const text = OUT_OF_RANGE_NUMBER_TEXTS.reduce(
      (json, number, i) => json.replace(`"@number${i}@"`, number),
      mobwayPayload(readings).toString(),
    );
    const answer = await postSigned(strict, 'mobway', Buffer.from(text), { vins: [vin] });
    const dead = (await readTopic(TOPICS.deadLetter)).filter(
      (m) => m.headers['request-id'] === answer.requestId,
    );
    console.log(
      `unstorable strings: ${good.length} good readings among ${bad.length} that hold U+0000 or a lone surrogate (value, key, flag), 1e400-like numbers or times outside 1970–9999\n` +
        `  answer ${answer.status} ${JSON.stringify(answer.body)} in ${answer.ms} ms; ${dead.length} dead letters for the request`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'success',
      accepted: good.length,
      deadLettered: bad.length,
    });
    expect(dead).toHaveLength(bad.length);
  });

  it('stores exactly the readings every signed 200 of the run counted as accepted, the flood included: nothing lost, nothing twice', async () => {
    const db = new Client({ connectionString: testStack().databaseUrl });
    await db.connect();
    const vins = [...ledger.vins];
    const devices = [...ledger.devices];
    const count = async (): Promise<{ rows: number; events: number; distinct: number }> => {
      const v = await db.query<{ rows: number; events: number; distinct: number }>(
        `SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS events, count(DISTINCT (vin, recorded_at))::int AS distinct FROM vehicle_telemetry WHERE vin = ANY($1)`,
        [vins],
      );
      const d = await db.query<{ rows: number; events: number; distinct: number }>(
        `SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS events, count(DISTINCT (device_id, recorded_at))::int AS distinct FROM device_location WHERE device_id = ANY($1)`,
        [devices],
      );
      return {
        rows: v.rows[0].rows + d.rows[0].rows,
        events: v.rows[0].events + d.rows[0].events,
        distinct: v.rows[0].distinct + d.rows[0].distinct,
      };
    };
    try {
      const started = Date.now();
      await eventually(count, (c) => c.rows >= ledger.accepted, 30_000);
      const caughtUpMs = Date.now() - started;
      // a late duplicate or a stray record would show up as more rows: give the consumers a moment
      await new Promise((r) => setTimeout(r, 2000));
      const stored = await count();
      const unanswered = (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM vehicle_telemetry WHERE vin = ANY($1)`,
          [[...ledger.unanswered]],
        )
      ).rows[0].n;
      console.log(
        `accepted = stored: the real vehicle and location consumers ran through the whole run\n` +
          `  | signed 200s | accepted in them | VINs + devices | rows stored | distinct event ids | distinct (entity, time) |\n` +
          `  |---|---|---|---|---|---|\n` +
          `  | ${ledger.requests} | ${ledger.accepted} | ${vins.length} + ${devices.length} | ${stored.rows} | ${stored.events} | ${stored.distinct} |\n` +
          `  stored within ${caughtUpMs} ms of asking; ${ledger.unanswered.size} signed requests got no 200 (${unanswered} of their readings stored anyway; not counted)`,
      );
      if (stored.rows !== ledger.accepted) {
        const v = await db.query<{ id: string; n: number }>(
          `SELECT vin AS id, count(*)::int AS n FROM vehicle_telemetry WHERE vin = ANY($1) GROUP BY vin`,
          [vins],
        );
        const d = await db.query<{ id: string; n: number }>(
          `SELECT device_id AS id, count(*)::int AS n FROM device_location WHERE device_id = ANY($1) GROUP BY device_id`,
          [devices],
        );
        const found = new Map([...v.rows, ...d.rows].map((r) => [r.id, r.n]));
        const off = [...ledger.byEntity]
          .filter(([id, n]) => found.get(id) !== n)
          .map(([id, n]) => `${id}: accepted ${n}, stored ${found.get(id) ?? 0}`);
        console.log(
          `entities whose stored rows differ from what was accepted:\n  ${off.slice(0, 20).join('\n  ')}\n` +
            consumers
              .flatMap((app) => app.output.filter((line) => /WARN|ERROR/.test(line)).slice(0, 10))
              .join('\n'),
        );
      }
      expect(stored).toEqual({
        rows: ledger.accepted,
        events: ledger.accepted,
        distinct: ledger.accepted,
      });
      // the signed senders of the flood case are in it
      expect(ledger.accepted).toBeGreaterThan(1000);
    } finally {
      await db.end();
    }
  });
});
