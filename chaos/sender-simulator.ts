import { Agent, request } from 'node:http';
import { sign } from '@app/verification';
import { expectedEventId } from './independent-event-id';
import { AttemptRecord } from './liveness-floor';
import { BoundaryGroup, GROUP_EVERY } from './partition-boundary';
import { SeededRandom } from './seeded-random';

const DAY_MS = 86_400_000;

export type SenderName = 'mobway' | 'weguard';

/** one reading we sent, and what became of the request that carried it */
export interface SentReading {
  sender: SenderName;
  /** VIN or device id */
  entityId: string;
  /** UTC, `yyyy-mm-ddThh:mm:ss.sssZ`: what the pipeline must store as recordedAt */
  recordedAt: string;
  /** the deterministic id the gateway must give it (valid readings only), computed without the gateway's code */
  eventId?: string;
  /** false for the readings made invalid on purpose: they belong on the dead-letter topic */
  valid: boolean;
  /** `${sender}|${entity}|${time as sent}`: how its dead letter's `original` is recognised */
  letterKey: string;
  /** the request carrying it got a 200 at some attempt */
  acked: boolean;
  /** where its entity's readings sit in time (partition-boundary.ts) */
  group?: BoundaryGroup;
}

interface Attempt {
  sent: boolean;
  label?: string;
}

interface SenderBehaviour {
  path: string;
  /** attempts in all, the first one included */
  maxAttempts: number;
  /** wait before attempt n+1 after attempt n failed */
  backoffMs(failedAttempt: number, random: SeededRandom): number;
}

// mobway retries any non-200 until a limit, then interrupts delivery; WeGuard retries 3 times with
// exponential backoff and then its dead-letter queue discards the delivery
const BEHAVIOUR: Record<SenderName, SenderBehaviour> = {
  mobway: {
    path: '/webhooks/mobway',
    maxAttempts: 8,
    backoffMs: (n, r) => Math.min(1000 * 2 ** (n - 1), 30_000) * r.between(0.8, 1.2),
  },
  weguard: { path: '/webhooks/weguard', maxAttempts: 4, backoffMs: (n) => 2000 * 2 ** (n - 1) },
};

const VIN_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const BRASILIA_OFFSET_MS = -3 * 3600 * 1000;

export interface SenderOptions {
  gatewayUrl: string;
  secrets: Record<SenderName, string>;
  /** requests per second, both senders together */
  rate: number;
  /** share of requests that are mobway's */
  mobwayShare: number;
  vehicles: number;
  devices: number;
  /** share of readings made invalid on purpose */
  invalidShare: number;
  /** per attempt */
  requestTimeoutMs: number;
  random: SeededRandom;
  /**
   * Entity slots 1, 2, … of every GROUP_EVERY read at these groups' times instead of the Monday
   * edge: across other partition edges and into partitions that do not exist yet
   */
  boundary?: BoundaryGroup[];
}

export interface SenderStats {
  requests: Record<SenderName, number>;
  acked: Record<SenderName, number>;
  gaveUp: Record<SenderName, number>;
  abandoned: number;
  attempts: number;
  /** attempt outcomes: HTTP status or error code */
  outcomes: Record<string, number>;
  /** a 200 whose body does not count the readings we sent */
  ackMismatches: string[];
}

/**
 * Signed mobway-like and WeGuard-like deliveries at a steady rate, each with a few readings for
 * many vehicles and devices, each retried the way that sender retries. Every reading has a
 * unique (entity, recordedAt), so the pipeline's output can be compared both by event id and by it.
 */
export class SenderSimulator {
  readonly readings: SentReading[] = [];
  /** every HTTP attempt, for the liveness floor */
  readonly attempts: AttemptRecord[] = [];
  readonly stats: SenderStats = {
    requests: { mobway: 0, weguard: 0 },
    acked: { mobway: 0, weguard: 0 },
    gaveUp: { mobway: 0, weguard: 0 },
    abandoned: 0,
    attempts: 0,
    outcomes: {},
    ackMismatches: [],
  };
  private readonly vins: string[];
  private readonly devices: string[];
  /** per entity, the next reading's time: one second later than the last */
  private readonly clock = new Map<string, number>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128 });
  private readonly inFlight = new Set<Promise<void>>();
  /** HTTP attempts under way; `sent` once the whole request is on the socket, `label` once it ended */
  private readonly open = new Set<Attempt>();
  private readonly payloadRandom: SeededRandom;
  private readonly retryRandom: SeededRandom;
  private generating = false;
  private aborting = false;
  private loop?: Promise<void>;
  private readonly baseMs: number;
  /** each entity's group, and where its clock starts */
  private readonly grouped = new Map<string, { group: BoundaryGroup; start: number }>();

  constructor(private readonly options: SenderOptions) {
    this.payloadRandom = options.random.fork('payloads');
    this.retryRandom = options.random.fork('retries');
    this.vins = Array.from({ length: options.vehicles }, () =>
      Array.from({ length: 17 }, () => this.payloadRandom.pick([...VIN_ALPHABET])).join(''),
    );
    this.devices = Array.from(
      { length: options.devices },
      (_, i) => `chaos-device-${String(i).padStart(4, '0')}-${this.payloadRandom.int(1000, 9999)}`,
    );
    // readings a second apart per entity, always in the past, never equal, starting 3 s before a
    // Monday 00:00 UTC three weeks back: each entity's readings cross an edge of the record tables'
    // day and week partitions, into partitions that do not exist until the sinks make them, under
    // the faults (the consumers make only the current span and the next two ahead of time)
    const today = Math.floor(Date.now() / DAY_MS);
    const monday = today - ((today + 3) % 7) - 21;
    this.baseMs = monday * DAY_MS - 3000;
    const mondayEdge: BoundaryGroup = {
      name: 'monday-edge',
      edgeMs: monday * DAY_MS,
      start: () => this.baseMs,
    };
    // a fork of its own: a seed's payloads stay what they were without boundary groups
    const boundaryRandom = options.random.fork('boundary');
    const groups = options.boundary ?? [];
    for (const entities of [this.vins, this.devices])
      entities.forEach((entity, i) => {
        const group = groups[(i % GROUP_EVERY) - 1] ?? mondayEdge;
        this.grouped.set(entity, { group, start: group.start(boundaryRandom) });
      });
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * `count` extra deliveries at once, and a probe on every attempt on the wire once they are sent:
   * call the probe after the gateway has gone to learn how each of them ended.
   */
  async burst(count: number): Promise<() => Record<string, number>> {
    for (let i = 0; i < count; i++) this.launch();
    // long enough for the requests to reach the gateway, short against its answer time
    await sleep(3);
    // only requests the gateway may have read: those still waiting for a socket are not in flight
    const watched = [...this.open].filter((attempt) => attempt.sent);
    return () => {
      const outcomes: Record<string, number> = {};
      for (const attempt of watched)
        outcomes[attempt.label ?? 'unanswered'] =
          (outcomes[attempt.label ?? 'unanswered'] ?? 0) + 1;
      return outcomes;
    };
  }

  start(): void {
    this.generating = true;
    this.loop = this.generate();
  }

  /** no new deliveries; those under way keep retrying until they succeed, give up or time runs out */
  async stop(drainTimeoutMs: number): Promise<void> {
    this.generating = false;
    await this.loop;
    const deadline = Date.now() + drainTimeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await sleep(200);
    if (this.inFlight.size > 0) {
      // still unanswered: counted as not acknowledged, which the comparison allows
      this.stats.abandoned += this.inFlight.size;
      this.aborting = true;
      await Promise.allSettled([...this.inFlight]);
    }
    this.agent.destroy();
  }

  private async generate(): Promise<void> {
    const started = Date.now();
    for (let i = 0; this.generating; i++) {
      const due = started + (i * 1000) / this.options.rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      if (!this.generating) break;
      this.launch();
    }
  }

  private launch(): void {
    const sender: SenderName =
      this.payloadRandom.next() < this.options.mobwayShare ? 'mobway' : 'weguard';
    const { body, readings } = sender === 'mobway' ? this.mobwayDelivery() : this.weguardDelivery();
    this.readings.push(...readings);
    this.stats.requests[sender]++;
    const delivery = this.deliver(sender, body, readings).finally(() =>
      this.inFlight.delete(delivery),
    );
    this.inFlight.add(delivery);
  }

  private nextTime(entity: string): number {
    const t = this.clock.get(entity) ?? this.grouped.get(entity)?.start ?? this.baseMs;
    this.clock.set(entity, t + 1000);
    return t;
  }

  /** mobway: an object keyed by VIN, each with a list of readings in Brasília wall-clock time */
  private mobwayDelivery(): { body: Buffer; readings: SentReading[] } {
    const r = this.payloadRandom;
    const payload: Record<string, Record<string, unknown>[]> = {};
    const readings: SentReading[] = [];
    for (const vin of r.sample(this.vins, r.int(1, 3))) {
      payload[vin] = [];
      for (let n = r.int(1, 3); n > 0; n--) {
        const t = this.nextTime(vin);
        const dateTime = new Date(t + BRASILIA_OFFSET_MS)
          .toISOString()
          .slice(0, 19)
          .replace('T', ' ');
        const valid = r.next() >= this.options.invalidShare;
        const reading: Record<string, unknown> = {
          vin,
          date_time: dateTime,
          speed: Math.round(r.between(0, 120) * 10) / 10,
          // out of range on purpose: the gateway must dead-letter it and still accept the rest
          latitude: valid ? Math.round(r.between(-33, 5) * 1e5) / 1e5 : 123,
          longitude: Math.round(r.between(-73, -35) * 1e5) / 1e5,
          heading: r.int(0, 359),
          rpm: r.int(700, 4000),
          odometer: Math.round(r.between(1000, 200_000) * 10) / 10,
          fuel_level: r.int(0, 100),
          lv_battery_voltage: Math.round(r.between(11.5, 14.5) * 10) / 10,
          hv_battery_soc: null,
          event: r.pick(['position', 'ignition_on', 'ignition_off', 'harsh_braking']),
          flag: {},
          // mobway adds fields without notice
          ...(r.next() < 0.2 && { firmware: `v${r.int(1, 9)}.${r.int(0, 20)}` }),
        };
        payload[vin].push(reading);
        const recordedAt = new Date(t).toISOString();
        readings.push({
          sender: 'mobway',
          entityId: vin,
          recordedAt,
          eventId: valid ? expectedEventId('mobway', vin, recordedAt, reading) : undefined,
          valid,
          letterKey: `mobway|${vin}|${dateTime}`,
          acked: false,
          group: this.grouped.get(vin)?.group,
        });
      }
    }
    return { body: Buffer.from(JSON.stringify(payload)), readings };
  }

  /** WeGuard: `{locations: [...]}` with ISO timestamps */
  private weguardDelivery(): { body: Buffer; readings: SentReading[] } {
    const r = this.payloadRandom;
    const locations: Record<string, unknown>[] = [];
    const readings: SentReading[] = [];
    for (const deviceId of r.sample(this.devices, r.int(1, 4))) {
      const t = this.nextTime(deviceId) + r.int(0, 999);
      const timestamp = new Date(t).toISOString();
      const valid = r.next() >= this.options.invalidShare;
      const location = {
        deviceId,
        latitude: valid ? Math.round(r.between(25, 48) * 1e6) / 1e6 : 123,
        longitude: Math.round(r.between(-124, -67) * 1e6) / 1e6,
        timestamp,
        accuracy: Math.round(r.between(2, 30) * 10) / 10,
        speed: Math.round(r.between(0, 90) * 10) / 10,
        bearing: Math.round(r.between(0, 359) * 10) / 10,
        battery: r.int(5, 100),
      };
      locations.push(location);
      readings.push({
        sender: 'weguard',
        entityId: deviceId,
        recordedAt: timestamp,
        eventId: valid ? expectedEventId('weguard', deviceId, timestamp, location) : undefined,
        valid,
        letterKey: `weguard|${deviceId}|${timestamp}`,
        acked: false,
        group: this.grouped.get(deviceId)?.group,
      });
    }
    return { body: Buffer.from(JSON.stringify({ locations })), readings };
  }

  private async deliver(sender: SenderName, body: Buffer, readings: SentReading[]): Promise<void> {
    const behaviour = BEHAVIOUR[sender];
    const headers = {
      'content-type': 'application/json',
      ...sign(sender, this.options.secrets[sender], body),
    };
    for (let attempt = 1; attempt <= behaviour.maxAttempts && !this.aborting; attempt++) {
      this.stats.attempts++;
      const startedAt = Date.now();
      const outcome = await this.post(behaviour.path, headers, body);
      this.attempts.push({
        sender,
        startedAt,
        endedAt: Date.now(),
        status: outcome.status,
        label: outcome.label,
      });
      this.stats.outcomes[outcome.label] = (this.stats.outcomes[outcome.label] ?? 0) + 1;
      if (outcome.status === 200) {
        for (const reading of readings) reading.acked = true;
        this.stats.acked[sender]++;
        this.checkAck(sender, outcome.body, readings);
        return;
      }
      if (attempt < behaviour.maxAttempts)
        await this.pause(behaviour.backoffMs(attempt, this.retryRandom));
    }
    if (!this.aborting) this.stats.gaveUp[sender]++;
  }

  /** the 200 says how many readings were accepted and how many dead-lettered: it must match what we sent */
  private checkAck(sender: SenderName, body: string, readings: SentReading[]): void {
    const valid = readings.filter((r) => r.valid).length;
    try {
      const { accepted, deadLettered } = JSON.parse(body) as {
        accepted?: number;
        deadLettered?: number;
      };
      if (accepted === valid && deadLettered === readings.length - valid) return;
    } catch {
      // fall through
    }
    if (this.stats.ackMismatches.length < 20)
      this.stats.ackMismatches.push(
        `${sender}: sent ${valid} valid + ${readings.length - valid} invalid, 200 said ${body.slice(0, 200)}`,
      );
  }

  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.aborting && Date.now() < until) await sleep(Math.min(200, until - Date.now()));
  }

  private async post(
    path: string,
    headers: Record<string, string>,
    body: Buffer,
  ): Promise<{ status?: number; label: string; body: string }> {
    const attempt: Attempt = { sent: false };
    this.open.add(attempt);
    const outcome = await this.send(path, headers, body, attempt);
    attempt.label = outcome.label;
    this.open.delete(attempt);
    return outcome;
  }

  private send(
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    attempt: Attempt,
  ): Promise<{ status?: number; label: string; body: string }> {
    return new Promise((resolve) => {
      const url = new URL(path, this.options.gatewayUrl);
      const req = request(
        {
          hostname: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-length': String(body.length) },
          timeout: this.options.requestTimeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode,
              label: String(res.statusCode),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', (error: NodeJS.ErrnoException) =>
            resolve({ label: error.code ?? 'response-error', body: '' }),
          );
        },
      );
      // a timed-out request may still be stored: it simply does not count as acknowledged
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ label: error.code ?? 'request-error', body: '' }),
      );
      // on the wire: written out and connected (a socket still connecting may be refused yet)
      req.on('finish', () => {
        const socket = req.socket;
        if (socket && !socket.connecting) attempt.sent = true;
        else socket?.once('connect', () => (attempt.sent = true));
      });
      req.end(body);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
