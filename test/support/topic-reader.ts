import { randomUUID } from 'node:crypto';
import { IHeaders, Kafka, logLevel } from 'kafkajs';
import { testStack } from './running-app';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

const kafka = (): Kafka => new Kafka({ clientId: `e2e-reader-${randomUUID()}`, brokers: testStack().kafkaBrokers, logLevel: logLevel.NOTHING });

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]));
}

/** every message on the topic up to its end offsets as of this call */
export async function readTopic(topic: string, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const client = kafka();
  const admin = client.admin();
  await admin.connect();
  let ends: Awaited<ReturnType<typeof admin.fetchTopicOffsets>> = [];
  // right after a broker restart the partitions' leadership may still be settling
  for (let attempt = 0; ; attempt++) {
    try {
      ends = await admin.fetchTopicOffsets(topic);
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  await admin.disconnect();
  const remaining = new Map(ends.filter((p) => Number(p.high) > Number(p.low)).map((p) => [p.partition, Number(p.high)]));
  const messages: ReadMessage[] = [];
  if (remaining.size === 0) return messages;

  const consumer = client.consumer({ groupId: `e2e-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach its end within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = remaining.get(partition);
          if (end === undefined) return;
          if (Number(message.offset) < end) {
            messages.push({ topic, partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value ?? Buffer.alloc(0), headers: headerStrings(message.headers) });
          }
          if (Number(message.offset) >= end - 1) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export function json<T = Record<string, unknown>>(message: ReadMessage): T {
  return JSON.parse(message.value.toString('utf8')) as T;
}
