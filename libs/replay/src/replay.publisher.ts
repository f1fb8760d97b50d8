import type { Kafka, TopicMessages } from 'kafkajs';
import { createProducer, Murmur2Partitioner, RenewingProducer } from '@app/kafka';
import type { OutgoingMessage } from '@app/kafka/messages';
import { approximateBytes } from './request.replayer';

/** where a replay's messages go: Kafka, or nowhere (a dry run, a test) */
export interface ReplaySink {
  publish(messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * An idempotent producer (acks=all) that writes a replay's messages in produce requests of at most
 * `maxBytes` and `maxRecords`, in order, each after the previous one was acknowledged. Keys go to
 * the partitions the gateway's producer chose (murmur2), so a vehicle's records stay on one.
 */
export class KafkaReplaySink implements ReplaySink {
  private readonly producer: RenewingProducer;

  constructor(
    kafka: Kafka,
    private readonly maxBytes: number,
    private readonly maxRecords = 1000,
  ) {
    this.producer = new RenewingProducer(() => createProducer(kafka, Murmur2Partitioner));
  }

  async publish(messages: OutgoingMessage[]): Promise<void> {
    for (const chunk of chunks(messages, this.maxBytes, this.maxRecords))
      await this.producer.send((producer) =>
        producer.sendBatch({ acks: -1, topicMessages: byTopic(chunk) }),
      );
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

export function chunks(
  messages: readonly OutgoingMessage[],
  maxBytes: number,
  maxRecords: number,
): OutgoingMessage[][] {
  const out: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = message.bytes ?? approximateBytes(message);
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxRecords)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function byTopic(messages: OutgoingMessage[]): TopicMessages[] {
  const topics = new Map<string, TopicMessages>();
  for (const { topic, message } of messages) {
    let entry = topics.get(topic);
    if (!entry) topics.set(topic, (entry = { topic, messages: [] }));
    entry.messages.push(message);
  }
  return [...topics.values()];
}
