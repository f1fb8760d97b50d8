import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, SASLOptions } from 'kafkajs';
import { TOPICS, VehicleTelemetryV1 } from '@app/contracts';
import { aVehicleRecord } from '@app/contracts/testing';
import { provisionAcls, provisionTopics } from '@app/kafka';
import { readToEnd } from '@app/kafka/read-to-end';
import { KafkaBroker } from '@app/local-stack/kafka-broker';
import { sign } from '@app/verification';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { ownDatabase } from './support/own-database';
import { RunningApp, TEST_QUERY_KEY } from './support/running-app';
import { PORT_BASE, ROOT } from './support/test-env';
import { eventually } from './support/eventually';

const MOBWAY = `kafka-auth-mobway-${randomBytes(16).toString('hex')}`;
const credentials = (username: string) => ({
  username,
  password: `${username}-${randomBytes(12).toString('hex')}`,
});
const ADMIN = credentials('admin');
const GATEWAY = credentials('gateway');
const VEHICLES = credentials('vehicle-consumer');
const CONSOLE = credentials('console');
const SUBSCRIBER = credentials('analytics');

/**
 * The apps against a broker that authenticates (SASL) and authorizes (ACLs) as compose runs it:
 * each app with its own principal, the ACLs the provision script grants, and strangers refused.
 */
describe('Kafka with SASL and ACLs', () => {
  const dataDir = join(ROOT, '.data', `kafka-auth-${PORT_BASE}`);
  const broker = new KafkaBroker({
    dataDir,
    port: PORT_BASE + 6,
    controllerPort: PORT_BASE + 7,
    heap: '256m',
    sasl: { admin: ADMIN, users: [GATEWAY, VEHICLES, CONSOLE, SUBSCRIBER] },
    log: (line) => process.env.E2E_VERBOSE && process.stdout.write(`[kafka-auth] ${line}\n`),
  });
  const client = (sasl?: SASLOptions) =>
    new Kafka({
      clientId: 'kafka-auth-e2e',
      brokers: [broker.bootstrap],
      sasl,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 1, initialRetryTime: 100 },
    });
  const as = (
    mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain',
    user: { username: string; password: string },
  ): SASLOptions => ({ mechanism, ...user });
  let gateway: RunningApp;
  let vehicles: RunningApp;
  let console_: RunningApp;

  /** the vehicle topic's end offsets, summed: what anyone managed to write to it */
  const vehicleTopicEnd = async (): Promise<bigint> => {
    const admin = client(broker.adminSasl).admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(TOPICS.vehicle)).reduce(
        (sum, p) => sum + BigInt(p.high),
        0n,
      );
    } finally {
      await admin.disconnect();
    }
  };

  /** a plain producer's attempt to write one record; resolves with the error it was refused with */
  const produceRefusal = async (
    sasl: SASLOptions | undefined,
    topic: string = TOPICS.vehicle,
  ): Promise<Error | undefined> => {
    const producer = client(sasl).producer({ allowAutoTopicCreation: false });
    try {
      await producer.connect();
      await producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key: 'intruder',
            value: JSON.stringify({ schema: 'vehicle-telemetry/v1', vin: 'INTRUDER' }),
          },
        ],
      });
      return undefined;
    } catch (error) {
      return error as Error;
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  };

  beforeAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await broker.start();
    const admin = client(broker.adminSasl).admin();
    await admin.connect();
    try {
      await provisionTopics(admin, { partitions: 2, replicationFactor: 1 });
      await provisionAcls(admin, [
        { role: 'gateway', user: GATEWAY.username },
        { role: 'vehicle-consumer', user: VEHICLES.username },
        { role: 'console', user: CONSOLE.username },
        { role: 'subscriber', user: SUBSCRIBER.username },
      ]);
    } finally {
      await admin.disconnect();
    }
    // a database of its own: the ledger keeps Kafka offsets in PostgreSQL, and on this second
    // cluster it would count the suite's whole archive again from 0 (test/replaced-log.e2e-spec.ts)
    const databaseUrl = await ownDatabase('kafka_auth');
    const kafka = (mechanism: string, user: { username: string; password: string }) => ({
      KAFKA_BROKERS: broker.bootstrap,
      DATABASE_URL: databaseUrl,
      KAFKA_SASL_MECHANISM: mechanism,
      KAFKA_SASL_USERNAME: user.username,
      KAFKA_SASL_PASSWORD: user.password,
    });
    [gateway, vehicles, console_] = await Promise.all([
      RunningApp.start('ingest-gateway', {
        ...kafka('scram-sha-512', GATEWAY),
        MOBWAY_SIGN_SECRET: MOBWAY,
      }),
      RunningApp.start('vehicle-consumer', kafka('scram-sha-256', VEHICLES)),
      RunningApp.start('console', kafka('scram-sha-512', CONSOLE)),
    ]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([gateway, vehicles, console_].filter(Boolean).map((app) => app.stop()));
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores a signed webhook: the gateway and the consumer each with its own principal', async () => {
    const ledgerTotals = async () =>
      (
        (await (
          await fetch(`${vehicles.url}/v1/completeness?source=mobway`, {
            headers: { authorization: `Bearer ${TEST_QUERY_KEY}` },
          })
        ).json()) as { totals: { requests: number; accepted: number; published: number } }
      ).totals;
    const before = await ledgerTotals();
    const vin = randomVin();
    const body = mobwayPayload([mobwayReading(vin, { date_time: '2025-03-01 10:00:00' })]);
    const res = await fetch(`${gateway.url}/webhooks/mobway`, {
      method: 'POST',
      body,
      headers: sign('mobway', MOBWAY, body),
    });
    expect(await res.json()).toEqual({ status: 'success', accepted: 1, deadLettered: 0 });

    const page = await eventually(
      async () =>
        (await (
          await fetch(`${vehicles.url}/v1/vehicles/${vin}/latest`, {
            headers: { authorization: `Bearer ${TEST_QUERY_KEY}` },
          })
        ).json()) as Partial<VehicleTelemetryV1>,
      (record) => record.vin === vin,
    );
    expect(page).toMatchObject({ vin, recordedAt: '2025-03-01T13:00:00.000Z', source: 'mobway' });
    // the consumer's principal also reads the raw archive, in its ledger group (other suites'
    // mobway traffic may share the database: the difference is this request's)
    const after = await eventually(
      ledgerTotals,
      (totals) => totals.requests > before.requests && totals.published > before.published,
    );
    expect({
      requests: after.requests - before.requests,
      accepted: after.accepted - before.accepted,
      published: after.published - before.published,
    }).toEqual({ requests: 1, accepted: 1, published: 1 });
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
  });

  it("lets the console read the dead letters and re-drive a consumer's into the record topic, as its own principal", async () => {
    const auth = { authorization: `Bearer ${TEST_QUERY_KEY}` };
    const vin = randomVin();
    // a record the vehicle consumer refuses (the admin writes it): a consume-stage dead letter
    const record = aVehicleRecord({ vin, latitude: 123 });
    const producer = client(broker.adminSasl).producer();
    await producer.connect();
    await producer.send({
      topic: TOPICS.vehicle,
      messages: [
        {
          key: vin,
          value: JSON.stringify(record),
          headers: { schema: record.schema, 'event-id': record.eventId },
        },
      ],
    });
    await producer.disconnect();
    const list = await eventually(
      async () =>
        (await (
          await fetch(`${console_.url}/v1/dead-letters?entity_id=${vin}&stage=consume`, {
            headers: auth,
          })
        ).json()) as { items?: { id: string }[] },
      (page) => (page.items?.length ?? 0) >= 1,
      // two consumers in turn (the vehicle consumer's dead letter, then the console's store), each
      // joining its group over SASL: on a busy machine that took longer than 30 s
      90_000,
    );
    expect(list.items).toHaveLength(1);
    const res = await fetch(`${console_.url}/v1/dead-letters/redrive`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [list.items![0].id] }),
    });
    const { results } = (await res.json()) as { results: { status: string; outcome: string }[] };
    expect(results).toEqual([
      {
        id: list.items![0].id,
        status: 'done',
        outcome: expect.stringMatching(/^republished to telemetry\.vehicle\.v1 /) as unknown,
      },
    ]);
    // the raw archive is the gateway's alone: the console reads it (replays) but may not write it
    expect((await produceRefusal(as('scram-sha-512', CONSOLE), TOPICS.raw))?.message).toMatch(
      /Not authorized to access topics/,
    );
  });

  it('lets the read-only subscriber read the records (PLAIN), in a group named after it', async () => {
    const read = await readToEnd(
      client(as('plain', SUBSCRIBER)),
      TOPICS.vehicle,
      `${SUBSCRIBER.username}-e2e`,
      30_000,
    );
    expect(read.length).toBeGreaterThan(0);
    expect(
      read.every(({ message }) => message.headers?.schema?.toString() === 'vehicle-telemetry/v1'),
    ).toBe(true);
  });

  it('refuses a producer without credentials, with a wrong password, or with another principal, and stores nothing of theirs', async () => {
    const before = await vehicleTopicEnd();

    const anonymous = await produceRefusal(undefined);
    // the broker reads a SASL handshake first and hangs up on anything else: not a refused port or a timeout
    expect(anonymous?.message).toMatch(/^Closed connection$/);
    const wrongPassword = await produceRefusal(
      as('scram-sha-512', { username: GATEWAY.username, password: `${GATEWAY.password}x` }),
    );
    expect(wrongPassword?.name).toBe('KafkaJSSASLAuthenticationError');
    // authenticated, but not allowed to write there
    for (const sasl of [as('plain', SUBSCRIBER), as('scram-sha-256', VEHICLES)]) {
      expect((await produceRefusal(sasl))?.message).toMatch(/Not authorized to access topics/);
    }
    // the consumer may write dead letters only, the subscriber nothing at all
    expect(await produceRefusal(as('scram-sha-256', VEHICLES), TOPICS.deadLetter)).toBeUndefined();
    expect((await produceRefusal(as('plain', SUBSCRIBER), TOPICS.deadLetter))?.message).toMatch(
      /Not authorized to access topics/,
    );

    expect(await vehicleTopicEnd()).toBe(before);
  });

  it('does not let the gateway principal read what it produces', async () => {
    // kafkajs reports only "Failed to find group coordinator"; the broker's answer is in its debug log
    const answers: string[] = [];
    const kafka = new Kafka({
      clientId: 'kafka-auth-e2e',
      brokers: [broker.bootstrap],
      sasl: as('scram-sha-512', GATEWAY),
      logLevel: logLevel.DEBUG,
      logCreator:
        () =>
        ({ log }) => {
          const error = (log as { error?: { type?: string; message?: string } | string }).error;
          if (error)
            answers.push(
              `${log.message}: ${typeof error === 'string' ? error : `${error.type} ${error.message}`}`,
            );
        },
    });
    const consumer = kafka.consumer({
      groupId: `${GATEWAY.username}-reader`,
      retry: { retries: 0, restartOnFailure: () => Promise.resolve(false) },
    });
    try {
      const refused = new Promise<Error>((resolve) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => resolve(payload.error));
        setTimeout(() => resolve(new Error('not refused within 20 s')), 20_000).unref();
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [TOPICS.vehicle], fromBeginning: true });
      const error = await consumer.run({ eachMessage: () => Promise.resolve() }).then(
        () => refused,
        (e: Error) => e,
      );
      expect(error.message).toBe('Failed to find group coordinator');
      expect(answers.join('\n')).toMatch(
        /Tried to find group coordinator: .*Not authorized to access group/,
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  });
});
