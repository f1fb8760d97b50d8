import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface OffsetRange {
  /** first offset to read */
  next: string;
  /** first offset not to read */
  end: string;
}

/**
 * What to do after a batch: read on, stop reading this partition (`done`), or stop reading
 * altogether (`stop`: cancelled).
 */
export type BatchVerdict = 'more' | 'done' | 'stop';

export type BatchHandler = (
  partition: number,
  messages: KafkaMessage[],
  heartbeat: () => Promise<void>,
) => Promise<BatchVerdict>;

export interface ReadOptions {
  /** a throwaway consumer group is named `<groupPrefix>-<uuid>`; it never commits an offset */
  groupPrefix: string;
  /** give up when no batch arrived for this long */
  idleTimeoutMs?: number;
  /** bytes fetched from one partition at a time (kafkajs's maxBytesPerPartition) */
  maxBytesPerPartition?: number;
}

/**
 * Reads each partition of `topic` from `next` up to `end` and hands the messages to `handle`
 * batch by batch, in offset order within a partition, one batch at a time. kafkajs has no
 * assign-only consumer: a consumer of its own group seeks every partition to its range, reads from
 * the latest offsets until then, and drops whatever lies outside the ranges.
 */
export async function readPartitions(
  kafka: Kafka,
  topic: string,
  ranges: ReadonlyMap<number, OffsetRange>,
  handle: BatchHandler,
  { groupPrefix, idleTimeoutMs = 120_000, maxBytesPerPartition = 1024 * 1024 }: ReadOptions,
): Promise<void> {
  const next = new Map<number, bigint>();
  const ends = new Map<number, bigint>();
  for (const [partition, range] of ranges)
    if (BigInt(range.next) < BigInt(range.end)) {
      next.set(partition, BigInt(range.next));
      ends.set(partition, BigInt(range.end));
    }
  if (next.size === 0) return;

  const consumer = kafka.consumer({
    groupId: `${groupPrefix}-${randomUUID()}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 500,
    maxBytesPerPartition,
    maxBytes: Math.max(maxBytesPerPartition * 4, 10 * 1024 * 1024),
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: false });
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        if (error) reject(error);
        else resolve();
      };
      const stillIdle = () => {
        clearTimeout(idle);
        idle = setTimeout(
          () => finish(new Error(`no message of ${topic} arrived for ${idleTimeoutMs} ms`)),
          idleTimeoutMs,
        );
      };
      stillIdle();
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) finish(payload.error);
      });
      const close = (partition: number) => {
        next.delete(partition);
        consumer.pause([{ topic, partitions: [partition] }]);
        if (next.size === 0) finish();
      };
      consumer
        .run({
          autoCommit: false,
          // the batch's offsets are resolved when it returns, those outside the range too: an
          // unresolved batch would be fetched again and again
          eachBatchAutoResolve: true,
          eachBatch: async (payload) => {
            const { batch } = payload;
            if (settled) return;
            const partition = batch.partition;
            const from = next.get(partition);
            const end = ends.get(partition);
            if (from === undefined || end === undefined) return;
            stillIdle();
            const messages = batch.messages.filter((m) => {
              const offset = BigInt(m.offset);
              return offset >= from && offset < end;
            });
            // messages read before the seek took effect (the latest ones) are not ours
            if (messages.length === 0) return;
            let verdict: BatchVerdict;
            try {
              verdict = await handle(partition, messages, () => payload.heartbeat());
            } catch (error) {
              finish(error as Error);
              return;
            }
            if (verdict === 'stop') return finish();
            const last = BigInt(messages[messages.length - 1].offset);
            next.set(partition, last + 1n);
            if (verdict === 'done' || last + 1n >= end) close(partition);
          },
        })
        .then(() => {
          // seeks take effect once the consumer runs; each partition starts at its range
          for (const [partition, offset] of next)
            consumer.seek({ topic, partition, offset: offset.toString() });
        })
        .catch((error: Error) => finish(error));
    });
  } finally {
    await consumer.disconnect();
  }
}
