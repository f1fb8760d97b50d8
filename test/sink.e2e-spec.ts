import { expect } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { INestApplicationContext, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Admin, Consumer, Kafka, logLevel, Message, Producer } from 'kafkajs';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { ConfigModule, loadConfig } from '@app/config';
import { DeadLetterV1, TOPICS, VehicleTelemetryV1 } from '@app/contracts';
import { aLocationRecord, aVehicleRecord } from '@app/contracts/testing';
import { KafkaModule } from '@app/kafka';
import {
  createDataSource,
  LOCATION_TABLE,
  PersistenceModule,
  VEHICLE_TABLE,
} from '@app/persistence';
import { binaryCopyPayload } from '@app/persistence/copy-binary';
import {
  columnParameters,
  insertStatementFor,
  isRejectedData,
  RecordBatchWriter,
} from '@app/persistence/record-batch.writer';
import { uuidV5 } from '@app/normalization/event-id';
import { RecordSink, SinkModule, SINKS } from '@app/sink';
import { controlStack, testStack } from './support/running-app';

const TEST_NAMESPACE = '5b7f0c4e-2b8a-4d47-9d8e-0f1f6c2a9e11';
const VIN_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';

const randomVin = (): string =>
  Array.from(
    { length: 17 },
    () => VIN_ALPHABET[Math.floor(Math.random() * VIN_ALPHABET.length)],
  ).join('');
const eventId = (): string => uuidV5(randomUUID(), TEST_NAMESPACE);

/** n valid vehicle records spread over a few fresh VINs, one second apart */
function vehicleRecords(
  n: number,
  vins = Array.from({ length: 5 }, randomVin),
): VehicleTelemetryV1[] {
  const start = Date.parse('2025-03-01T12:00:00.000Z');
  return Array.from({ length: n }, (_, i) =>
    aVehicleRecord({
      eventId: eventId(),
      vin: vins[i % vins.length],
      recordedAt: new Date(start + i * 1000).toISOString(),
      speedKph: i % 120,
    }),
  );
}

const asMessage = (record: VehicleTelemetryV1): Message => ({
  key: record.vin,
  value: JSON.stringify(record),
});

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** a fresh connection per question: PostgreSQL is taken away in the middle of this file */
async function sql<T extends object>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: testStack().databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function storedCount(ids: string[]): Promise<number> {
  const [row] = await sql<{ n: string }>(
    `SELECT count(*) AS n FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[])`,
    [ids],
  );
  return Number(row.n);
}

const waitForStored = (ids: string[], timeoutMs?: number) =>
  eventually(
    `${ids.length} records stored`,
    async () => ((await storedCount(ids)) === ids.length ? true : undefined),
    timeoutMs,
  );

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (message: unknown) => void this.lines.push(String(message));
  warn = (message: unknown) => void this.lines.push(String(message));
  error = (message: unknown) => void this.lines.push(String(message));
  debug = () => undefined;
  verbose = () => undefined;
}

describe('SinkModule against the real broker and database', () => {
  const groupId = `sink-e2e-${randomUUID()}`;
  const logger = new CapturingLogger();
  let app: INestApplicationContext;
  let closed = false;
  let sink: RecordSink<VehicleTelemetryV1>;
  let kafka: Kafka;
  let producer: Producer;
  let letterConsumer: Consumer;
  let admin: Admin;
  const letters: DeadLetterV1[] = [];

  beforeAll(async () => {
    const stack = testStack();
    const config = loadConfig('consumer', {
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      DATABASE_URL: stack.databaseUrl,
      QUERY_API_KEYS: 'sink-query-key-2e7b9c41',
      KAFKA_CLIENT_ID: 'sink-e2e',
      CONSUMER_MAX_BATCH: '500',
    });
    @Module({
      imports: [
        ConfigModule.forRoot('consumer', config),
        KafkaModule,
        PersistenceModule,
        SinkModule.forRoot({ ...SINKS.vehicle, groupId }),
      ],
    })
    class SinkTestModule {}
    app = await NestFactory.createApplicationContext(SinkTestModule, { logger });
    sink = app.get(RecordSink);

    kafka = new Kafka({
      clientId: 'sink-e2e-client',
      brokers: stack.kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ idempotent: true });
    admin = kafka.admin();
    letterConsumer = kafka.consumer({ groupId: `${groupId}-letters`, maxWaitTimeInMs: 200 });
    await Promise.all([producer.connect(), admin.connect(), letterConsumer.connect()]);
    await letterConsumer.subscribe({ topic: TOPICS.deadLetter, fromBeginning: true });
    await letterConsumer.run({
      eachMessage: ({ message }) => {
        letters.push(JSON.parse(String(message.value)) as DeadLetterV1);
        return Promise.resolve();
      },
    });
    await sink.ready;
  });

  afterAll(async () => {
    if (process.env.E2E_VERBOSE) process.stdout.write(`[sink] ${logger.lines.join('\n[sink] ')}\n`);
    await Promise.all([producer?.disconnect(), letterConsumer?.disconnect(), admin?.disconnect()]);
    if (!closed) await app?.close();
  });

  it('stores each record once, with the partition and offset it was read from', async () => {
    const records = vehicleRecords(60);
    const sent = await producer.send({
      topic: TOPICS.vehicle,
      acks: -1,
      messages: records.map(asMessage),
    });

    await waitForStored(records.map((r) => r.eventId));

    const rows = await sql<Record<string, unknown>>(
      `SELECT event_id, source, vin, recorded_at, received_at, latitude, longitude, speed_kph, heading_deg, odometer_km, fuel_level_pct, engine_rpm,
              lv_battery_voltage_v, hv_battery_soc_pct, event, flags, attributes, kafka_partition, kafka_offset::text
         FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[]) ORDER BY seq`,
      [records.map((r) => r.eventId)],
    );
    const first = records[0];
    expect(rows.find((row) => row.event_id === first.eventId)).toEqual({
      event_id: first.eventId,
      source: 'mobway',
      vin: first.vin,
      recorded_at: new Date(first.recordedAt),
      received_at: new Date(first.receivedAt),
      latitude: -23.5505,
      longitude: -46.6333,
      speed_kph: 0,
      heading_deg: 181,
      odometer_km: 48211.4,
      fuel_level_pct: 57,
      engine_rpm: 2100,
      lv_battery_voltage_v: 13.9,
      hv_battery_soc_pct: null,
      event: 'ignition_on',
      flags: {},
      attributes: { tire_pressure_fl: 34 },
      kafka_partition: expect.any(Number),
      kafka_offset: expect.stringMatching(/^\d+$/),
    });
    const positions = new Set(
      rows.map((row) => `${String(row.kafka_partition)}:${String(row.kafka_offset)}`),
    );
    expect(positions.size).toBe(60);
    // the produce acknowledgement names each partition's first offset: rows must sit at or after it
    for (const row of rows) {
      const ack = sent.find((s) => s.partition === row.kafka_partition)!;
      expect(BigInt(row.kafka_offset as string) >= BigInt(ack.baseOffset!)).toBe(true);
    }
    // one VIN's records keep their order on one partition, and so in the ingestion sequence
    const oneVin = rows
      .filter((row) => row.vin === first.vin)
      .map((row) => (row.recorded_at as Date).getTime());
    expect(oneVin).toEqual([...oneVin].sort((a, b) => a - b));
  });

  it('makes no new row when the same records arrive again, in other batches or twice in one', async () => {
    const records = vehicleRecords(40);
    const ids = records.map((r) => r.eventId);
    await producer.send({ topic: TOPICS.vehicle, acks: -1, messages: records.map(asMessage) });
    await waitForStored(ids);
    const before = sink.status().duplicates;

    await producer.send({
      topic: TOPICS.vehicle,
      acks: -1,
      messages: [...records, ...records].map(asMessage),
    });
    await eventually('the redelivered records seen', () =>
      sink.status().duplicates - before >= 80 ? true : undefined,
    );

    expect(await storedCount(ids)).toBe(40);
  });

  it('dead-letters garbage bytes and a record that breaks the contract, with where they were read, and keeps going', async () => {
    const [good] = vehicleRecords(1);
    const bad = aVehicleRecord({ eventId: eventId(), vin: randomVin(), latitude: 123 });
    const garbage = Buffer.from([0x00, 0xff, 0x7b, 0x67, 0x61, 0x72, 0x62]);
    const [ack] = await producer.send({
      topic: TOPICS.vehicle,
      acks: -1,
      messages: [
        { partition: 1, key: 'garbage', value: garbage },
        { partition: 1, key: bad.vin, value: JSON.stringify(bad) },
        { partition: 1, key: good.vin, value: JSON.stringify(good) },
      ],
    });
    const garbageOffset = ack.baseOffset!;
    const badOffset = String(BigInt(garbageOffset) + 1n);

    await waitForStored([good.eventId]);
    const ours = await eventually('both dead letters', () => {
      const found = letters.filter(
        (l) =>
          l.topic === TOPICS.vehicle &&
          l.partition === 1 &&
          (l.offset === garbageOffset || l.offset === badOffset),
      );
      return found.length >= 2 ? found : undefined;
    });

    expect(ours.find((l) => l.offset === garbageOffset)).toEqual({
      schema: 'dead-letter/v1',
      stage: 'consume',
      source: null,
      reasons: ['message is not valid UTF-8'],
      occurredAt: expect.stringMatching(/Z$/),
      originalBase64: garbage.toString('base64'),
      topic: TOPICS.vehicle,
      partition: 1,
      offset: garbageOffset,
    });
    expect(ours.find((l) => l.offset === badOffset)).toMatchObject({
      stage: 'consume',
      source: 'mobway',
      entityId: bad.vin,
      reasons: ['latitude must not be greater than 90'],
      original: JSON.parse(JSON.stringify(bad)) as unknown,
      partition: 1,
      offset: badOffset,
    });
    expect(await storedCount([bad.eventId])).toBe(0);
  });

  it('dead-letters a record PostgreSQL refuses (a NUL character in jsonb) and stores its batch-mates', async () => {
    const records = vehicleRecords(20);
    records[7].attributes = { note: 'before\u0000after' };
    await producer.send({
      topic: TOPICS.vehicle,
      acks: -1,
      messages: records.map((r) => ({ ...asMessage(r), partition: 2 })),
    });

    const others = records.filter((_, i) => i !== 7).map((r) => r.eventId);
    await waitForStored(others);
    const letter = await eventually('the refused record dead-lettered', () =>
      letters.find(
        (l) => (l.original as VehicleTelemetryV1 | undefined)?.eventId === records[7].eventId,
      ),
    );

    expect(letter).toMatchObject({
      stage: 'consume',
      partition: 2,
      reasons: [expect.stringMatching(/^rejected by PostgreSQL: .*\(SQLSTATE 22P05\)$/)],
    });
    expect(await storedCount([records[7].eventId])).toBe(0);
  });

  it('waits while PostgreSQL is stopped mid-stream and then stores every record exactly once', async () => {
    const before = vehicleRecords(300);
    const during = vehicleRecords(1200);
    await producer.send({ topic: TOPICS.vehicle, acks: -1, messages: before.map(asMessage) });

    await controlStack('postgres', 'stop');
    try {
      for (let i = 0; i < during.length; i += 200) {
        await producer.send({
          topic: TOPICS.vehicle,
          acks: -1,
          messages: during.slice(i, i + 200).map(asMessage),
        });
        await new Promise((r) => setTimeout(r, 150));
      }
      const waiting = await eventually(
        'the sink waiting for PostgreSQL',
        () => sink.status().waitingFor,
        30_000,
      );
      expect(waiting.dependency).toBe('PostgreSQL');
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      await controlStack('postgres', 'start');
    }

    const ids = [...before, ...during].map((r) => r.eventId);
    await waitForStored(ids, 90_000);
    const [counts] = await sql<{ rows: string; distinct_ids: string }>(
      `SELECT count(*) AS rows, count(DISTINCT event_id) AS distinct_ids FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(counts).toEqual({ rows: '1500', distinct_ids: '1500' });
    expect(sink.status().waitingFor).toBeUndefined();
    expect(
      logger.lines.some((line) => /waiting for PostgreSQL \(.+\); not committed/.test(line)),
    ).toBe(true);
    expect(logger.lines.some((line) => /PostgreSQL answered after/.test(line))).toBe(true);
  }, 180_000);

  it('commits every stored offset before it leaves the group on shutdown', async () => {
    const records = vehicleRecords(100);
    await producer.send({ topic: TOPICS.vehicle, acks: -1, messages: records.map(asMessage) });
    await waitForStored(records.map((r) => r.eventId));

    await app.close();
    closed = true;

    const ends = await admin.fetchTopicOffsets(TOPICS.vehicle);
    const [{ partitions: committed }] = await admin.fetchOffsets({
      groupId,
      topics: [TOPICS.vehicle],
    });
    expect(Object.fromEntries(committed.map((p) => [p.partition, p.offset]))).toEqual(
      Object.fromEntries(ends.map((p) => [p.partition, p.high])),
    );
    expect(sink.status().state).toBe('stopped');
  });
});

describe('RecordBatchWriter against the real PostgreSQL', () => {
  let dataSource: DataSource;
  let sut: RecordBatchWriter;

  const locations = (n: number, deviceId = `e2e-${randomUUID()}`) =>
    Array.from({ length: n }, (_, i) => ({
      record: aLocationRecord({ eventId: eventId(), deviceId }),
      partition: 0,
      offset: String(i),
    }));

  beforeAll(async () => {
    dataSource = await createDataSource(testStack().databaseUrl, 10).initialize();
    sut = new RecordBatchWriter(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('reports how many rows were new: all the first time, none the second, once for a repeat inside a batch', async () => {
    const rows = locations(1000);

    expect(await sut.write(LOCATION_TABLE, rows)).toBe(1000);
    expect(await sut.write(LOCATION_TABLE, rows)).toBe(0);
    const [extra] = locations(1);
    expect(await sut.write(LOCATION_TABLE, [extra, { ...extra, offset: '9' }, rows[0]])).toBe(1);
  });

  it('stores awkward text and JSON exactly as given', async () => {
    const attributes = {
      note: 'say "hi" \\o/ {a, b}\n\ttab',
      emoji: '🚚',
      nested: { list: [1, null, 'NULL', ''] },
      quote: '"',
    };
    const [row] = locations(1);
    Object.assign(row.record, {
      attributes,
      source: 'acme.v2_x-1',
      deviceId: 'dev "7", {x} \\ NULL',
      speedKph: null,
      altitudeM: -0.5,
      batteryPct: 1e-7,
    });

    expect(await sut.write(LOCATION_TABLE, [row])).toBe(1);

    const [stored] = await sql<Record<string, unknown>>(
      `SELECT source, device_id, attributes, speed_kph, altitude_m, battery_pct, kafka_offset::text FROM device_location WHERE event_id = $1`,
      [row.record.eventId],
    );
    expect(stored).toEqual({
      source: 'acme.v2_x-1',
      device_id: 'dev "7", {x} \\ NULL',
      attributes,
      speed_kph: null,
      altitude_m: -0.5,
      battery_pct: 1e-7,
      kafka_offset: '0',
    });
  });

  it('stores through the binary COPY exactly what PostgreSQL makes of the same values as text', async () => {
    const vin = randomVin();
    const records = [
      aVehicleRecord({
        eventId: eventId().toUpperCase(),
        vin,
        recordedAt: '0001-01-01T00:00:00.000Z',
        receivedAt: '9999-12-31T23:59:59.999Z',
        latitude: -89.999999,
        longitude: 179.123456789,
      }),
      aVehicleRecord({
        eventId: eventId(),
        vin,
        recordedAt: '1969-07-20T20:17:40.001Z',
        receivedAt: '1999-12-31T23:59:59.999Z',
        odometerKm: 1e300,
        engineRpm: 0,
        lvBatteryVoltageV: -12.5,
      }),
      aVehicleRecord({
        eventId: eventId(),
        vin,
        recordedAt: '2000-01-01T00:00:00.000Z',
        receivedAt: '2024-02-29T12:34:56.789Z',
        speedKph: null,
        latitude: null,
        event: null,
      }),
      aVehicleRecord({
        eventId: eventId(),
        vin,
        event: 'ção 🚚\ttab\\N',
        flags: { s: { value: 512.5, flag: 'out of range "x"' } },
        attributes: { note: 'a\nb\\c', emoji: '🚚', n: -1.25e-7, list: [1, null, 'NULL'] },
      }),
    ];
    const rows = records.map((record, i) => ({
      record,
      partition: 3,
      offset: String(2 ** 53 + 2 * i),
    }));
    const columns = [
      ...VEHICLE_TABLE.columns.map((c) => c.column),
      'kafka_partition',
      'kafka_offset',
    ].join(', ');
    const twin = `sink_e2e_text_twin_${randomUUID().replace(/-/g, '')}`;
    await sql(`CREATE TABLE ${twin} (LIKE vehicle_telemetry INCLUDING ALL)`);
    try {
      // the encoder takes all of these (else the write would quietly be the INSERT)
      expect(binaryCopyPayload(VEHICLE_TABLE, rows)).toBeDefined();
      expect(await sut.write(VEHICLE_TABLE, rows)).toBe(records.length);
      // the same rows as text, parsed by PostgreSQL itself (the INSERT path's statement)
      await sql(
        insertStatementFor({ ...VEHICLE_TABLE, table: twin }),
        columnParameters(VEHICLE_TABLE, rows),
      );

      const ids = records.map((r) => r.eventId.toLowerCase());
      const differences = await sql(
        `(SELECT ${columns} FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[]) EXCEPT SELECT ${columns} FROM ${twin})
         UNION ALL (SELECT ${columns} FROM ${twin} EXCEPT SELECT ${columns} FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[]))`,
        [ids],
      );
      expect(differences).toEqual([]);
      const stored = await sql<Record<string, unknown>>(
        `SELECT event_id, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at, event, latitude, odometer_km, flags, attributes, kafka_offset::text
         FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[]) ORDER BY kafka_offset`,
        [ids],
      );
      expect(stored).toEqual(
        records.map((r, i) => ({
          event_id: ids[i],
          recorded_at: r.recordedAt,
          event: r.event,
          latitude: r.latitude,
          odometer_km: r.odometerKm,
          flags: r.flags,
          attributes: r.attributes,
          kafka_offset: rows[i].offset,
        })),
      );
    } finally {
      await sql(`DROP TABLE ${twin}`);
    }
  });

  it('hands out seq in commit order: concurrent batches each get one unbroken run of seq values', async () => {
    const batches = Array.from({ length: 8 }, () => locations(400));

    await Promise.all(batches.map((rows) => sut.write(LOCATION_TABLE, rows)));

    for (const rows of batches) {
      const [range] = await sql<{ lo: string; hi: string; n: string }>(
        `SELECT min(seq) AS lo, max(seq) AS hi, count(*) AS n FROM device_location WHERE event_id = ANY($1::uuid[])`,
        [rows.map((r) => r.record.eventId)],
      );
      expect(Number(range.hi) - Number(range.lo) + 1).toBe(400);
      expect(Number(range.n)).toBe(400);
    }
  });

  it('raises a rejected-data error, and keeps working, when PostgreSQL refuses a value', async () => {
    const [bad] = locations(1);
    bad.record.attributes = { note: '\u0000' };

    const error = await sut.write(LOCATION_TABLE, [bad]).catch((e: unknown) => e);

    expect(isRejectedData(error)).toBe(true);
    expect(await sut.write(LOCATION_TABLE, locations(3))).toBe(3);
  });
});
