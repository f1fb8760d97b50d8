import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DeadLetterV1, TOPICS, VehicleTelemetryV1 } from '@app/contracts';
import { sign } from '@app/verification';
import { eventually } from './support/eventually';
import { Scrape } from './support/metrics';
import { mobwayPayload, mobwayReading, MobwayReading, randomVin } from './support/payloads';
import { RunningApp, TEST_QUERY_KEY, testStack } from './support/running-app';
import { DIST, ROOT } from './support/test-env';

/**
 * The operator's story of issue 15, end to end against the real gateway, vehicle consumer and
 * console: signed traffic in, the consumer SIGKILLed mid-traffic and a stored row lost, the
 * completeness ledger flags the gap, a replay closes it and the ledger agrees; dead letters
 * listed, and one the database refused re-driven after the fix.
 */

// a source of this spec's own, signed as mobway signs (X-Signature), read by the mobway normalizer
const SOURCE = `story-${randomUUID().slice(0, 8)}`;
const SECRET = 'operator-story-mobway-secret-3c8e1f6a2d9b';
const SOURCES = JSON.stringify([
  { name: SOURCE, scheme: 'mobway', secrets: [SECRET], normalizer: 'mobway' },
]);
// minute buckets settled a second after they end: the gap is flagged within a minute
const LEDGER_ENV = {
  COMPLETENESS_BUCKET_SECONDS: '60',
  COMPLETENESS_DELAY_SECONDS: '1',
  COMPLETENESS_REFRESH_SECONDS: '1',
};
const REQUESTS = 10;
const READINGS = 3;
// the consumer is SIGKILLed after this many requests and started again after the last
const KILL_AFTER = 4;
// the readings the gateway refuses: [request, reading, what is wrong, its reason class]
const INVALID: [number, number, Partial<MobwayReading>, string][] = [
  [1, 2, { latitude: 123 }, 'out_of_range'],
  [5, 0, { date_time: 'not a time' }, 'invalid_time'],
  [7, 1, { longitude: -181 }, 'out_of_range'],
];
const ACCEPTED = REQUESTS * READINGS - INVALID.length;
// the "bug": a database constraint no real odometer should trip, and the reading that trips it
const CONSTRAINT = 'story_odometer_below_a_million';
const ODOMETER = 1_250_000;

interface Counts {
  received: number;
  requests: number;
  readings: number;
  accepted: number;
  deadLettered: number;
  untallied: number;
  published: number;
  stored: number;
  missing: number;
}
interface Completeness {
  buckets: (Counts & {
    source: string;
    from: string;
    to: string;
    settled: boolean;
    flagged: boolean;
  })[];
  totals: Counts;
  flagged: number;
}
interface Job {
  id: string;
  status: string;
  progress: { fraction: number };
  summary: Record<string, number>;
  error?: string;
}
interface Letter {
  id: string;
  stage: string | null;
  source: string | null;
  reasons: string[];
  reasonClass: string;
  entityId: string | null;
  redrive: { status: string; at: string; outcome: string | null } | null;
}
interface LetterPage {
  items: Letter[];
  nextCursor: string | null;
}

describe('the operator’s story: a lost row found by the ledger and replayed, a dead letter re-driven after a fix', () => {
  let gateway: RunningApp;
  let vehicles: RunningApp;
  let console_: RunningApp;
  let db: Client;
  // the operator tool's LOCAL_DATA_DIR: never the apps of an npm start running on this machine
  const opsDir = mkdtempSync(join(tmpdir(), 'operator-story-'));
  const auth = { authorization: `Bearer ${TEST_QUERY_KEY}` };
  // the traffic's receipt window, and the row the database lost
  let from: Date;
  let to: Date;
  let lost: { event_id: string; vin: string; received_at: Date };

  beforeAll(async () => {
    [gateway, vehicles, console_] = await Promise.all([
      RunningApp.start('ingest-gateway', { WEBHOOK_SOURCES: SOURCES }),
      RunningApp.start('vehicle-consumer', LEDGER_ENV),
      RunningApp.start('console', { WEBHOOK_SOURCES: SOURCES }),
    ]);
    db = new Client({ connectionString: testStack().databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.query(`ALTER TABLE vehicle_telemetry DROP CONSTRAINT IF EXISTS ${CONSTRAINT}`);
    await db?.end();
    await Promise.all([gateway, vehicles, console_].filter(Boolean).map((app) => app.stop()));
    rmSync(opsDir, { recursive: true, force: true });
  });

  const send = async (readings: MobwayReading[]) => {
    const body = mobwayPayload(readings);
    const res = await fetch(`${gateway.url}/webhooks/${SOURCE}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...sign('mobway', SECRET, body) },
    });
    return (await res.json()) as { status: string; accepted: number; deadLettered: number };
  };
  const stored = async (): Promise<{ rows: number; ids: number }> => {
    const { rows } = await db.query<{ rows: number; ids: number }>(
      'SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS ids FROM vehicle_telemetry WHERE source = $1',
      [SOURCE],
    );
    return rows[0];
  };
  const completeness = async (): Promise<Completeness> => {
    const window = `from=${new Date(from.getTime() - 60_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
    const res = await fetch(`${vehicles.url}/v1/completeness?source=${SOURCE}&${window}`, {
      headers: auth,
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Completeness;
  };
  /** fleet_completeness_missing_readings of this source (undefined while it has no series) */
  const missingGauge = async (): Promise<number | undefined> => {
    const scrape = await Scrape.of(vehicles.url);
    const labels = { record_type: 'vehicle', source: SOURCE };
    return scrape.series('fleet_completeness_missing_readings', labels).length === 1
      ? scrape.sum('fleet_completeness_missing_readings', labels)
      : undefined;
  };
  const letters = async (query: Record<string, string>): Promise<Letter[]> => {
    const res = await fetch(
      `${console_.url}/v1/dead-letters?${new URLSearchParams({ source: SOURCE, ...query }).toString()}`,
      { headers: auth },
    );
    expect(res.status).toBe(200);
    return ((await res.json()) as LetterPage).items;
  };
  /** the operator tool as an operator runs it (`npm run ops -- …`), against this spec's apps */
  const ops = (args: string[]): Promise<{ code: number | null; output: string }> => {
    const stack = testStack();
    const child = spawn(process.execPath, [join(DIST, 'scripts', 'ops.js'), ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        HOST: '127.0.0.1',
        VEHICLE_CONSUMER_PORT: String(vehicles.port),
        CONSOLE_PORT: String(console_.port),
        QUERY_API_KEYS: TEST_QUERY_KEY,
        KAFKA_BROKERS: stack.kafkaBrokers.join(','),
        DATABASE_URL: stack.databaseUrl,
        WEBHOOK_SOURCES: SOURCES,
        LOCAL_DATA_DIR: opsDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
  };

  it('takes signed traffic while the vehicle consumer is SIGKILLed and started again: every accepted reading stored once', async () => {
    from = new Date();
    const answers = [];
    for (let i = 0; i < REQUESTS; i++) {
      const vin = randomVin();
      const readings = Array.from({ length: READINGS }, (_, r) =>
        mobwayReading(vin, { date_time: `2025-03-01 10:${String(i).padStart(2, '0')}:${r}0` }),
      );
      for (const [request, reading, wrong] of INVALID)
        if (request === i) readings[reading] = { ...readings[reading], ...wrong };
      answers.push(await send(readings));
      // the consumer is at work (its group joined, the first request stored) before it is killed
      if (i === 0) await eventually(stored, (n) => n.rows >= READINGS, 60_000);
      if (i + 1 === KILL_AFTER) vehicles.kill();
    }
    to = new Date(Date.now() + 1);
    // while it is down the readings sent since the kill wait on the topic: nothing more is stored
    await new Promise((r) => setTimeout(r, 2000));
    const storedWhileDown = await stored();
    vehicles = await RunningApp.start('vehicle-consumer', LEDGER_ENV);

    expect(answers).toEqual(
      Array.from({ length: REQUESTS }, (_, i) => {
        const invalid = INVALID.filter(([request]) => request === i).length;
        return { status: 'success', accepted: READINGS - invalid, deadLettered: invalid };
      }),
    );
    const beforeKill = answers.slice(0, KILL_AFTER).reduce((n, a) => n + a.accepted, 0);
    expect(storedWhileDown.rows).toBeLessThanOrEqual(beforeKill);
    expect(await eventually(stored, (n) => n.rows >= ACCEPTED, 60_000)).toEqual({
      rows: ACCEPTED,
      ids: ACCEPTED,
    });

    // the gateway's series count the same
    const scrape = await Scrape.of(gateway.url);
    expect(scrape.sum('fleet_gateway_requests_accepted_total', { source: SOURCE })).toBe(REQUESTS);
    expect(scrape.sum('fleet_gateway_records_published_total', { source: SOURCE })).toBe(ACCEPTED);
    expect(
      scrape.sum('fleet_dead_letters_total', {
        stage: 'ingest',
        source: SOURCE,
        reason_class: 'out_of_range',
      }),
    ).toBe(2);
    expect(
      scrape.sum('fleet_dead_letters_total', {
        stage: 'ingest',
        source: SOURCE,
        reason_class: 'invalid_time',
      }),
    ).toBe(1);
  }, 120_000);

  const counted: Counts = {
    received: REQUESTS,
    requests: REQUESTS,
    readings: REQUESTS * READINGS,
    accepted: ACCEPTED,
    deadLettered: INVALID.length,
    untallied: 0,
    published: ACCEPTED,
    stored: ACCEPTED,
    missing: 0,
  };

  it('counts the traffic exactly through the kill, and flags the bucket of a row the database lost', async () => {
    // the ledger reads the raw archive in a group of its own, the sink counts published after it
    // wrote the rows: wait for all of them
    const exact = await eventually(
      completeness,
      (r) => r.totals.received >= REQUESTS && r.totals.published >= ACCEPTED,
    );
    expect(exact.totals).toEqual(counted);

    const { rows } = await db.query<{ event_id: string; vin: string; received_at: Date }>(
      `DELETE FROM vehicle_telemetry WHERE event_id = (
         SELECT event_id FROM vehicle_telemetry WHERE source = $1 ORDER BY received_at, event_id LIMIT 1
       ) RETURNING event_id, vin, received_at`,
      [SOURCE],
    );
    expect(rows).toHaveLength(1);
    lost = rows[0];
    // its minute bucket settles a second after it ends
    const bucketEnd = Math.floor(lost.received_at.getTime() / 60_000) * 60_000 + 60_000;
    await new Promise((r) => setTimeout(r, Math.max(0, bucketEnd + 1500 - Date.now())));

    const gap = await eventually(completeness, (r) => r.flagged > 0);
    expect(gap.totals).toEqual({ ...counted, stored: ACCEPTED - 1, missing: 1 });
    expect(gap.flagged).toBe(1);
    const [flagged] = gap.buckets.filter((b) => b.flagged);
    expect(flagged).toMatchObject({
      source: SOURCE,
      from: new Date(bucketEnd - 60_000).toISOString(),
      settled: true,
      missing: 1,
    });
    expect(flagged.stored).toBe(flagged.accepted - 1);
    // and the consumer's gauge, recomputed every COMPLETENESS_REFRESH_SECONDS
    expect(await eventually(missingGauge, (n) => n === 1)).toBe(1);

    // the operator's tool shows the same: the bucket marked "!", exit 1
    const cli = await ops([
      'completeness',
      '--type',
      'vehicle',
      '--source',
      SOURCE,
      '--from',
      new Date(from.getTime() - 60_000).toISOString(),
    ]);
    expect(cli.output).toContain('1 bucket(s) flagged');
    expect(cli.output).toMatch(
      new RegExp(`^! ${flagged.from.replace(/[.]/g, '\\.')} +${SOURCE} .* 1$`, 'm'),
    );
    expect(cli.code).toBe(1);
  }, 120_000);

  it('closes the gap with a replay started through the console: the row is back with its event id and the ledger agrees', async () => {
    const res = await fetch(`${console_.url}/v1/replays`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ source: SOURCE, from: from.toISOString(), to: to.toISOString() }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Job;
    const job = await eventually(
      async () =>
        (await (await fetch(`${console_.url}/v1/replays/${id}`, { headers: auth })).json()) as Job,
      (j) => j.status === 'done' || j.status === 'failed',
      60_000,
    );
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({
      status: 'done',
      progress: { fraction: 1 },
      summary: {
        requestsMatched: REQUESTS,
        readings: REQUESTS * READINGS,
        records: ACCEPTED,
        deadLetters: INVALID.length,
        errors: 0,
      },
    });

    const back = await eventually(
      async () =>
        (
          await db.query<{ event_id: string; received_at: Date }>(
            'SELECT event_id, received_at FROM vehicle_telemetry WHERE event_id = $1',
            [lost.event_id],
          )
        ).rows,
      (rows) => rows.length > 0,
    );
    expect(back).toEqual([{ event_id: lost.event_id, received_at: lost.received_at }]);
    expect(await stored()).toEqual({ rows: ACCEPTED, ids: ACCEPTED });

    // every record went through the sink again (published counts them), one row each
    const agreed = await eventually(
      completeness,
      (r) => r.flagged === 0 && r.totals.published >= 2 * ACCEPTED,
    );
    expect(agreed.flagged).toBe(0);
    expect(agreed.totals).toEqual({ ...counted, published: 2 * ACCEPTED });
    for (const bucket of agreed.buckets)
      expect(bucket).toMatchObject({ flagged: false, missing: 0, stored: bucket.accepted });
    expect(await eventually(missingGauge, (n) => n === 0)).toBe(0);

    const cli = await ops([
      'completeness',
      '--type',
      'vehicle',
      '--source',
      SOURCE,
      '--from',
      new Date(from.getTime() - 60_000).toISOString(),
    ]);
    expect(cli.output).toContain('nothing flagged');
    expect(cli.code).toBe(0);
  }, 90_000);

  it('lists the refused readings by source, stage and reason class, through the API and the tool', async () => {
    const vinsOf = (reasonClass: string) =>
      INVALID.filter(([, , , c]) => c === reasonClass).map(([request]) => request);
    // the gateway's letters and the replay's again (marked with the job): two of each reading
    const outOfRange = await eventually(
      () => letters({ stage: 'ingest', reason_class: 'out_of_range' }),
      (items) => items.length >= 2 * vinsOf('out_of_range').length,
    );
    expect(outOfRange).toHaveLength(4);
    for (const letter of outOfRange)
      expect(letter).toMatchObject({
        stage: 'ingest',
        source: SOURCE,
        reasonClass: 'out_of_range',
        redrive: null,
      });
    expect(outOfRange.filter((l) => /^replay \S+: /.test(l.reasons[0]))).toHaveLength(2);
    expect(new Set(outOfRange.map((l) => l.entityId)).size).toBe(2);
    expect((await letters({ stage: 'consume' })).length).toBe(0);

    const cli = await ops([
      'dead-letters',
      'list',
      '--source',
      SOURCE,
      '--stage',
      'ingest',
      '--reason-class',
      'invalid_time',
    ]);
    expect(cli.code).toBe(0);
    const lines = cli.output.split('\n').filter((line) => line.includes(SOURCE));
    expect(lines).toHaveLength(2);
    for (const line of lines)
      expect(line).toMatch(/ ingest +\S+ +invalid_time +[A-Z0-9]{17} +none /);
  }, 60_000);

  it('re-drives a record the database refused once the cause is fixed: the outcome recorded, the row stored under its event id', async () => {
    // the cause: a constraint that refuses this vehicle's odometer past a million kilometres (its
    // VIN only: rows other suites stored in the shared table may hold any odometer)
    const vin = randomVin();
    await db.query(
      `ALTER TABLE vehicle_telemetry ADD CONSTRAINT ${CONSTRAINT} CHECK (vin <> '${vin}' OR odometer_km < 1000000)`,
    );
    expect(await send([mobwayReading(vin, { odometer: ODOMETER })])).toEqual({
      status: 'success',
      accepted: 1,
      deadLettered: 0,
    });
    const [refused] = await eventually(
      () => letters({ stage: 'consume', reason_class: 'database_rejected', entity_id: vin }),
      (items) => items.length > 0,
    );
    expect(refused).toMatchObject({
      stage: 'consume',
      source: SOURCE,
      entityId: vin,
      redrive: null,
    });
    expect(refused.reasons[0]).toMatch(new RegExp(`violates check constraint "${CONSTRAINT}"`));
    const detail = await fetch(`${console_.url}/v1/dead-letters/${refused.id}`, { headers: auth });
    const { letter } = (await detail.json()) as { letter: DeadLetterV1 };
    const record = letter.original as VehicleTelemetryV1;
    expect(record).toMatchObject({ vin, odometerKm: ODOMETER });
    const rowsOf = async () =>
      (
        await db.query<{ event_id: string; odometer_km: number }>(
          'SELECT event_id, odometer_km FROM vehicle_telemetry WHERE vin = $1',
          [vin],
        )
      ).rows;
    expect(await rowsOf()).toEqual([]);

    // the fix
    await db.query(`ALTER TABLE vehicle_telemetry DROP CONSTRAINT ${CONSTRAINT}`);

    const res = await fetch(`${console_.url}/v1/dead-letters/redrive`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [refused.id] }),
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as {
      results: { id: string; status: string; outcome: string }[];
    };
    expect(results).toEqual([
      {
        id: refused.id,
        status: 'done',
        outcome: expect.stringMatching(
          new RegExp(
            `^republished to ${TOPICS.vehicle.replace(/[.]/g, '\\.')} partition \\d+ offset \\d+$`,
          ),
        ) as unknown,
      },
    ]);
    expect(
      (await letters({ redrive_status: 'done', entity_id: vin })).map((l) => [
        l.id,
        l.redrive?.outcome,
      ]),
    ).toEqual([[refused.id, results[0].outcome]]);

    expect(await eventually(rowsOf, (rows) => rows.length > 0)).toEqual([
      { event_id: record.eventId, odometer_km: ODOMETER },
    ]);
    // stored, not refused again
    expect(await letters({ stage: 'consume', entity_id: vin })).toHaveLength(1);
  }, 60_000);
});
