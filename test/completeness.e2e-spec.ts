import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { TOPICS } from '@app/contracts';
import { LEDGERS, LedgerRepository, RawRequestEntry } from '@app/ledger';
import { createDataSource } from '@app/persistence';
import { sign } from '@app/verification';
import { eventually } from './support/eventually';
import {
  mobwayPayload,
  mobwayReading,
  MobwayReading,
  randomVin,
  weguardLocation,
} from './support/payloads';
import { RunningApp, TEST_QUERY_KEY, testStack } from './support/running-app';
import { readTopic } from './support/topic-reader';

// a source of its own: other suites' traffic in the same stack never reaches its counts
const SOURCE = `ledger-${randomUUID().slice(0, 8)}`;
const LOCATIONS = `ledger-loc-${randomUUID().slice(0, 8)}`;
const SECRET = `whsec_${Buffer.from('e2e-ledger-standard-webhooks-key-41c9').toString('base64')}`;
const REQUESTS = 6;
const READINGS = 4;
const LEDGER_ENV = {
  COMPLETENESS_BUCKET_SECONDS: '60',
  COMPLETENESS_DELAY_SECONDS: '1',
  COMPLETENESS_REFRESH_SECONDS: '1',
};

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
interface Report {
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

describe('the completeness ledger: known traffic in, every count exact, a lost row flagged and closed', () => {
  let gateway: RunningApp;
  let vehicles: RunningApp;
  let devices: RunningApp;
  let db: Client;
  const started = Date.now();
  const window = () =>
    `from=${new Date(started - 120_000).toISOString()}&to=${new Date(Date.now() + 120_000).toISOString()}`;
  const report = async (app = vehicles, source = SOURCE): Promise<Report> => {
    const res = await fetch(`${app.url}/v1/completeness?source=${source}&${window()}`, {
      headers: { authorization: `Bearer ${TEST_QUERY_KEY}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Report;
  };
  const scrape = async (): Promise<string> => (await fetch(`${vehicles.url}/metrics`)).text();
  const post = async (body: Buffer, id = `msg_${randomUUID()}`, source = SOURCE) => {
    const res = await fetch(`${gateway.url}/webhooks/${source}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...sign('standard-webhooks', SECRET, body, { id }),
      },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    [gateway, vehicles, devices] = await Promise.all([
      RunningApp.start('ingest-gateway', {
        WEBHOOK_SOURCES: JSON.stringify([
          { name: SOURCE, scheme: 'standard-webhooks', secrets: [SECRET], normalizer: 'mobway' },
          {
            name: LOCATIONS,
            scheme: 'standard-webhooks',
            secrets: [SECRET],
            normalizer: 'weguard',
          },
        ]),
        // no answer from the replay cache: the retry below reaches Kafka a second time, as it would
        // through a second gateway instance
        REPLAY_WINDOW_SECONDS: '0',
      }),
      RunningApp.start('vehicle-consumer', LEDGER_ENV),
      RunningApp.start('location-consumer', LEDGER_ENV),
    ]);
    db = new Client({ connectionString: testStack().databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await Promise.all([gateway, vehicles, devices].filter(Boolean).map((app) => app.stop()));
  });

  // N requests of M readings, two of them with one reading the normalizer rejects, one retried
  // with the same webhook id, and one body that is not JSON
  const expected = {
    received: REQUESTS + 2,
    requests: REQUESTS + 1,
    readings: REQUESTS * READINGS + 1,
    accepted: REQUESTS * READINGS - 2,
    deadLettered: 3,
    untallied: 0,
    // the retry's records are on the topic twice; the rows once
    published: REQUESTS * READINGS - 2 + READINGS,
    stored: REQUESTS * READINGS - 2,
    missing: 0,
  };

  it('counts received, requests, readings accepted and dead-lettered, published and stored exactly', async () => {
    const bodies: Buffer[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const vin = randomVin();
      const readings: MobwayReading[] = Array.from({ length: READINGS }, (_, s) =>
        mobwayReading(vin, { date_time: `2025-03-01 10:00:${String(s * 5 + i).padStart(2, '0')}` }),
      );
      if (i === 1 || i === 4)
        readings[READINGS - 1] = mobwayReading(vin, { date_time: 'not a time' });
      bodies.push(mobwayPayload(readings));
    }
    const answers = [];
    for (const [i, body] of bodies.entries()) answers.push(await post(body, `msg_ledger-${i}`));
    expect(answers.map((a) => a.body)).toEqual(
      bodies.map((_, i) => ({
        status: 'success',
        accepted: i === 1 || i === 4 ? READINGS - 1 : READINGS,
        deadLettered: i === 1 || i === 4 ? 1 : 0,
      })),
    );
    // a sender's retry: the same id and body (the first answer got lost, say)
    expect((await post(bodies[0], 'msg_ledger-0')).body).toMatchObject({ accepted: READINGS });
    expect((await post(Buffer.from('{"not json'))).status).toBe(400);

    // the raw archive holds both record types: each app counts its own
    const device = `dev-${randomUUID()}`;
    const locations = Buffer.from(
      JSON.stringify({
        locations: [0, 1, 2].map((s) =>
          weguardLocation(device, { timestamp: `2025-03-01T13:00:0${s}.000Z` }),
        ),
      }),
    );
    expect((await post(locations, undefined, LOCATIONS)).body).toMatchObject({ accepted: 3 });
    const located = await eventually(
      () => report(devices, LOCATIONS),
      // three consumers of their own (raw archive, record topic, table): wait for each
      (r) => r.totals.stored === 3 && r.totals.published === 3 && r.totals.accepted === 3,
    );
    expect(located.totals).toEqual({
      received: 1,
      requests: 1,
      readings: 3,
      accepted: 3,
      deadLettered: 0,
      untallied: 0,
      published: 3,
      stored: 3,
      missing: 0,
    });
    expect((await report(devices)).totals.received).toBe(0);

    const settled = await eventually(
      report,
      (r) =>
        r.totals.stored === expected.stored &&
        r.totals.published === expected.published &&
        r.totals.received === expected.received,
    );
    expect(settled.totals).toEqual(expected);
    expect((await report(vehicles, LOCATIONS)).totals.received).toBe(0);
    // the retry counts once: no bucket's stored rows fall short of its accepted readings
    expect(settled.buckets.every((b) => b.source === SOURCE && b.stored === b.accepted)).toBe(true);
  }, 60_000);

  it('answers 401 without a query key, 400 to a window over 7 days, and is in the OpenAPI document', async () => {
    const res = await fetch(`${vehicles.url}/v1/completeness?source=${SOURCE}`);
    expect(res.status).toBe(401);
    const wide = await fetch(
      `${vehicles.url}/v1/completeness?from=2026-01-01T00:00:00Z&to=2026-01-09T00:00:00Z`,
      { headers: { authorization: `Bearer ${TEST_QUERY_KEY}` } },
    );
    expect(wide.status).toBe(400);
    const doc = (await (await fetch(`${vehicles.url}/docs-json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(doc.paths['/v1/completeness'].get?.responses).toHaveProperty('200');
    expect(Object.keys(doc.components.schemas.CompletenessBucketDto.properties)).toEqual(
      expect.arrayContaining(['accepted', 'published', 'stored', 'missing', 'flagged']),
    );
  });

  it('keeps every count through a restart that reads both topics again from the start', async () => {
    await vehicles.stop();
    const kafka = new Kafka({
      clientId: `e2e-ledger-${randomUUID()}`,
      brokers: testStack().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    // the groups' committed offsets gone: only the ledger's own offsets stand between redelivery and a double count
    await admin.resetOffsets({
      groupId: 'vehicle-consumer',
      topic: TOPICS.vehicle,
      earliest: true,
    });
    await admin.resetOffsets({
      groupId: 'vehicle-consumer-ledger',
      topic: TOPICS.raw,
      earliest: true,
    });
    await admin.disconnect();
    vehicles = await RunningApp.start('vehicle-consumer', LEDGER_ENV);
    // both groups have read to the end again
    await caughtUp(kafka, 'vehicle-consumer', TOPICS.vehicle);
    await caughtUp(kafka, 'vehicle-consumer-ledger', TOPICS.raw);
    expect((await report()).totals).toEqual(expected);
  }, 90_000);

  it('flags a deleted row once its bucket is settled, and agrees again after the record is published again', async () => {
    const { rows } = await db.query<{ event_id: string }>(
      `DELETE FROM vehicle_telemetry WHERE event_id = (SELECT event_id FROM vehicle_telemetry WHERE source = $1 LIMIT 1) RETURNING event_id`,
      [SOURCE],
    );
    expect(rows).toHaveLength(1);
    const before = await report();
    // the last bucket ends within a minute; the delay is 1 s
    const settledAt = Math.max(...before.buckets.map((b) => Date.parse(b.to))) + 1500;
    await new Promise((r) => setTimeout(r, Math.max(0, settledAt - Date.now())));
    const gap = await eventually(report, (r) => r.flagged > 0);
    expect(gap.totals).toEqual({ ...expected, stored: expected.stored - 1, missing: 1 });
    const flagged = gap.buckets.filter((b) => b.flagged);
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ settled: true, missing: 1 });
    const gauge = `fleet_completeness_missing_readings{record_type="vehicle",source="${SOURCE}"}`;
    expect(await eventually(scrape, (m) => m.includes(`${gauge} 1`))).toContain(`${gauge} 1`);

    // the replay's part: the same record message (same event id, same receivedAt) on the topic again
    const [message] = (await readTopic(TOPICS.vehicle)).filter(
      (m) => m.headers['event-id'] === rows[0].event_id,
    );
    const kafka = new Kafka({
      clientId: `e2e-ledger-${randomUUID()}`,
      brokers: testStack().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: TOPICS.vehicle,
      messages: [{ key: message.key, value: message.value, headers: message.headers }],
    });
    await producer.disconnect();

    const closed = await eventually(
      report,
      // the row and the sink's count are two transactions: wait for both
      (r) =>
        r.flagged === 0 &&
        r.totals.stored === expected.stored &&
        r.totals.published === expected.published + 1,
    );
    expect(closed.totals).toEqual({ ...expected, published: expected.published + 1 });
    expect(await eventually(scrape, (m) => m.includes(`${gauge} 0`))).toContain(`${gauge} 0`);
  }, 120_000);
});

/** waits until the group has committed every partition of the topic up to its end */
async function caughtUp(kafka: Kafka, groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const behind = async () => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return ends.filter(({ partition, offset }) => {
        const at = committed.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return offset !== '0' && BigInt(at) < BigInt(offset);
      }).length;
    };
    expect(await eventually(behind, (n) => n === 0, 60_000)).toBe(0);
  } finally {
    await admin.disconnect();
  }
}

describe('LedgerRepository against PostgreSQL: each message counted once, a retry in its earliest minute', () => {
  let dataSource: DataSource;
  let sut: LedgerRepository;
  const source = `ledger-repo-${randomUUID().slice(0, 8)}`;
  // offsets of a consumer and topic of its own, the real ledger tables
  const binding = { ...LEDGERS.vehicle, rawGroup: `e2e-${randomUUID()}` };
  const minute = (m: number) => Date.parse('2026-01-01T10:00:00Z') + m * 60_000;
  const entry = (offset: number, key: string, at: number, accepted = 2): RawRequestEntry => ({
    offset: String(offset),
    source,
    receivedAt: at,
    key,
    recordType: 'vehicle',
    tallied: true,
    readings: accepted + 1,
    accepted,
    deadLettered: 1,
  });
  const rows = async () =>
    (
      await sut.report(binding, {
        from: minute(0),
        to: minute(10),
        bucketMs: 60_000,
        source,
      })
    ).map(({ bucket, received, requests, accepted, deadLettered }) => ({
      minute: (bucket - minute(0)) / 60_000,
      received,
      requests,
      accepted,
      deadLettered,
    }));

  beforeAll(async () => {
    dataSource = await createDataSource(testStack().databaseUrl, 2).initialize();
    sut = new LedgerRepository(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('moves a request counted at a later copy to the minute of an earlier copy read after it', async () => {
    // partition 0 holds the retry (minute 3), partition 1 the first attempt (minute 1), read later
    expect(await sut.countRequests(binding, 'raw', 0, [entry(0, 'id:a', minute(3) + 5)], 1n)).toBe(
      true,
    );
    expect(await rows()).toEqual([
      { minute: 3, received: 1, requests: 1, accepted: 2, deadLettered: 1 },
    ]);
    await sut.countRequests(binding, 'raw', 1, [entry(0, 'id:a', minute(1) + 5)], 1n);
    expect(await rows()).toEqual([
      { minute: 1, received: 1, requests: 1, accepted: 2, deadLettered: 1 },
      { minute: 3, received: 1, requests: 0, accepted: 0, deadLettered: 0 },
    ]);
  });

  it('counts a redelivered batch, or the part of one below the stored offset, no more', async () => {
    const batch = [entry(1, 'id:b', minute(5)), entry(2, 'id:c', minute(5))];
    expect(await sut.countRequests(binding, 'raw', 0, batch, 3n)).toBe(true);
    expect(await sut.countRequests(binding, 'raw', 0, batch, 3n)).toBe(false);
    // a fetch from an earlier offset: only offset 3 is new
    await sut.countRequests(binding, 'raw', 0, [...batch, entry(3, 'id:d', minute(5))], 4n);
    expect((await rows()).find((r) => r.minute === 5)).toEqual({
      minute: 5,
      received: 3,
      requests: 3,
      accepted: 6,
      deadLettered: 3,
    });
    expect(await sut.countedOffsets(binding.rawGroup, 'raw')).toEqual(
      new Map([
        [0, '4'],
        [1, '1'],
      ]),
    );
  });

  it('counts the copies of a request in one batch once, at the earliest', async () => {
    await sut.countRequests(
      binding,
      'raw',
      2,
      [entry(0, 'sha256:e', minute(8)), entry(1, 'sha256:e', minute(7))],
      2n,
    );
    expect((await rows()).filter((r) => r.minute >= 7)).toEqual([
      { minute: 7, received: 1, requests: 1, accepted: 2, deadLettered: 1 },
      { minute: 8, received: 1, requests: 0, accepted: 0, deadLettered: 0 },
    ]);
  });
});
