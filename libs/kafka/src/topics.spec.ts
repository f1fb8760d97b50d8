import type { Admin, ITopicConfig } from 'kafkajs';
import { TOPICS } from '@app/contracts';
import { defaultReplicationFactor, provisionTopics } from './topics';

/** an admin client with a cluster of `brokers` whose new topics get leaders after `leaderlessAsks` metadata requests */
function fakeAdmin(brokers: number, leaderlessAsks = 0) {
  const created: ITopicConfig[] = [];
  let asks = 0;
  const admin = {
    listTopics: () => Promise.resolve([]),
    describeCluster: () =>
      Promise.resolve({
        brokers: Array.from({ length: brokers }, (_, i) => ({ nodeId: i + 1 })),
      }),
    createTopics: ({ topics }: { topics: ITopicConfig[] }) => {
      created.push(...topics);
      return Promise.resolve(true);
    },
    fetchTopicMetadata: ({ topics }: { topics: string[] }) => {
      asks++;
      if (asks <= leaderlessAsks && asks % 2 === 1)
        return Promise.reject(new Error('This server does not host this topic-partition'));
      return Promise.resolve({
        topics: topics.map((name) => ({
          name,
          partitions: [{ partitionId: 0, leader: asks <= leaderlessAsks ? -1 : 1 }],
        })),
      });
    },
  };
  return { admin: admin as unknown as Admin, created, asks: () => asks };
}

const setting = (topic: ITopicConfig, name: string) =>
  topic.configEntries?.find((entry) => entry.name === name)?.value;

describe(provisionTopics.name, () => {
  it('gives three copies, two in sync, on three or more brokers and one on fewer, unless told', async () => {
    expect([1, 2, 3, 5].map(defaultReplicationFactor)).toEqual([1, 1, 3, 3]);
    for (const [brokers, told, copies, inSync] of [
      [3, undefined, 3, '2'],
      [1, undefined, 1, '1'],
      [3, 2, 2, '2'],
      [5, 1, 1, '1'],
    ] as const) {
      const { admin, created } = fakeAdmin(brokers);
      const result = await provisionTopics(admin, { partitions: 6, replicationFactor: told });
      expect(result.replicationFactor).toBe(copies);
      expect(created.map((t) => t.topic).sort()).toEqual(Object.values(TOPICS).sort());
      for (const topic of created) {
        expect(topic.replicationFactor).toBe(copies);
        expect(setting(topic, 'min.insync.replicas')).toBe(inSync);
      }
    }
  });

  it('returns once every new partition has a leader, asking again while brokers do not know the topics yet', async () => {
    const { admin, asks } = fakeAdmin(3, 4);
    await provisionTopics(admin, { partitions: 6 });
    expect(asks()).toBe(5);
  });
});
