import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { DeadLetterV1, TOPICS, VehicleTelemetryV1 } from '@app/contracts';
import { aDeadLetter, aVehicleRecord } from '@app/contracts/testing';
import { CONSOLE_GROUPS } from '@app/kafka';
import { sign } from '@app/verification';
import { eventually } from './support/eventually';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { RunningApp, TEST_QUERY_KEY, testStack } from './support/running-app';

const MOBWAY = 'deadletters-mobway-secret-7e1a9c3f5b2d8046';

interface Summary {
  id: string;
  stage: string | null;
  source: string | null;
  reasons: string[];
  reasonClass: string;
  entityId: string | null;
  requestId: string | null;
  recordTopic: string | null;
  occurredAt: string;
  kafka: { partition: number; offset: string };
  redrive: { status: string; at: string; outcome: string | null } | null;
}
interface Page {
  items: Summary[];
  nextCursor: string | null;
}
interface Detail extends Summary {
  letter: DeadLetterV1;
}
interface RedriveAnswer {
  results: { id: string; status: string; outcome: string }[];
}

/** a record's eventId the consumers accept (UUIDv5 layout), unique per call */
const eventId = (): string => {
  const hex = randomUUID().replaceAll('-', '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

describe('dead letters in the console: stored, listed, inspected and re-driven', () => {
  let gateway: RunningApp;
  let vehicles: RunningApp;
  let console_: RunningApp;
  let producer: Producer;
  let kafka: Kafka;
  const auth = { authorization: `Bearer ${TEST_QUERY_KEY}` };

  beforeAll(async () => {
    [gateway, vehicles, console_] = await Promise.all([
      RunningApp.start('ingest-gateway', { MOBWAY_SIGN_SECRET: MOBWAY }),
      RunningApp.start('vehicle-consumer'),
      RunningApp.start('console'),
    ]);
    kafka = new Kafka({
      clientId: 'e2e-dead-letters',
      brokers: testStack().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all([gateway, vehicles, console_].filter(Boolean).map((app) => app.stop()));
  });

  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${console_.url}${path}`, { headers: auth });
    return { status: res.status, body: (await res.json()) as T };
  };
  const list = async (query: Record<string, string>): Promise<Page> =>
    (await get<Page>(`/v1/dead-letters?${new URLSearchParams(query).toString()}`)).body;
  /** the letters of `entity` once there are `count` of them (as many as there are after 30 s otherwise) */
  const lettersOf = (entity: string, count: number, query: Record<string, string> = {}) =>
    eventually(
      () => list({ entity_id: entity, ...query }),
      (page) => page.items?.length >= count,
    );
  const redrive = async (
    ids: (string | number)[],
  ): Promise<{ status: number; body: RedriveAnswer }> => {
    const res = await fetch(`${console_.url}/v1/dead-letters/redrive`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ids }),
    });
    return { status: res.status, body: (await res.json()) as RedriveAnswer };
  };

  it('lists an invalid reading the gateway refused, by source, stage, reason and time, and shows it whole', async () => {
    const vin = randomVin();
    const body = mobwayPayload([
      mobwayReading(vin, { date_time: '2025-03-01 10:00:00' }),
      mobwayReading(vin, { date_time: '2025-03-01 10:00:30', latitude: 123 }),
      mobwayReading(vin, { date_time: 'yesterday-ish' }),
    ]);
    const res = await fetch(`${gateway.url}/webhooks/mobway`, {
      method: 'POST',
      body,
      headers: sign('mobway', MOBWAY, body),
    });
    expect(await res.json()).toEqual({ status: 'success', accepted: 1, deadLettered: 2 });
    const requestId = res.headers.get('x-request-id');

    const all = await lettersOf(vin, 2);
    expect(all.items).toHaveLength(2);
    for (const item of all.items)
      expect(item).toMatchObject({ stage: 'ingest', source: 'mobway', requestId, redrive: null });
    expect(all.items.map((i) => i.reasonClass).sort()).toEqual(['invalid_time', 'out_of_range']);

    // each filter narrows the list; q is a piece of the reason, any case
    const latitude = await list({ entity_id: vin, q: 'LATITUDE must not' });
    expect(latitude.items.map((i) => i.reasons)).toEqual([
      ['latitude must not be greater than 90'],
    ]);
    expect(
      (
        await list({
          entity_id: vin,
          reason_class: 'invalid_time',
          source: 'mobway',
          stage: 'ingest',
        })
      ).items,
    ).toHaveLength(1);
    expect((await list({ entity_id: vin, stage: 'consume' })).items).toEqual([]);
    expect((await list({ entity_id: vin, source: 'weguard' })).items).toEqual([]);
    const occurred = all.items[0].occurredAt;
    expect((await list({ entity_id: vin, from: occurred, to: occurred })).items).toEqual([]);
    expect(
      (
        await list({
          entity_id: vin,
          from: occurred,
          to: new Date(Date.parse(occurred) + 1).toISOString(),
        })
      ).items,
    ).toHaveLength(2);

    // pages of one, newest first, the cursor carrying on where the last left off
    const first = await list({ entity_id: vin, limit: '1' });
    const second = await list({ entity_id: vin, limit: '1', cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual(all.items.map((i) => i.id));
    expect(second.nextCursor).toBeNull();

    const detail = await get<Detail>(`/v1/dead-letters/${latitude.items[0].id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.letter).toMatchObject({
      schema: 'dead-letter/v1',
      stage: 'ingest',
      source: 'mobway',
      requestId,
      entityId: vin,
      original: { vin, latitude: 123, date_time: '2025-03-01 10:00:30' },
    });
  });

  it('answers 400 for bad input, 404 for an unknown letter and 401 without a key', async () => {
    for (const query of [
      'limit=0',
      'stage=publish',
      'reason_class=nope',
      'from=yesterday',
      'cursor=x',
      'what=1',
    ])
      expect((await get(`/v1/dead-letters?${query}`)).status).toBe(400);
    expect((await get('/v1/dead-letters/abc')).status).toBe(400);
    expect((await get('/v1/dead-letters/999999999')).status).toBe(404);
    for (const ids of [[], [0], Array.from({ length: 501 }, (_, i) => i + 1)])
      expect((await redrive(ids)).status).toBe(400);
    const raw = await fetch(`${console_.url}/v1/dead-letters/redrive`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"ids":',
    });
    expect(raw.status).toBe(400);
    expect((await fetch(`${console_.url}/v1/dead-letters`)).status).toBe(401);
  });

  it('re-drives a record a consumer refused: published again as the gateway writes it, the outcome recorded', async () => {
    const vin = randomVin();
    const record = aVehicleRecord({ vin, eventId: eventId(), latitude: 123 });
    await producer.send({
      topic: TOPICS.vehicle,
      messages: [
        {
          key: vin,
          value: JSON.stringify(record),
          headers: { schema: record.schema, 'event-id': record.eventId, 'request-id': 'e2e-req' },
        },
      ],
    });
    const [letter] = (await lettersOf(vin, 1, { stage: 'consume' })).items;
    expect(letter).toMatchObject({
      stage: 'consume',
      source: 'mobway',
      reasonClass: 'out_of_range',
      recordTopic: TOPICS.vehicle,
      redrive: null,
    });

    const answer = await redrive([letter.id, '999999999']);
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      {
        id: letter.id,
        status: 'done',
        outcome: expect.stringMatching(
          /^republished to telemetry\.vehicle\.v1 partition \d+ offset \d+$/,
        ) as unknown,
      },
      { id: '999999999', status: 'not_found', outcome: 'no dead letter 999999999' },
    ]);
    const [, partition, offset] = /partition (\d+) offset (\d+)/.exec(
      answer.body.results[0].outcome,
    )!;

    // recorded on the letter
    const shown = (await get<Detail>(`/v1/dead-letters/${letter.id}`)).body;
    expect(shown.redrive).toEqual({
      status: 'done',
      at: expect.any(String) as unknown,
      outcome: answer.body.results[0].outcome,
    });
    expect((await list({ entity_id: vin, redrive_status: 'done' })).items.map((i) => i.id)).toEqual(
      [letter.id],
    );

    // still out of range: the consumer refuses it again, from where the re-drive put it
    const again = await lettersOf(vin, 2, { stage: 'consume' });
    const newest = (await get<Detail>(`/v1/dead-letters/${again.items[0].id}`)).body.letter;
    expect(newest).toMatchObject({
      stage: 'consume',
      topic: TOPICS.vehicle,
      partition: Number(partition),
      offset,
      original: record,
    });
  });

  it('re-drives a letter whose record passes now, and the consumer stores it under its event id', async () => {
    const vin = randomVin();
    // as a consumer would have dead-lettered it under a check since fixed
    const record = aVehicleRecord({
      vin,
      eventId: eventId(),
      recordedAt: '2025-03-01T13:05:00.000Z',
    });
    const letter = aDeadLetter({
      stage: 'consume',
      source: 'mobway',
      reasons: ['rejected by PostgreSQL: value out of range (SQLSTATE 22003)'],
      occurredAt: new Date().toISOString(),
      requestId: undefined,
      entityId: vin,
      original: record,
      topic: TOPICS.vehicle,
      partition: 0,
      offset: '0',
    });
    await producer.send({
      topic: TOPICS.deadLetter,
      messages: [{ key: vin, value: JSON.stringify(letter) }],
    });
    const [stored] = (await lettersOf(vin, 1)).items;
    expect(stored.reasonClass).toBe('database_rejected');
    expect((await redrive([Number(stored.id)])).body.results[0].status).toBe('done');

    const latest = await eventually(
      async () => {
        const r = await fetch(`${vehicles.url}/v1/vehicles/${vin}/latest`, { headers: auth });
        return r.status === 200 ? ((await r.json()) as VehicleTelemetryV1) : undefined;
      },
      (r) => r !== undefined,
    );
    expect(latest).toMatchObject({ eventId: record.eventId, vin, recordedAt: record.recordedAt });
  });

  it('re-drives an ingest-stage letter by replaying its request, the outcome recorded', async () => {
    const vin = randomVin();
    const body = mobwayPayload([
      mobwayReading(vin, { date_time: '2025-03-01 11:00:00' }),
      mobwayReading(vin, { date_time: '2025-03-01 11:00:30', latitude: -91 }),
    ]);
    const res = await fetch(`${gateway.url}/webhooks/mobway`, {
      method: 'POST',
      body,
      headers: sign('mobway', MOBWAY, body),
    });
    const requestId = res.headers.get('x-request-id')!;
    const [letter] = (await lettersOf(vin, 1)).items;
    const answer = await redrive([letter.id]);
    expect(answer.body.results).toEqual([
      {
        id: letter.id,
        status: 'done',
        outcome: expect.stringMatching(
          new RegExp(
            `^replayed request ${requestId} from webhooks\\.raw\\.v1 partition \\d+ offset \\d+ as replay redrive-\\S+: 1 record\\(s\\), 1 dead letter\\(s\\) of 2 reading\\(s\\)$`,
          ),
        ) as unknown,
      },
    ]);
    const shown = (await get<Detail>(`/v1/dead-letters/${letter.id}`)).body;
    expect(shown.redrive).toMatchObject({
      status: 'done',
      outcome: answer.body.results[0].outcome,
    });
    // the reading is still out of range: the replay sets it aside again, saying it was the replay
    const again = await lettersOf(vin, 2);
    expect(again.items[0]).toMatchObject({
      stage: 'ingest',
      requestId,
      reasonClass: 'out_of_range',
      reasons: [
        expect.stringMatching(
          /^replay redrive-\S+: latitude must not be less than -90$/,
        ) as unknown,
      ],
    });
    // the valid reading was published again under its event id: still one row
    const path = `/v1/vehicles/${vin}/telemetry?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z`;
    const rows = async () =>
      ((await (await fetch(`${vehicles.url}${path}`, { headers: auth })).json()) as Page).items;
    expect(await eventually(rows, (items) => items?.length >= 1)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await rows()).toHaveLength(1);
  });

  it('keeps each letter once however often Kafka delivers it, and forgets letters past retention', async () => {
    const vin = randomVin();
    const old = aDeadLetter({ entityId: vin, occurredAt: '2020-01-01T00:00:00.000Z' });
    await producer.send({
      topic: TOPICS.deadLetter,
      messages: [{ key: vin, value: JSON.stringify(old) }],
    });
    expect((await lettersOf(vin, 1)).items).toHaveLength(1);
    const db = new Client({ connectionString: testStack().databaseUrl });
    await db.connect();
    const count = async () =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dead_letters')).rows[0].n;
    const admin = kafka.admin();
    await admin.connect();
    /** the group's committed offsets once they reach the topic's end in every partition that has messages */
    const caughtUp = async () => {
      const ends = await admin.fetchTopicOffsets(TOPICS.deadLetter);
      const endOf = Object.fromEntries(
        ends.filter((p) => p.high !== p.low).map((p) => [p.partition, p.high]),
      );
      const committed = async () => {
        const [{ partitions }] = await admin.fetchOffsets({
          groupId: CONSOLE_GROUPS.deadLetters,
          topics: [TOPICS.deadLetter],
        });
        return Object.fromEntries(
          partitions.filter((p) => p.partition in endOf).map((p) => [p.partition, p.offset]),
        );
      };
      expect(
        await eventually(committed, (offsets) =>
          Object.entries(endOf).every(([p, high]) => offsets[p] === high),
        ),
      ).toEqual(endOf);
    };
    try {
      // every letter delivered again from the start of the topic: no row more, none lost
      await caughtUp();
      const before = await count();
      await console_.stop();
      await admin.resetOffsets({
        groupId: CONSOLE_GROUPS.deadLetters,
        topic: TOPICS.deadLetter,
        earliest: true,
      });
      console_ = await RunningApp.start('console', { DEAD_LETTER_RETENTION_DAYS: '0' });
      await caughtUp();
      expect(await count()).toBe(before);
      expect((await list({ entity_id: vin })).items).toHaveLength(1);

      // a restart runs a retention round: the 2020 letter is past 30 days, the others are not
      await console_.stop();
      console_ = await RunningApp.start('console', { DEAD_LETTER_RETENTION_DAYS: '30' });
      expect(
        (
          await eventually(
            () => list({ entity_id: vin }),
            (page) => page.items?.length === 0,
          )
        ).items,
      ).toEqual([]);
      expect(await count()).toBe(before - 1);
    } finally {
      await admin.disconnect();
      await db.end();
    }
  });
});
