import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS } from '@app/contracts';
import { LEDGERS } from '@app/ledger';
import { sign } from '@app/verification';
import { eventually } from './support/eventually';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { ownDatabase } from './support/own-database';
import { RunningApp, TEST_QUERY_KEY, testStack } from './support/running-app';

const SOURCE = `relog-${randomUUID().slice(0, 8)}`;
const SECRET = `whsec_${Buffer.from('e2e-replaced-log-standard-webhooks-key').toString('base64')}`;
const SINK_GROUP = 'vehicle-consumer';

/**
 * The ledger keeps Kafka offsets in PostgreSQL. Here the database remembers offsets counted on
 * another cluster (a wiped Kafka, a move), most of them past where this broker's logs end: the
 * consumer app must count the broker's logs from their start rather than skip them up to the old
 * offsets. And the dead-letter store knows a letter by position and content, so a new log's letter
 * at a used position is kept.
 */
describe('offsets of a log that is gone: the ledger counts its replacement', () => {
  let gateway: RunningApp;
  let vehicles: RunningApp;
  let db: Client;
  let clusterId: string;
  const kafka = new Kafka({
    clientId: 'replaced-log-e2e',
    brokers: testStack().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });

  beforeAll(async () => {
    // a database of its own: counting the whole archive again must not touch the suite's ledger
    const databaseUrl = await ownDatabase('replaced_log');
    db = new Client({ connectionString: databaseUrl });
    await db.connect();

    const admin = kafka.admin();
    await admin.connect();
    try {
      clusterId = (await admin.describeCluster()).clusterId;
      for (const [consumer, topic] of [
        [LEDGERS.vehicle.rawGroup, TOPICS.raw],
        [SINK_GROUP, TOPICS.vehicle],
      ]) {
        for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
          // counted on another cluster: partition 0 of the archive up to where this log ends now,
          // every other far past it (a longer log than this one)
          const far = !(topic === TOPICS.raw && partition === 0);
          await db.query(
            `INSERT INTO ledger_offsets (consumer, topic, partition, next_offset, cluster_id) VALUES ($1, $2, $3, $4, 'another-cluster')`,
            [consumer, topic, partition, far ? (BigInt(high) + 1_000_000n).toString() : high],
          );
        }
      }
      // on this cluster, a little past the end the broker reports: what a leader elected a moment
      // ago can report (its high watermark behind what consumers read), not a new log
      await db.query(
        `INSERT INTO ledger_offsets (consumer, topic, partition, next_offset, cluster_id) VALUES ('other-ledger', $1, 0, 1000000000, $2)`,
        [TOPICS.raw, clusterId],
      );
    } finally {
      await admin.disconnect();
    }

    [gateway, vehicles] = await Promise.all([
      RunningApp.start('ingest-gateway', {
        WEBHOOK_SOURCES: JSON.stringify([
          { name: SOURCE, scheme: 'standard-webhooks', secrets: [SECRET], normalizer: 'mobway' },
        ]),
      }),
      RunningApp.start('vehicle-consumer', {
        DATABASE_URL: databaseUrl,
        COMPLETENESS_DELAY_SECONDS: '1',
        COMPLETENESS_REFRESH_SECONDS: '1',
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([gateway, vehicles].filter(Boolean).map((app) => app.stop()));
    await db?.end();
  });

  it('forgets the old offsets, says so, and counts every request and record of the new log', async () => {
    const requests = 5;
    for (let i = 0; i < requests; i++) {
      const body = mobwayPayload([mobwayReading(randomVin()), mobwayReading(randomVin())]);
      const res = await fetch(`${gateway.url}/webhooks/${SOURCE}`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          ...sign('standard-webhooks', SECRET, body, { id: `msg_${randomUUID()}` }),
        },
      });
      expect(res.status).toBe(200);
    }
    const window = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    const totals = async (): Promise<Record<string, number>> => {
      const res = await fetch(`${vehicles.url}/v1/completeness?source=${SOURCE}&${window}`, {
        headers: { authorization: `Bearer ${TEST_QUERY_KEY}` },
      });
      return ((await res.json()) as { totals: Record<string, number> }).totals;
    };
    const counted = await eventually(
      totals,
      (t) => t?.requests === requests && t.published === 2 * requests && t.stored === 2 * requests,
      60_000,
    );
    expect(counted).toMatchObject({
      requests,
      readings: 2 * requests,
      accepted: 2 * requests,
      published: 2 * requests,
      stored: 2 * requests,
      missing: 0,
    });

    const log = vehicles.output.join('\n');
    expect(log).toMatch(
      new RegExp(
        `${LEDGERS.vehicle.rawGroup} had counted ${TOPICS.raw.replace(/\./g, '\\.')}\\[0\\] up to offset \\d+ on Kafka cluster another-cluster; this is cluster ${clusterId}`,
      ),
    );
    const { rows } = await db.query<{ cluster_id: string | null }>(
      `SELECT DISTINCT cluster_id FROM ledger_offsets`,
    );
    expect(rows).toEqual([{ cluster_id: clusterId }]);
    const kept = await db.query<{ next_offset: string }>(
      `SELECT next_offset::text FROM ledger_offsets WHERE consumer = 'other-ledger'`,
    );
    expect(kept.rows).toEqual([{ next_offset: '1000000000' }]);
  });

  it('keeps a new letter at a position an old log’s letter held, and a redelivery once', async () => {
    const insert = (letter: string) =>
      db.query(
        `INSERT INTO dead_letters (kafka_partition, kafka_offset, reasons, reason_class, occurred_at, received_at, letter) ` +
          `VALUES (0, 7, '{x}', 'other', now(), now(), $1) ON CONFLICT (kafka_partition, kafka_offset, md5(letter)) DO NOTHING`,
        [letter],
      );
    await insert('{"old":"log"}');
    await insert('{"new":"log"}');
    await insert('{"new":"log"}');
    const { rows } = await db.query<{ letter: string }>(
      `SELECT letter FROM dead_letters WHERE kafka_partition = 0 AND kafka_offset = 7 ORDER BY id`,
    );
    expect(rows.map((r) => r.letter)).toEqual(['{"old":"log"}', '{"new":"log"}']);
  });
});
