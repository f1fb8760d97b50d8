import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { loadConfig } from '@app/config';
import { TOPICS } from '@app/contracts';
import { createKafka } from '@app/kafka';
import { deadLetter, rawMessage } from '@app/kafka/messages';
import { NORMALIZERS } from '@app/normalization';
import { createDataSource } from '@app/persistence';
import { createReplayKit, fractionDone } from '@app/replay';
import { sign } from '@app/verification';
import { eventually } from './support/eventually';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { RunningApp, TEST_QUERY_KEY, testStack } from './support/running-app';
import { DIST, ROOT } from './support/test-env';
import { readTopic } from './support/topic-reader';

// a source of this spec's own (mobway bodies), so the raw archive's other traffic never matches
const SOURCE = `replay-${randomUUID().slice(0, 8)}`;
const TOKEN = 'replay-e2e-bearer-token-6f1d0a9c3b7e5d24';
const SOURCES = JSON.stringify([
  { name: SOURCE, scheme: 'bearer-token', secrets: [TOKEN], normalizer: 'mobway' },
]);
// a fetch of about one record batch: every partition is read in many batches
const FETCH = { REPLAY_FETCH_MAX_BYTES: '1024' };

interface Job {
  id: string;
  status: string;
  dryRun: boolean;
  progress: { fraction: number };
  summary: Record<string, number>;
  error?: string;
}

describe('replay from the raw archive', () => {
  let gateway: RunningApp;
  let vehicles: RunningApp;
  let console_: RunningApp;
  let db: Client;
  let kafka: Kafka;
  const auth = { authorization: `Bearer ${TEST_QUERY_KEY}` };

  beforeAll(async () => {
    [gateway, vehicles, console_] = await Promise.all([
      RunningApp.start('ingest-gateway', { WEBHOOK_SOURCES: SOURCES }),
      RunningApp.start('vehicle-consumer'),
      RunningApp.start('console', { WEBHOOK_SOURCES: SOURCES, ...FETCH }),
    ]);
    db = new Client({ connectionString: testStack().databaseUrl });
    await db.connect();
    kafka = new Kafka({
      clientId: 'replay-e2e',
      brokers: testStack().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
  });
  afterAll(async () => {
    await db?.end();
    await Promise.all([gateway, vehicles, console_].filter(Boolean).map((app) => app.stop()));
  });

  /** n requests of `perRequest` vehicles each through the gateway; the window that holds them */
  async function sendTraffic(n: number, perRequest = 2) {
    const vins: string[] = [];
    const from = new Date();
    for (let i = 0; i < n; i++) {
      const batch = Array.from({ length: perRequest }, () => randomVin());
      vins.push(...batch);
      const body = mobwayPayload(batch.map((vin) => mobwayReading(vin)));
      const res = await fetch(`${gateway.url}/webhooks/${SOURCE}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...sign('bearer-token', TOKEN, body) },
      });
      expect(await res.json()).toEqual({
        status: 'success',
        accepted: perRequest,
        deadLettered: 0,
      });
    }
    const to = new Date(Date.now() + 1);
    return { vins, from, to };
  }

  async function storedIds(vins: string[]): Promise<Map<string, string>> {
    const { rows } = await db.query<{ vin: string; event_id: string }>(
      'SELECT vin, event_id FROM vehicle_telemetry WHERE vin = ANY($1)',
      [vins],
    );
    return new Map(rows.map((r) => [r.vin, r.event_id]));
  }

  const waitStored = (vins: string[], count = vins.length) =>
    eventually(
      () => storedIds(vins),
      (ids) => ids.size >= count,
    );

  async function recordOffsets(): Promise<bigint> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(TOPICS.vehicle);
      return offsets.reduce((sum, p) => sum + BigInt(p.high), 0n);
    } finally {
      await admin.disconnect();
    }
  }

  function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
    const stack = testStack();
    const child = spawn(process.execPath, [join(DIST, 'scripts', 'replay.js'), ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        KAFKA_BROKERS: stack.kafkaBrokers.join(','),
        DATABASE_URL: stack.databaseUrl,
        WEBHOOK_SOURCES: SOURCES,
        ...FETCH,
        // never the sources of an npm start running on this machine
        LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'replay-e2e-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
  }

  async function apiReplay(body: object): Promise<Job> {
    const res = await fetch(`${console_.url}/v1/replays`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    const job = (await res.json()) as Job;
    return eventually(
      async () =>
        (await (
          await fetch(`${console_.url}/v1/replays/${job.id}`, { headers: auth })
        ).json()) as Job,
      (j) => j.status === 'done' || j.status === 'failed',
      60_000,
    ).then((done) => {
      expect(done.error).toBeUndefined();
      return done;
    });
  }

  /**
   * A request as the gateway archived it under a normalizer that rejected `rejected`'s reading: the
   * raw message and the dead letter it wrote then.
   */
  async function archiveRejected(body: Buffer, receivedAt: Date, rejected: string) {
    const meta = { source: SOURCE, requestId: randomUUID(), receivedAt: receivedAt.toISOString() };
    const producer = createKafka(testStack().kafkaBrokers, 'replay-e2e').producer();
    await producer.connect();
    try {
      await producer.send({ topic: TOPICS.raw, messages: [rawMessage(body, meta).message] });
      await producer.send({
        topic: TOPICS.deadLetter,
        messages: [
          deadLetter({
            ...meta,
            entityId: rejected,
            reasons: ['hdop must be a number (the shipped normalizer)'],
            original: (JSON.parse(body.toString()) as Record<string, unknown[]>)[rejected][0],
          }).message,
        ],
      });
    } finally {
      await producer.disconnect();
    }
    return meta;
  }

  it('brings deleted rows back with the same event ids (command)', async () => {
    const { vins, from, to } = await sendTraffic(3);
    const before = await waitStored(vins);
    expect(before.size).toBe(6);
    await db.query('DELETE FROM vehicle_telemetry WHERE vin = ANY($1)', [vins]);
    expect((await storedIds(vins)).size).toBe(0);

    const { code, output } = await runCli([
      '--source',
      SOURCE,
      '--from',
      from.toISOString(),
      '--to',
      to.toISOString(),
    ]);
    expect(code === 0 ? 'exit 0' : output).toBe('exit 0');
    expect(output).toMatch(/requests matched +3\n/);
    expect(output).toMatch(/records +6\n/);
    expect(output).toMatch(/dead letters +0\n/);
    expect(output).toMatch(/100\.0%/);
    const after = await waitStored(vins);
    expect(after).toEqual(before);
  });

  it('counts in a dry run and publishes nothing (API)', async () => {
    const { vins, from, to } = await sendTraffic(2);
    await waitStored(vins);
    const offsets = await recordOffsets();
    const job = await apiReplay({
      source: SOURCE,
      from: from.toISOString(),
      to: to.toISOString(),
      dryRun: true,
    });
    expect(job).toMatchObject({
      status: 'done',
      dryRun: true,
      progress: { fraction: 1 },
      summary: { requestsMatched: 2, readings: 4, records: 4, deadLetters: 0, errors: 0 },
    });
    expect(await recordOffsets()).toBe(offsets);
  });

  it('stores a reading that was dead-lettered and is valid under today’s normalizer (API)', async () => {
    // as the gateway archived it under a normalizer that rejected the first reading: the raw
    // message and the dead letter it wrote then; today's normalizer takes the first, rejects the second
    const good = randomVin();
    const bad = randomVin();
    const receivedAt = new Date();
    const body = mobwayPayload([
      mobwayReading(good, { date_time: '2025-03-02 08:00:00' }),
      mobwayReading(bad, { latitude: 123 }),
    ]);
    const meta = await archiveRejected(body, receivedAt, good);
    expect((await storedIds([good])).size).toBe(0);

    const job = await apiReplay({
      source: SOURCE,
      from: new Date(receivedAt.getTime() - 1).toISOString(),
      to: new Date(receivedAt.getTime() + 1).toISOString(),
    });
    expect(job).toMatchObject({
      status: 'done',
      summary: { requestsMatched: 1, readings: 2, records: 1, deadLetters: 1, errors: 0 },
    });
    const stored = await waitStored([good]);
    const expected = NORMALIZERS.mobway.normalize(JSON.parse(body.toString()), {
      source: SOURCE,
      receivedAt,
    }).records[0].eventId;
    expect(stored.get(good)).toBe(expected);

    // the one still invalid is a dead letter again, marked as the replay's
    const letters = (await readTopic(TOPICS.deadLetter)).filter(
      (m) => m.headers['request-id'] === meta.requestId && m.headers['replay-id'] === job.id,
    );
    expect(letters).toHaveLength(1);
    const letter = JSON.parse(letters[0].value.toString()) as {
      entityId: string;
      reasons: string[];
    };
    expect(letter.entityId).toBe(bad);
    expect(letter.reasons[0]).toMatch(new RegExp(`^replay ${job.id}: `));
  });

  it('resumes an interrupted job from its checkpoint and publishes nothing twice', async () => {
    const { vins, from, to } = await sendTraffic(8, 1);
    const before = await waitStored(vins);
    await db.query('DELETE FROM vehicle_telemetry WHERE vin = ANY($1)', [vins]);
    const offsets = await recordOffsets();

    // the first run, in this process, stops after its first batch as a stopped process would
    const stack = testStack();
    const config = loadConfig('launcher', {
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      DATABASE_URL: stack.databaseUrl,
      WEBHOOK_SOURCES: SOURCES,
      ...FETCH,
    });
    const dataSource = await createDataSource(config.database.url, 2).initialize();
    const kit = createReplayKit(
      config,
      createKafka(config.kafka.brokers, 'replay-e2e'),
      dataSource,
    );
    const stop = new AbortController();
    let first;
    try {
      const created = await kit.runner.create({ source: SOURCE, from, to, dryRun: false });
      first = await kit.runner.run(
        created.id,
        // batches are one partition's: the first with records of ours leaves the other partitions'
        (_, progress) => {
          if (progress.counters.records > 0) stop.abort();
        },
        stop.signal,
      );
    } finally {
      await kit.close();
      await dataSource.destroy();
    }
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('running');
    expect(fractionDone(first.checkpoints)).toBeLessThan(1);
    const firstRecords = first.counters.records;
    expect(firstRecords).toBeGreaterThan(0);
    expect(firstRecords).toBeLessThan(8);
    expect(await recordOffsets()).toBe(offsets + BigInt(firstRecords));

    const { code, output } = await runCli(['--resume', first.id]);
    expect(code === 0 ? 'exit 0' : output).toBe('exit 0');
    expect(output).toMatch(/requests matched +8\n/);
    expect(output).toMatch(/records +8\n/);
    // every record published once over the two runs
    expect(await recordOffsets()).toBe(offsets + 8n);
    expect(await waitStored(vins)).toEqual(before);

    // a finished job is not run again
    const again = await runCli(['--resume', first.id]);
    expect(again.code).toBe(2);
    expect(again.output).toContain('is done');
  });

  it('re-drives an ingest-stage dead letter by replaying its request (dead-letter API)', async () => {
    const vin = randomVin();
    const receivedAt = new Date();
    const body = mobwayPayload([mobwayReading(vin, { date_time: '2025-03-03 08:00:00' })]);
    const meta = await archiveRejected(body, receivedAt, vin);
    interface Letter {
      id: string;
      requestId: string | null;
    }
    const listed = await eventually(
      async () =>
        (await (
          await fetch(`${console_.url}/v1/dead-letters?source=${SOURCE}&entity_id=${vin}`, {
            headers: auth,
          })
        ).json()) as { items: Letter[] },
      (page) => page.items?.length > 0,
    );
    const [letter] = listed.items;
    expect(letter.requestId).toBe(meta.requestId);

    const res = await fetch(`${console_.url}/v1/dead-letters/redrive`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [letter.id] }),
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { status: string; outcome: string }[] };
    expect(results).toHaveLength(1);
    expect(results[0].outcome).toMatch(
      new RegExp(
        `^replayed request ${meta.requestId} from webhooks.raw.v1 partition \\d+ offset \\d+ as replay redrive-.+: 1 record\\(s\\), 0 dead letter`,
      ),
    );
    expect(results[0].status).toBe('done');
    const expected = NORMALIZERS.mobway.normalize(JSON.parse(body.toString()), {
      source: SOURCE,
      receivedAt,
    }).records[0].eventId;
    expect((await waitStored([vin])).get(vin)).toBe(expected);
  });
});
