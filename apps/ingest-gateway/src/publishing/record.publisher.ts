import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CompressionTypes, Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { AppConfig } from '@app/config';

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

interface Pending {
  messages: OutgoingMessage[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Group commit over kafkajs's idempotent producer, which keeps one request in flight per broker:
 * requests that arrive while a produce request is in flight wait for it and then share the next
 * one. Each caller resolves only when Kafka acknowledged (acks=all) every one of its messages.
 */
@Injectable()
export class RecordPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RecordPublisher.name);
  private readonly producer: Producer;
  private queue: Pending[] = [];
  private queuedMessages = 0;
  private inFlight = false;
  private lingerTimer?: NodeJS.Timeout;
  private connected?: Promise<void>;
  private readonly settings: AppConfig['gateway']['publish'];

  constructor(kafka: Kafka, config: AppConfig) {
    this.settings = config.gateway.publish;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 } });
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = undefined));
  }

  async onModuleInit(): Promise<void> {
    // the gateway starts even when Kafka is down: requests then get 503 until it is back
    await this.connect().catch((error: Error) => this.logger.warn(`Kafka not reachable at start: ${error.message}`));
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
      this.queue.push({ messages, resolve: () => finish(), reject: finish });
      this.queuedMessages += messages.length;
      this.schedule();
    });
  }

  /** stop taking work, wait for what was accepted, then disconnect */
  async onApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + this.settings.timeoutMs;
    while ((this.inFlight || this.queue.length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await this.producer.disconnect().catch(() => undefined);
  }

  private schedule(): void {
    if (this.inFlight) return;
    if (this.queuedMessages >= this.settings.maxBatchRecords || this.settings.lingerMs === 0) {
      this.flush();
      return;
    }
    this.lingerTimer ??= setTimeout(() => this.flush(), this.settings.lingerMs);
  }

  private flush(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (this.inFlight || this.queue.length === 0) return;
    const batch: Pending[] = [];
    let count = 0;
    while (this.queue.length > 0 && (batch.length === 0 || count + this.queue[0].messages.length <= this.settings.maxBatchRecords)) {
      const next = this.queue.shift()!;
      batch.push(next);
      count += next.messages.length;
    }
    this.queuedMessages -= count;
    this.inFlight = true;
    void this.send(batch).finally(() => {
      this.inFlight = false;
      // whatever queued up meanwhile goes out at once as the next shared request
      if (this.queue.length > 0) this.flush();
    });
  }

  private async send(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const pending of batch) for (const { topic, message } of pending.messages) (byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!).push(message);
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    try {
      await this.connect();
      await this.producer.sendBatch({ topicMessages, acks: -1, timeout: this.settings.timeoutMs, compression: CompressionTypes.None });
      for (const pending of batch) pending.resolve();
    } catch (error) {
      this.logger.error(`produce request failed (${batch.length} requests): ${(error as Error).message}`);
      for (const pending of batch) pending.reject(new PublishUnavailableError((error as Error).message));
    }
  }

  private connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: Error) => {
      this.connected = undefined;
      throw error;
    });
    return this.connected;
  }
}
