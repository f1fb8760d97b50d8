import { Admin, ITopicConfig } from 'kafkajs';
import { TOPICS } from '@app/contracts';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
}

/** a cluster of three or more brokers keeps three copies, which a broker's loss leaves two of */
export const CLUSTER_REPLICATION_FACTOR = 3;

/** the replication factor when none is configured: 3 on three or more brokers, else 1 */
export function defaultReplicationFactor(brokers: number): number {
  return brokers >= CLUSTER_REPLICATION_FACTOR ? CLUSTER_REPLICATION_FACTOR : 1;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** the topics the pipeline owns, with their retention; subscribers depend on these names */
export function topicDefinitions({ partitions, replicationFactor }: TopicSettings): ITopicConfig[] {
  const common = [
    { name: 'min.insync.replicas', value: String(Math.min(2, replicationFactor)) },
    { name: 'cleanup.policy', value: 'delete' },
    // a 1 MiB webhook body (BODY_LIMIT_BYTES) plus headers, or its base64 in a dead letter, and the
    // publisher's grouped batches must fit one record batch; the broker default is 1 MiB
    { name: 'max.message.bytes', value: String(16 * 1024 * 1024) },
  ];
  const retention = (days: number) => ({ name: 'retention.ms', value: String(days * DAY_MS) });
  return [
    {
      topic: TOPICS.vehicle,
      numPartitions: partitions,
      replicationFactor,
      configEntries: [...common, retention(7)],
    },
    {
      topic: TOPICS.location,
      numPartitions: partitions,
      replicationFactor,
      configEntries: [...common, retention(7)],
    },
    // dead letters and raw bodies are what an operator replays after a fix: keep them longer
    {
      topic: TOPICS.deadLetter,
      numPartitions: partitions,
      replicationFactor,
      configEntries: [...common, retention(30)],
    },
    {
      topic: TOPICS.raw,
      numPartitions: partitions,
      replicationFactor,
      configEntries: [...common, retention(30)],
    },
  ];
}

/**
 * Creates missing topics; existing ones are left as they are (idempotent). Without a replication
 * factor it is chosen from the cluster's size (defaultReplicationFactor); `min.insync.replicas` is
 * then 2 where there are at least two copies, so acks=all means two brokers have each record.
 */
export async function provisionTopics(
  admin: Admin,
  settings: Omit<TopicSettings, 'replicationFactor'> & { replicationFactor?: number },
): Promise<{ created: string[]; existing: string[]; replicationFactor: number }> {
  const replicationFactor =
    settings.replicationFactor ??
    defaultReplicationFactor((await admin.describeCluster()).brokers.length);
  const wanted = topicDefinitions({ ...settings, replicationFactor });
  const present = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !present.has(t.topic));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing, waitForLeaders: false });
    await leadersElected(
      admin,
      missing.map((t) => t.topic),
    );
  }
  return {
    created: missing.map((t) => t.topic),
    existing: wanted.filter((t) => present.has(t.topic)).map((t) => t.topic),
    replicationFactor,
  };
}

const LEADERS_TIMEOUT_MS = 60_000;

/**
 * Waits until every partition of the topics has a leader. kafkajs's own wait asks once per retry
 * and gives up on "does not host this topic-partition", which a cluster's brokers answer until the
 * new topics' metadata reached each of them (seconds on a busy machine).
 */
async function leadersElected(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    let waiting: string;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const leaderless = metadata.topics.flatMap((t) =>
        t.partitions.filter((p) => p.leader < 0).map((p) => `${t.name}/${p.partitionId}`),
      );
      if (leaderless.length === 0 && metadata.topics.length === topics.length) return;
      waiting = `no leader yet for ${leaderless.join(', ') || topics.join(', ')}`;
    } catch (error) {
      waiting = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(
        `topics created but not usable within ${LEADERS_TIMEOUT_MS / 1000} s: ${waiting}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
