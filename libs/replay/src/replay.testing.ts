import type { KafkaMessage } from 'kafkajs';
import { rawMessage, OutgoingMessage } from '@app/kafka/messages';
import type { PartitionOffset, RawArchive } from './raw-archive';
import type { BatchHandler, OffsetRange } from './raw-archive.reader';
import type { ReplaySink } from './replay.publisher';

/** test doubles of the raw archive and the sink (specs only) */
let nextId = 0;
export function aRawMessage(
  offset: number,
  source: string,
  receivedAt: number,
  body: Buffer,
  kafkaTimestamp = receivedAt + 20,
  requestId = `req-${++nextId}`,
): KafkaMessage {
  const { message } = rawMessage(body, {
    source,
    requestId,
    receivedAt: new Date(receivedAt).toISOString(),
  });
  const headers = Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))]),
  );
  return {
    key: Buffer.from(requestId),
    value: message.value,
    headers,
    offset: String(offset),
    timestamp: String(kafkaTimestamp),
    attributes: 0,
  } as KafkaMessage;
}

/** partitions of raw messages at offsets from `base`, handed out two at a time */
export class FakeArchive implements RawArchive {
  reads: { partition: number; offsets: string[] }[] = [];
  constructor(
    private readonly partitions: KafkaMessage[][],
    private readonly base = 0,
  ) {}

  offsetsAt(timestamp: number): Promise<PartitionOffset[]> {
    return Promise.resolve(
      this.partitions.map((messages, partition) => {
        const first = messages.find((m) => Number(m.timestamp) >= timestamp);
        return { partition, offset: first ? first.offset : String(this.base + messages.length) };
      }),
    );
  }

  endOffsets(): Promise<PartitionOffset[]> {
    return Promise.resolve(
      this.partitions.map((messages, partition) => ({
        partition,
        offset: String(this.base + messages.length),
      })),
    );
  }

  async read(ranges: ReadonlyMap<number, OffsetRange>, handle: BatchHandler): Promise<void> {
    for (const [partition, { next, end }] of ranges) {
      const messages = this.partitions[partition].filter(
        (m) => BigInt(m.offset) >= BigInt(next) && BigInt(m.offset) < BigInt(end),
      );
      for (let i = 0; i < messages.length; i += 2) {
        const batch = messages.slice(i, i + 2);
        this.reads.push({ partition, offsets: batch.map((m) => m.offset) });
        const verdict = await handle(partition, batch, () => Promise.resolve());
        if (verdict === 'stop') return;
        if (verdict === 'done') break;
      }
    }
  }
}

export class FakeSink implements ReplaySink {
  published: OutgoingMessage[] = [];
  failAfter = Infinity;
  publish(messages: OutgoingMessage[]): Promise<void> {
    if (this.published.length + messages.length > this.failAfter)
      return Promise.reject(new Error('Kafka went away'));
    this.published.push(...messages);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
