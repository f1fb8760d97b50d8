import { BRASILIA_OFFSET_MINUTES } from '@app/contracts';
import { sign } from '@app/verification';
import { HttpClient } from './http';
import { CpuMeter, LoadSnapshot } from './machine-load';
import { fmt, Summary, summarize } from './stats';

export interface E2eOptions {
  gateway: HttpClient;
  api: HttpClient;
  apiKey: string;
  secret: string;
  /** the changes feed's cursor to start from (the newest seq before the run) */
  after: string;
  rate: number;
  warmupSeconds: number;
  seconds: number;
  /** requests allowed in flight; a request due while this many wait is not sent and counted */
  maxInFlight: number;
  log: (line: string) => void;
}

export interface E2eResult {
  targetRate: number;
  /** measured requests sent per second over the measured window */
  achievedRate: number;
  measuredRequests: number;
  acknowledged: number;
  /** answered, but not 200 */
  non200: number;
  /** no answer: connection error or timeout */
  errors: number;
  /** due by the schedule while maxInFlight requests were outstanding: never sent */
  notSent: number;
  statuses: Record<string, number>;
  /** acknowledged rows the changes feed had not returned by the deadline */
  missing: number;
  /** rows returned before the client saw their 200 (both are events in this process): counted as 0 ms */
  seenBeforeAck: number;
  /** gateway 200 → row in a changes-feed response */
  endToEnd: Summary;
  /** request sent → gateway 200 */
  gateway: Summary;
  /** scheduled send time → actually written (how open the open loop stayed) */
  scheduleLagMaxMs: number;
  feedRequests: number;
  load: LoadSnapshot;
}

/** 1,000 vehicles, each sending one reading a second at 1,000 req/s */
const E2E_VINS = 1000;
const vinOf = (n: number): string => `9BWE2E${String(n).padStart(11, '0')}`;

interface Sent {
  key: string;
  scheduledAt: number;
  sentAt: number;
  ackAt?: number;
}

/**
 * Open loop: a 1 ms timer sends whatever the schedule says is due (rate × elapsed), whatever the
 * answers are doing, so a slow gateway shows as latency and not as a lower offered rate. Each
 * request is one signed mobway reading; the reading is identified in the feed by VIN + recordedAt.
 * One long-poll loop on the changes feed stamps when each row is first returned.
 */
export async function endToEnd(options: E2eOptions): Promise<E2eResult> {
  const { gateway, api, rate, log } = options;
  const auth = { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' };
  const seenAt = new Map<string, number>();
  let cursor = options.after;
  let polling = true;
  let feedRequests = 0;
  let feedErrors = 0;
  const poller = (async () => {
    while (polling) {
      try {
        const res = await api.get(
          `/v1/vehicles/telemetry/changes?after=${cursor}&limit=5000&waitSeconds=2`,
          auth,
          30_000,
        );
        const at = performance.now();
        feedRequests++;
        if (res.status !== 200)
          throw new Error(
            `changes feed answered ${res.status}: ${res.body.toString().slice(0, 200)}`,
          );
        const page = JSON.parse(res.body.toString()) as {
          items: { vin: string; recordedAt: string }[];
          nextCursor: string;
        };
        for (const item of page.items) {
          const key = `${item.vin}|${item.recordedAt}`;
          if (!seenAt.has(key)) seenAt.set(key, at);
        }
        cursor = page.nextCursor;
      } catch (error) {
        if (++feedErrors <= 5) log(`e2e: changes feed: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();

  // readings stamped from a recent whole second, one per vehicle per second
  const base = Math.floor(Date.now() / 1000) * 1000 - 3600_000;
  const warmup = Math.round(rate * options.warmupSeconds);
  const total = warmup + Math.round(rate * options.seconds);
  const sent = new Array<Sent | undefined>(total);
  const statuses: Record<string, number> = {};
  let non200 = 0;
  let errors = 0;
  let notSent = 0;
  let inFlight = 0;
  let scheduleLagMaxMs = 0;

  const fire = (n: number, scheduledAt: number): void => {
    const vin = vinOf(n % E2E_VINS);
    const utc = base + Math.floor(n / E2E_VINS) * 1000;
    const k = Math.floor(n / E2E_VINS);
    const reading = {
      vin,
      date_time: new Date(utc + BRASILIA_OFFSET_MINUTES * 60_000)
        .toISOString()
        .slice(0, 19)
        .replace('T', ' '),
      speed: (k * 7 + n) % 120,
      latitude: -23.5 + (n % E2E_VINS) * 0.001,
      longitude: -46.6 + k * 0.0001,
      heading: (k * 13) % 360,
      rpm: 800 + ((k * 37) % 3000),
      odometer: 20000 + k * 0.01,
      fuel_level: 60,
      lv_battery_voltage: 13.8,
      hv_battery_soc: null,
      event: null,
      flag: {},
      tire_pressure_fl: 34,
      tire_pressure_fr: 34,
    };
    const body = Buffer.from(JSON.stringify({ [vin]: [reading] }));
    const headers = { 'content-type': 'application/json', ...sign('mobway', options.secret, body) };
    const entry: Sent = {
      key: `${vin}|${new Date(utc).toISOString()}`,
      scheduledAt,
      sentAt: performance.now(),
    };
    scheduleLagMaxMs = Math.max(scheduleLagMaxMs, entry.sentAt - scheduledAt);
    sent[n] = entry;
    inFlight++;
    gateway.post('/webhooks/mobway', body, headers, 10_000).then(
      (res) => {
        inFlight--;
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 200) entry.ackAt = performance.now();
        else if (n >= warmup) non200++;
      },
      () => {
        inFlight--;
        statuses.error = (statuses.error ?? 0) + 1;
        if (n >= warmup) errors++;
      },
    );
  };

  const meter = new CpuMeter();
  const started = performance.now();
  let next = 0;
  let measuredStart = 0;
  const progress = setInterval(
    () =>
      log(
        `e2e: ${fmt(next)} / ${fmt(total)} requests, ${inFlight} in flight, ${fmt(seenAt.size)} rows returned by the feed`,
      ),
    5000,
  );
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - started) * rate) / 1000));
      while (next < due) {
        const n = next++;
        if (n === warmup) {
          measuredStart = now;
          meter.mark();
        }
        const scheduledAt = started + (n * 1000) / rate;
        if (inFlight >= options.maxInFlight) {
          if (n >= warmup) notSent++;
          continue;
        }
        fire(n, scheduledAt);
      }
      if (next >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const measuredEnd = performance.now();
  const load = meter.read();
  clearInterval(progress);

  // every answer, then every acknowledged row, or a deadline
  const deadline = performance.now() + 40_000;
  while (inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const measured = sent.slice(warmup).filter((s): s is Sent => s !== undefined);
  const acked = measured.filter((s) => s.ackAt !== undefined);
  while (acked.some((s) => !seenAt.has(s.key)) && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  polling = false;
  await poller;

  const endToEndMs: number[] = [];
  let missing = 0;
  let seenBeforeAck = 0;
  for (const s of acked) {
    const seen = seenAt.get(s.key);
    if (seen === undefined) {
      missing++;
      continue;
    }
    const ms = seen - s.ackAt!;
    if (ms < 0) seenBeforeAck++;
    endToEndMs.push(Math.max(0, ms));
  }
  return {
    targetRate: rate,
    achievedRate: Math.round((measured.length / (measuredEnd - measuredStart)) * 1000),
    measuredRequests: total - warmup,
    acknowledged: acked.length,
    non200,
    errors,
    notSent,
    statuses,
    missing,
    seenBeforeAck,
    endToEnd: summarize(endToEndMs),
    gateway: summarize(acked.map((s) => s.ackAt! - s.sentAt)),
    scheduleLagMaxMs: Math.round(scheduleLagMaxMs * 10) / 10,
    feedRequests,
    load,
  };
}
