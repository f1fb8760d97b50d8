import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CompressionTypes, Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { AppConfig } from '@app/config';
import { Murmur2Partitioner } from './murmur2.partitioner';

export class PublishUnavailableError extends Error {
  constructor(reason: string) {
    super(`Kafka did not acknowledge the records: ${reason}`);
    this.name = 'PublishUnavailableError';
  }
}

export interface OutgoingMessage {
  topic: string;
  message: Message;
}

// one produce request stays well under the topics' max.message.bytes (16 MiB, see libs/kafka/topics.ts)
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

interface Pending {
  messages: OutgoingMessage[];
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
  /** answered already (timed out): not worth sending any more */
  settled: () => boolean;
}

interface Lane {
  producer: Producer;
  connected?: Promise<void>;
  busy: boolean;
}

/**
 * Group commit over kafkajs's idempotent producers, each of which keeps one request in flight per
 * broker: requests that arrive while every lane (producer) is busy wait and then share the next
 * produce request. Each caller resolves only when Kafka acknowledged (acks=all) all its messages.
 * Several lanes overlap round trips; a sender's next request, sent after our 200, is always
 * produced after its previous one, so per-entity order of acknowledged data holds.
 */
@Injectable()
export class RecordPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RecordPublisher.name);
  private readonly lanes: Lane[];
  private queue: Pending[] = [];
  private queuedMessages = 0;
  private lingerTimer?: NodeJS.Timeout;
  private readonly settings: AppConfig['gateway']['publish'];

  constructor(
    private readonly kafka: Kafka,
    config: AppConfig,
  ) {
    this.settings = config.gateway.publish;
    this.lanes = Array.from({ length: this.settings.producers }, () => {
      const lane = { busy: false } as Lane;
      this.giveProducer(lane);
      return lane;
    });
  }

  private giveProducer(lane: Lane): void {
    // the Java client's murmur2 partitioner: other teams' clients map keys to the same partitions
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Murmur2Partitioner });
    producer.on(producer.events.DISCONNECT, () => {
      if (lane.producer === producer) lane.connected = undefined;
    });
    lane.producer = producer;
    lane.connected = undefined;
  }

  /**
   * After a failed produce request the broker may still have appended it. kafkajs then hands the
   * same sequence numbers to the next request, which the broker either rejects as out of order or,
   * when the record counts match, acknowledges as a duplicate of the lost request without storing
   * it. So the lane continues with a new producer id (sequences from 0), as the Java client bumps
   * its epoch; the failed request's callers got an error and retry, which at worst duplicates
   * records that consumers drop by event id.
   */
  private renewProducer(lane: Lane): void {
    const old = lane.producer;
    this.giveProducer(lane);
    void old.disconnect().catch(() => undefined);
  }

  async onModuleInit(): Promise<void> {
    // the gateway starts even when Kafka is down: requests then get 503 until it is back
    await Promise.all(this.lanes.map((lane) => this.connect(lane))).catch((error: Error) => this.logger.warn(`Kafka not reachable at start: ${error.message}`));
  }

  private get inFlight(): boolean {
    return this.lanes.some((lane) => lane.busy);
  }

  /** resolves when every message is acknowledged; rejects with PublishUnavailableError after the publish timeout */
  publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => finish(new PublishUnavailableError(`no acknowledgement within ${this.settings.timeoutMs} ms`)), this.settings.timeoutMs);
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const bytes = messages.reduce((n, { message }) => n + sizeOf(message.value) + sizeOf(message.key), 0);
      this.queue.push({ messages, bytes, resolve: () => finish(), reject: finish, settled: () => settled });
      this.queuedMessages += messages.length;
      this.schedule();
    });
  }

  /** stop taking work, wait for what was accepted, then disconnect */
  async onApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + this.settings.timeoutMs;
    while ((this.inFlight || this.queue.length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(this.lanes.map((lane) => lane.producer.disconnect().catch(() => undefined)));
  }

  private schedule(): void {
    if (!this.lanes.some((lane) => !lane.busy)) return;
    if (this.queuedMessages >= this.settings.maxBatchRecords || this.settings.lingerMs === 0) {
      this.flush();
      return;
    }
    this.lingerTimer ??= setTimeout(() => this.flush(), this.settings.lingerMs);
  }

  private flush(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    const lane = this.lanes.find((l) => !l.busy);
    if (!lane) return;
    // callers that already got their 503 while Kafka was away have retried or given up
    const stale = this.queue.filter((p) => p.settled());
    if (stale.length > 0) {
      this.queue = this.queue.filter((p) => !p.settled());
      this.queuedMessages -= stale.reduce((n, p) => n + p.messages.length, 0);
    }
    if (this.queue.length === 0) return;
    const batch: Pending[] = [];
    let count = 0;
    let bytes = 0;
    const fits = (next: Pending): boolean => count + next.messages.length <= this.settings.maxBatchRecords && bytes + next.bytes <= MAX_REQUEST_BYTES;
    while (this.queue.length > 0 && (batch.length === 0 || fits(this.queue[0]))) {
      const next = this.queue.shift()!;
      batch.push(next);
      count += next.messages.length;
      bytes += next.bytes;
    }
    this.queuedMessages -= count;
    lane.busy = true;
    void this.send(lane, batch).finally(() => {
      lane.busy = false;
      // whatever queued up meanwhile goes out at once as the next shared request
      if (this.queue.length > 0) this.flush();
    });
    // another free lane takes the rest without waiting
    if (this.queue.length > 0) this.flush();
  }

  private async send(lane: Lane, batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const pending of batch) for (const { topic, message } of pending.messages) (byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!).push(message);
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    let sent = false;
    try {
      await this.connect(lane);
      sent = true;
      await lane.producer.sendBatch({ topicMessages, acks: -1, timeout: this.settings.timeoutMs, compression: CompressionTypes.None });
      for (const pending of batch) pending.resolve();
    } catch (error) {
      this.logger.error(`produce request failed (${batch.length} requests): ${(error as Error).message}${sent ? '; continuing with a new producer id' : ''}`);
      if (sent) this.renewProducer(lane);
      for (const pending of batch) pending.reject(new PublishUnavailableError((error as Error).message));
    }
  }

  private connect(lane: Lane): Promise<void> {
    lane.connected ??= lane.producer.connect().catch((error: Error) => {
      lane.connected = undefined;
      throw error;
    });
    return lane.connected;
  }
}

function sizeOf(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
