import { randomUUID } from 'node:crypto';
import { Kafka, KafkaMessage } from 'kafkajs';

export interface PartitionMessage {
  partition: number;
  message: KafkaMessage;
}

/**
 * Every message on the topic up to its end offsets as of the call, read by a throwaway consumer
 * group named `<groupPrefix>-<uuid>` (tests and audits, never the apps). Right after a broker
 * restart the partitions' leadership may still be settling, so the end offsets are asked for
 * again for up to ten seconds.
 */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
  groupPrefix: string,
  timeoutMs: number,
): Promise<PartitionMessage[]> {
  const remaining = await endOffsets(kafka, topic);
  const read: PartitionMessage[] = [];
  if (remaining.size === 0) return read;
  const consumer = kafka.consumer({ groupId: `${groupPrefix}-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} did not reach its end within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        autoCommit: false,
        eachMessage: ({ partition, message }) => {
          const end = remaining.get(partition);
          if (end === undefined) return Promise.resolve();
          const offset = BigInt(message.offset);
          if (offset < end) read.push({ partition, message });
          if (offset >= end - 1n) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return read;
}

/** the end offset of every partition that holds messages */
async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const ends = await admin.fetchTopicOffsets(topic);
        return new Map(
          ends
            .filter((p) => BigInt(p.high) > BigInt(p.low))
            .map((p) => [p.partition, BigInt(p.high)]),
        );
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await admin.disconnect();
  }
}
