import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel, Producer } from 'kafkajs';
import { loadConfig } from '@app/config';
import { TOPICS } from '@app/contracts';
import { createProducer } from '@app/kafka/acknowledged-producer';
import { readToEnd } from '@app/kafka/read-to-end';
import { LocalStack } from '@app/local-stack/local-stack';
import { sign } from '@app/verification';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { RunningApp, testStack } from './support/running-app';
import { PORT_BASE, ROOT } from './support/test-env';

const MOBWAY = `kafka-cluster-mobway-${randomBytes(16).toString('hex')}`;
const BROKERS = 3;
const SENDERS = 4;
const BEFORE_KILL_MS = 4_000;
const AFTER_KILL_MS = 30_000;

interface Attempt {
  /** when it was sent and when its answer (or failure) came */
  at: number;
  done: number;
  status: number;
  vins: string[];
}

/**
 * LOCAL_KAFKA_BROKERS=3: the launcher's three KRaft nodes (each broker and controller) from the
 * same jars, the topics with three copies and min.insync.replicas 2, and a broker SIGKILLed while
 * the gateway takes signed traffic: every request it answered 200 is on the topic, and how long it
 * answered otherwise is measured.
 */
describe(`a local Kafka cluster of ${BROKERS} brokers`, () => {
  const dataDir = join(ROOT, '.data', `kafka-cluster-${PORT_BASE}`);
  let stack: LocalStack;
  let kafka: Kafka;
  let gateway: RunningApp;

  beforeAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    const config = loadConfig('launcher', {
      LOCAL_DATA_DIR: dataDir,
      LOCAL_KAFKA_BROKERS: String(BROKERS),
      LOCAL_KAFKA_PORT: String(PORT_BASE + 50),
      LOCAL_KAFKA_HEAP: '256m',
      KAFKA_TOPIC_PARTITIONS: '6',
      // the suite's PostgreSQL: this stack starts none (the gateway needs no database)
      DATABASE_URL: testStack().databaseUrl,
    });
    stack = new LocalStack(config, (component, line) => {
      if (process.env.E2E_VERBOSE) process.stdout.write(`[${component}] ${line}\n`);
    });
    const { kafkaBrokers } = await stack.start();
    kafka = new Kafka({
      clientId: 'kafka-cluster-e2e',
      brokers: kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    gateway = await RunningApp.start('ingest-gateway', {
      KAFKA_BROKERS: kafkaBrokers.join(','),
      MOBWAY_SIGN_SECRET: MOBWAY,
    });
  }, 300_000);

  afterAll(async () => {
    await gateway?.stop();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('runs three nodes on consecutive ports; the topics keep three copies, two in sync for acks=all', async () => {
    expect(stack.kafkaNodes.map((node) => [node.name, node.port, node.controllerPort])).toEqual([
      ['kafka-1', PORT_BASE + 50, PORT_BASE + 53],
      ['kafka-2', PORT_BASE + 51, PORT_BASE + 54],
      ['kafka-3', PORT_BASE + 52, PORT_BASE + 55],
    ]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers).toHaveLength(BROKERS);
      const topics = Object.values(TOPICS);
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      for (const topic of metadata)
        for (const partition of topic.partitions) expect(partition.replicas).toHaveLength(3);
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['min.insync.replicas'],
        })),
      });
      expect(resources.map((r) => r.configEntries[0].configValue)).toEqual(topics.map(() => '2'));
      // the group offsets the consumers commit are as safe as the records
      const { resources: broker } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.BROKER,
            name: '1',
            configNames: ['offsets.topic.replication.factor'],
          },
        ],
      });
      expect(broker[0].configEntries[0].configValue).toBe('3');
    } finally {
      await admin.disconnect();
    }
  });

  it('loses no acknowledged reading when a broker is killed under load, and says how long requests failed', async () => {
    const attempts: Attempt[] = [];
    let sending = true;
    const sender = async (): Promise<void> => {
      while (sending) {
        const vins = [randomVin(), randomVin()];
        const body = mobwayPayload(vins.map((vin) => mobwayReading(vin)));
        const at = Date.now();
        let status: number;
        try {
          const res = await fetch(`${gateway.url}/webhooks/mobway`, {
            method: 'POST',
            body,
            headers: sign('mobway', MOBWAY, body),
            signal: AbortSignal.timeout(15_000),
          });
          status = res.status;
          await res.arrayBuffer();
        } catch {
          status = 0;
        }
        attempts.push({ at, done: Date.now(), status, vins });
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
    };
    const senders = Array.from({ length: SENDERS }, () => sender());
    await new Promise((r) => setTimeout(r, BEFORE_KILL_MS));

    // the node that leads partition 0 of the vehicle topic: its loss moves leadership for certain
    const admin = kafka.admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [TOPICS.vehicle] });
    await admin.disconnect();
    const leader = topics[0].partitions.find((p) => p.partitionId === 0)!.leader;
    const victim = stack.kafkaNodes.find((node) => node.nodeId === leader)!;
    const killedAt = Date.now();
    victim.kill();
    await victim.whenExited();
    await new Promise((r) => setTimeout(r, AFTER_KILL_MS));
    sending = false;
    await Promise.all(senders);

    const acknowledged = attempts.filter((a) => a.status === 200);
    // a request in flight at the kill may fail with it: what counts is when its answer came
    const failed = attempts.filter((a) => a.status !== 200 && a.done >= killedAt);
    const failedBefore = attempts.filter((a) => a.status !== 200 && a.done < killedAt);
    const lastFailure = failed.length ? Math.max(...failed.map((a) => a.done)) : killedAt;
    const report = {
      killed: victim.name,
      requests: attempts.length,
      acknowledged: acknowledged.length,
      failedAfterKill: failed.length,
      statuses: [...new Set(failed.map((a) => a.status))],
      unavailableSeconds: Number(((lastFailure - killedAt) / 1000).toFixed(1)),
    };
    console.log(`broker loss under load: ${JSON.stringify(report)}`);
    expect(failedBefore).toEqual([]);
    // the two brokers left carry on: requests after the leadership moved are acknowledged again
    expect(acknowledged.filter((a) => a.at > lastFailure).length).toBeGreaterThan(10);
    // only 503s (retry later) while it moved: never a 5xx that means "lost", never a hang past the timeout
    expect(report.statuses.every((s) => s === 503)).toBe(true);
    expect(report.unavailableSeconds).toBeLessThan(25);

    // every reading of every acknowledged request is on the topic, read from the two brokers left
    const stored = new Set(
      (await readToEnd(kafka, TOPICS.vehicle, 'kafka-cluster-audit', 60_000)).map(({ message }) =>
        message.key!.toString(),
      ),
    );
    const lost = acknowledged.flatMap((a) => a.vins).filter((vin) => !stored.has(vin));
    expect(lost).toEqual([]);
  }, 180_000);

  it("sends every partition of a request whose partition's leader moved to a broker that had answered for another (kafkajs 2.2.4 resolves without it)", async () => {
    const admin = kafka.admin();
    await admin.connect();
    // after the kill above: two of the nodes are left
    const [first, second] = (await admin.describeCluster()).brokers
      .map((broker) => broker.nodeId)
      .sort((a, b) => a - b);
    /** waits until the topic's partitions are led by `leaders` (metadata may fail meanwhile) */
    const ledBy = async (topic: string, leaders: number[]): Promise<void> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const partitions = await admin
          .fetchTopicMetadata({ topics: [topic] })
          .then(({ topics }) => topics[0].partitions)
          .catch(() => []);
        const now = partitions
          .sort((a, b) => a.partitionId - b.partitionId)
          .map((p) => (p.replicas.length === 1 ? p.leader : -1));
        if (now.join() === leaders.join()) return;
        if (Date.now() > deadline)
          throw new Error(`${topic}: partitions led by [${now.join()}], not [${leaders.join()}]`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    /**
     * Partition 0 led by the first node, 1 by the second; a message to each; then partition 1
     * moved to the first node, and a message to each again. The producer's metadata still names
     * the second node: it refuses partition 1 (not its leader any more), kafkajs learns the new
     * leader and, since the first node answered already, sends partition 1 nowhere. How many
     * messages each partition holds at the end.
     */
    const afterLeaderMove = async (producer: Producer): Promise<number[]> => {
      const topic = `leader-move-${randomBytes(6).toString('hex')}`;
      await admin.createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic,
            replicaAssignment: [
              { partition: 0, replicas: [first] },
              { partition: 1, replicas: [second] },
            ],
            configEntries: [{ name: 'min.insync.replicas', value: '1' }],
          },
        ],
      });
      const both = (value: string) => [
        { partition: 0, value },
        { partition: 1, value },
      ];
      await ledBy(topic, [first, second]);
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: both('before the move') });
        await admin.alterPartitionReassignments({
          topics: [{ topic, partitionAssignment: [{ partition: 1, replicas: [first] }] }],
        });
        await ledBy(topic, [first, first]);
        await producer.send({ topic, acks: -1, messages: both('after the move') });
      } finally {
        await producer.disconnect();
      }
      // the admin client's metadata may still name the old leader: it learns on a refusal
      for (let attempt = 1; ; attempt++) {
        try {
          const offsets = await admin.fetchTopicOffsets(topic);
          return offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high));
        } catch (error) {
          if (attempt === 10) throw error;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    };
    try {
      expect(await afterLeaderMove(createProducer(kafka))).toEqual([2, 2]);
      // why createProducer checks the acknowledgement: kafkajs's own producer lost the message
      // (when this fails, kafkajs has been fixed and the check can go)
      expect(
        await afterLeaderMove(kafka.producer({ idempotent: true, maxInFlightRequests: 1 })),
      ).toEqual([2, 1]);
    } finally {
      await admin.disconnect();
    }
  }, 120_000);
});
