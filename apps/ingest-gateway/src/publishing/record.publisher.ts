import { performance } from 'node:perf_hooks';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { CompressionTypes, Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { AppConfig } from '@app/config';
import type { OutgoingMessage } from '@app/kafka/messages';
import { createProducer } from '@app/kafka/acknowledged-producer';
import { Murmur2Partitioner } from '@app/kafka/murmur2.partitioner';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { ProduceBudget, splitToBudget } from './produce-request.budget';

/** Kafka did not acknowledge in time or could not be reached: the sender should retry (503) */
export class PublishUnavailableError extends Error {
  constructor(reason: string) {
    super(`Kafka did not acknowledge the records: ${reason}`);
    this.name = 'PublishUnavailableError';
  }
}

/** the broker refused the records themselves: sending them again cannot succeed, so this is never a 503 */
export class PublishRefusedError extends Error {
  constructor(readonly kafkaError: string) {
    super(`Kafka refused the records: ${kafkaError}`);
    this.name = 'PublishRefusedError';
  }
}

export type { OutgoingMessage } from '@app/kafka/messages';

// protocol errors about the records themselves; kafkajs marks them non-retriable (CORRUPT_MESSAGE is a CRC
// failure in transit and is retried)
const REFUSALS: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TIMESTAMP',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);

/** the refusal's protocol error type, when a kafkajs error (or what it wraps) is one */
export function refusalOf(error: unknown): string | undefined {
  let current = error as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.type === 'string' && REFUSALS.has(current.type)) return current.type;
    current = (current.cause ?? current.originalError) as typeof current;
  }
  return undefined;
}

interface Pending {
  messages: OutgoingMessage[];
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
  /** answered already (timed out): not worth sending any more */
  settled: () => boolean;
  /** sent in a request of its own: a shared request the broker refused is retried caller by caller */
  alone?: boolean;
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
  private readonly budget: ProduceBudget;

  constructor(
    private readonly kafka: Kafka,
    config: AppConfig,
    @Optional() private readonly metrics?: GatewayMetrics,
  ) {
    this.settings = config.gateway.publish;
    this.budget = {
      maxBytes: this.settings.maxBatchBytes,
      maxRecords: this.settings.maxBatchRecords,
    };
    this.lanes = Array.from({ length: this.settings.producers }, () => {
      const lane = { busy: false } as Lane;
      this.giveProducer(lane);
      return lane;
    });
  }

  private giveProducer(lane: Lane): void {
    // the Java client's murmur2 partitioner: other teams' clients map keys to the same partitions
    const producer = createProducer(this.kafka, Murmur2Partitioner);
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
    await Promise.all(this.lanes.map((lane) => this.connect(lane))).catch((error: Error) =>
      this.logger.warn(`Kafka not reachable at start: ${error.message}`),
    );
  }

  private get inFlight(): boolean {
    return this.lanes.some((lane) => lane.busy);
  }

  /**
   * Resolves when every message is acknowledged; rejects with PublishUnavailableError after the
   * publish timeout, or PublishRefusedError when no retry can succeed (a message larger than a
   * produce request may be, or records the broker refuses). Messages that exceed one produce
   * request together go out in consecutive requests, each after the previous one was
   * acknowledged, so their order holds.
   */
  async publish(messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const { chunks, oversized } = splitToBudget(messages, this.budget);
    // the ingest service dead-letters such records before they get here
    if (oversized.length > 0)
      throw new PublishRefusedError(
        `${oversized.length} record(s) larger than one produce request may be (PUBLISH_MAX_BATCH_BYTES=${this.budget.maxBytes})`,
      );
    const deadline = Date.now() + this.settings.timeoutMs;
    for (const chunk of chunks) await this.enqueue(chunk.items, chunk.bytes, deadline);
  }

  private enqueue(messages: OutgoingMessage[], bytes: number, deadline: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(
        () =>
          finish(
            new PublishUnavailableError(`no acknowledgement within ${this.settings.timeoutMs} ms`),
          ),
        Math.max(0, deadline - Date.now()),
      );
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      this.queue.push({
        messages,
        bytes,
        resolve: () => finish(),
        reject: finish,
        settled: () => settled,
      });
      this.queuedMessages += messages.length;
      this.schedule();
    });
  }

  /** stop taking work, wait for what was accepted, then disconnect */
  async onApplicationShutdown(): Promise<void> {
    const deadline = Date.now() + this.settings.timeoutMs;
    while ((this.inFlight || this.queue.length > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
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
    const fits = (next: Pending): boolean =>
      !batch[0].alone &&
      !next.alone &&
      count + next.messages.length <= this.budget.maxRecords &&
      bytes + next.bytes <= this.budget.maxBytes;
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
    for (const pending of batch)
      for (const { topic, message } of pending.messages)
        (byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!).push(message);
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({
      topic,
      messages,
    }));
    let sent = false;
    let startedAt = 0;
    try {
      await this.connect(lane);
      sent = true;
      startedAt = performance.now();
      await lane.producer.sendBatch({
        topicMessages,
        acks: -1,
        timeout: this.settings.timeoutMs,
        compression: CompressionTypes.None,
      });
      this.metrics?.produced(batch, count(batch), startedAt, true);
      for (const pending of batch) pending.resolve();
    } catch (error) {
      if (sent) this.metrics?.produced(batch, count(batch), startedAt, false);
      const refusal = refusalOf(error);
      this.logger.error(
        `produce request ${refusal ? 'refused' : 'failed'} (${batch.length} requests): ${(error as Error).message}${sent ? '; continuing with a new producer id' : ''}`,
      );
      if (sent) this.renewProducer(lane);
      if (refusal && batch.length > 1) {
        // one caller's records can spoil a shared request: each goes again on its own, and only the culprit is refused
        for (const pending of batch) pending.alone = true;
        this.queue.unshift(...batch);
        this.queuedMessages += batch.reduce((n, p) => n + p.messages.length, 0);
        return;
      }
      const failure = refusal
        ? new PublishRefusedError(refusal)
        : new PublishUnavailableError((error as Error).message);
      for (const pending of batch) pending.reject(failure);
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

function count(batch: Pending[]): number {
  let n = 0;
  for (const pending of batch) n += pending.messages.length;
  return n;
}
