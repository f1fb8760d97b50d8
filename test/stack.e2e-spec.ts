import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS } from '@app/contracts';
import { RunningApp, testStack } from './support/running-app';

describe('the local stack', () => {
  const apps: RunningApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
  });

  it.each(['ingest-gateway', 'vehicle-consumer', 'location-consumer', 'console'] as const)(
    '%s starts against the real broker and database and reports healthy',
    async (name) => {
      const app = await RunningApp.start(name);
      apps.push(app);
      const res = await fetch(`${app.url}/health`);
      const body = (await res.json()) as { details: Record<string, unknown> };
      expect(res.status).toBe(200);
      expect(body.details.kafka).toMatchObject({ status: 'up', brokers: 1 });
      if (name === 'ingest-gateway') expect(body.details.postgres).toBeUndefined();
      else expect(body.details.postgres).toEqual({ status: 'up' });
    },
  );

  it('provisions the four topics on a broker any client can talk to', async () => {
    const admin = new Kafka({
      clientId: 'e2e-admin',
      brokers: testStack().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    const metadata = await admin.fetchTopicMetadata({ topics: Object.values(TOPICS) });
    await admin.disconnect();
    expect(topics).toEqual(expect.arrayContaining(Object.values(TOPICS)));
    expect(metadata.topics.map((t) => t.partitions.length)).toEqual([3, 3, 3, 3]);
  });

  it('delivers a message produced by one client to a consumer in another', async () => {
    const brokers = testStack().kafkaBrokers;
    const marker = randomUUID();
    const producer = new Kafka({
      clientId: 'e2e-producer',
      brokers,
      logLevel: logLevel.NOTHING,
    }).producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: TOPICS.raw, acks: -1, messages: [{ key: 'e2e', value: marker }] });
    await producer.disconnect();

    const consumer = new Kafka({
      clientId: 'e2e-consumer',
      brokers,
      logLevel: logLevel.NOTHING,
    }).consumer({ groupId: `e2e-${marker}` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.raw, fromBeginning: true });
    const received = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('message not received within 30 s')), 30_000);
      void consumer.run({
        eachMessage: ({ message }) => {
          if (message.value?.toString() === marker) {
            clearTimeout(timer);
            resolve(message.value.toString());
          }
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(received).toBe(marker);
  });

  it('has the schema applied by migrations in the real PostgreSQL', async () => {
    const client = new Client({ connectionString: testStack().databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ name: string }>(
      `SELECT name FROM schema_migrations ORDER BY id`,
    );
    const tables = await client.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    );
    await client.end();
    expect(rows.length).toBeGreaterThan(0);
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining(['vehicle_telemetry', 'device_location', 'dead_letters']),
    );
  });
});
