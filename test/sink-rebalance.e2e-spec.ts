import { randomUUID } from 'node:crypto';
import { INestApplicationContext, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Admin, Kafka, logLevel, Producer } from 'kafkajs';
import { Client } from 'pg';
import { ConfigModule, loadConfig } from '@app/config';
import { TOPICS, VehicleTelemetryV1 } from '@app/contracts';
import { aVehicleRecord } from '@app/contracts/testing';
import { KafkaModule } from '@app/kafka';
import { uuidV5 } from '@app/normalization/event-id';
import { PersistenceModule } from '@app/persistence';
import { RecordSink, SinkModule, SINKS } from '@app/sink';
import { testStack } from './support/running-app';

const TEST_NAMESPACE = '7c1e4a52-93d0-4f5e-a0b8-2d6f1e3c4b5a';
const VIN_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const randomVin = (): string =>
  Array.from(
    { length: 17 },
    () => VIN_ALPHABET[Math.floor(Math.random() * VIN_ALPHABET.length)],
  ).join('');

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function sql<T extends object>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: testStack().databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** keeps the sinks' "joined <group>, partitions [...]" lines (Nest's logger is process-wide: both members' lines) */
class JoinLog implements LoggerService {
  readonly joins: string[] = [];
  log = (message: unknown) =>
    void (String(message).includes(': joined ') && this.joins.push(String(message)));
  warn = () => undefined;
  error = () => undefined;
}

/** one member of the group: a consumer app of its own, as a second process would be */
async function aMember(groupId: string, logger: JoinLog): Promise<INestApplicationContext> {
  const stack = testStack();
  const config = loadConfig('consumer', {
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    DATABASE_URL: stack.databaseUrl,
    QUERY_API_KEYS: 'sink-query-key-2e7b9c41',
    KAFKA_CLIENT_ID: `sink-rebalance-${randomUUID()}`,
    CONSUMER_MAX_BATCH: '200',
  });
  @Module({
    imports: [
      ConfigModule.forRoot('consumer', config),
      KafkaModule,
      PersistenceModule,
      SinkModule.forRoot({ ...SINKS.vehicle, groupId }),
    ],
  })
  class MemberModule {}
  const app = await NestFactory.createApplicationContext(MemberModule, { logger });
  await app.get<RecordSink<VehicleTelemetryV1>>(RecordSink).ready;
  return app;
}

describe('RecordSink members of one group while partitions move between them', () => {
  const groupId = `sink-rebalance-e2e-${randomUUID()}`;
  let kafka: Kafka;
  let producer: Producer;
  let admin: Admin;
  const members: INestApplicationContext[] = [];

  beforeAll(async () => {
    kafka = new Kafka({
      clientId: 'sink-rebalance-e2e',
      brokers: testStack().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ idempotent: true });
    admin = kafka.admin();
    await Promise.all([producer.connect(), admin.connect()]);
    // the group starts at the topic's end: what other tests sent is not this test's
    const ends = await admin.fetchTopicOffsets(TOPICS.vehicle);
    await admin.setOffsets({
      groupId,
      topic: TOPICS.vehicle,
      partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
    });
  });

  afterAll(async () => {
    for (const member of members) await member.close().catch(() => undefined);
    await Promise.all([producer?.disconnect(), admin?.disconnect()]);
  });

  it('stores every record once, in offset order within a partition, and commits to the end while a second member joins and leaves', async () => {
    const vins = Array.from({ length: 40 }, randomVin);
    const start = Date.parse('2025-04-01T00:00:00.000Z');
    const records = Array.from({ length: 12_000 }, (_, i) =>
      aVehicleRecord({
        eventId: uuidV5(randomUUID(), TEST_NAMESPACE),
        vin: vins[i % vins.length],
        recordedAt: new Date(start + i * 1000).toISOString(),
      }),
    );
    const send = (slice: VehicleTelemetryV1[]) =>
      producer.send({
        topic: TOPICS.vehicle,
        acks: -1,
        messages: slice.map((r) => ({ key: r.vin, value: JSON.stringify(r) })),
      });

    const log = new JoinLog();
    members.push(await aMember(groupId, log));
    await send(records.slice(0, 4000));
    // joins while the first member has chunks queued: the partitions it gives up must not be committed by it afterwards
    const second = aMember(groupId, log);
    await send(records.slice(4000, 8000));
    members.push(await second);
    await send(records.slice(8000, 10_000));
    await members.pop()!.close();
    await send(records.slice(10_000));

    const ids = records.map((r) => r.eventId);
    const rows = await eventually('every record stored', async () => {
      const found = await sql<{ kafka_partition: number; kafka_offset: string }>(
        'SELECT kafka_partition, kafka_offset FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[]) ORDER BY seq',
        [ids],
      );
      return found.length === ids.length ? found : undefined;
    });
    // one row per record (event_id is unique), and a partition's rows got seq in offset order
    const last = new Map<number, bigint>();
    for (const { kafka_partition: partition, kafka_offset: offset } of rows) {
      expect(BigInt(offset)).toBeGreaterThan(last.get(partition) ?? -1n);
      last.set(partition, BigInt(offset));
    }
    // the partitions did move: the first member joined three times, the second once, and they shared them
    const ends = await admin.fetchTopicOffsets(TOPICS.vehicle);
    const shares = log.joins.map(
      (line) =>
        line
          .slice(line.lastIndexOf('[') + 1, -1)
          .split(',')
          .filter(Boolean).length,
    );
    expect(shares.length).toBeGreaterThanOrEqual(4);
    expect(shares.some((share) => share > 0 && share < ends.length)).toBe(true);
    await eventually('offsets committed to the end', async () => {
      const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [TOPICS.vehicle] });
      return partitions.every(
        (p) => p.offset === ends.find((e) => e.partition === p.partition)!.high,
      )
        ? true
        : undefined;
    });
  });
});
