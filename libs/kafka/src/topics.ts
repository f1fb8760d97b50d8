import { Admin, ITopicConfig } from 'kafkajs';
import { TOPICS } from '@app/contracts';

export interface TopicSettings {
  partitions: number;
  replicationFactor: number;
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

/** creates missing topics; existing ones are left as they are (idempotent) */
export async function provisionTopics(
  admin: Admin,
  settings: TopicSettings,
): Promise<{ created: string[]; existing: string[] }> {
  const wanted = topicDefinitions(settings);
  const present = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !present.has(t.topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  return {
    created: missing.map((t) => t.topic),
    existing: wanted.filter((t) => present.has(t.topic)).map((t) => t.topic),
  };
}
