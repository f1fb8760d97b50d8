import type { Kafka } from 'kafkajs';
import { TOPICS } from '@app/contracts';
import { REPLAY_GROUP_PREFIX } from '@app/kafka/acls';
import { BatchHandler, OffsetRange, readPartitions } from './raw-archive.reader';

export interface PartitionOffset {
  partition: number;
  offset: string;
}

/** the raw topic as a replay sees it (a fake in unit tests) */
export interface RawArchive {
  /** per partition, the first offset stamped at or after `timestamp` (its end when none is) */
  offsetsAt(timestamp: number): Promise<PartitionOffset[]>;
  /** per partition, the offset the next message will get */
  endOffsets(): Promise<PartitionOffset[]>;
  read(ranges: ReadonlyMap<number, OffsetRange>, handle: BatchHandler): Promise<void>;
}

export class KafkaRawArchive implements RawArchive {
  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string = TOPICS.raw,
    private readonly groupPrefix = REPLAY_GROUP_PREFIX,
    private readonly maxBytesPerPartition?: number,
  ) {}

  offsetsAt(timestamp: number): Promise<PartitionOffset[]> {
    return this.withAdmin((admin) => admin.fetchTopicOffsetsByTimestamp(this.topic, timestamp));
  }

  endOffsets(): Promise<PartitionOffset[]> {
    return this.withAdmin(async (admin) =>
      (await admin.fetchTopicOffsets(this.topic)).map(({ partition, high }) => ({
        partition,
        offset: high,
      })),
    );
  }

  read(ranges: ReadonlyMap<number, OffsetRange>, handle: BatchHandler): Promise<void> {
    return readPartitions(this.kafka, this.topic, ranges, handle, {
      groupPrefix: this.groupPrefix,
      maxBytesPerPartition: this.maxBytesPerPartition,
    });
  }

  private async withAdmin<T>(use: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  }
}
