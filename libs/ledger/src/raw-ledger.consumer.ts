import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { AppConfig } from '@app/config';
import { RecordType, TOPICS } from '@app/contracts';
import { NORMALIZERS } from '@app/normalization';
import { Backoff, startWhenReachable } from '@app/sink/backoff';
import { LedgerRepository } from './ledger.repository';
import { LEDGER_BINDING } from './ledger.options';
import type { LedgerBinding } from './ledger.tables';
import { rawRequestEntry } from './raw-request.entry';
import { ReplacedLogs } from './replaced-logs';

const MB = 1024 * 1024;

/**
 * Reads the raw archive in a consumer group of its own and counts this app's record type into the
 * ledger: requests, readings accepted and dead-lettered, per source and minute of receipt. Each
 * partition batch is counted in one transaction with the offset after it (LedgerRepository), then
 * committed to Kafka; on joining, each partition is sought to where the ledger counted up to, so a
 * lost or expired group offset neither recounts nor skips. While PostgreSQL is away a batch is
 * retried with backoff; nothing is skipped.
 */
@Injectable()
export class RawLedgerConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RawLedgerConsumer.name);
  private readonly recordTypes = new Map<string, RecordType>();
  private consumer?: Consumer;
  private starting?: Promise<void>;
  private stopping = false;
  private readonly sleepers = new Set<() => void>();
  /** messages counted since start, for status and tests */
  private counted = 0;

  constructor(
    @Inject(LEDGER_BINDING) private readonly binding: LedgerBinding,
    private readonly kafka: Kafka,
    private readonly ledger: LedgerRepository,
    private readonly replacedLogs: ReplacedLogs,
    config: AppConfig,
  ) {
    // a message archived before the gateway wrote `record-type`: its source's configured body shape says
    for (const source of config.gateway.sources)
      this.recordTypes.set(source.name, NORMALIZERS[source.normalizer].recordType);
  }

  onApplicationBootstrap(): void {
    this.starting = this.startWhenReachable();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.sleepers]) wake();
    await this.starting?.catch(() => undefined);
    await this.consumer
      ?.disconnect()
      .catch((error: Error) => this.logger.warn(`disconnecting: ${error.message}`));
  }

  /* eslint-disable @typescript-eslint/unbound-method -- kafkajs builds the payload's functions as closures (see RecordSink) */
  /** one partition's batch (public for tests): counted, then committed */
  async handleBatch({
    batch,
    resolveOffset,
    commitOffsetsIfNecessary,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    /* eslint-enable @typescript-eslint/unbound-method */
    const { topic, partition, messages } = batch;
    if (messages.length === 0) return;
    const last = messages[messages.length - 1].offset;
    const next = BigInt(last) + 1n;
    const entries = messages
      .map((message) => rawRequestEntry(message, (source) => this.recordTypes.get(source)))
      .filter((entry) => entry !== undefined && entry.recordType === this.binding.recordType)
      .map((entry) => entry!);
    const backoff = new Backoff(250, 10_000);
    for (;;) {
      if (this.stopping || !isRunning() || isStale()) return;
      try {
        await this.ledger.countRequests(this.binding, topic, partition, entries, next);
        break;
      } catch (error) {
        const delay = backoff.delay();
        this.logger.warn(
          `${topic}[${partition}] offsets ${messages[0].offset}..${last}: not counted (${(error as Error).message}); retry in ${delay} ms`,
        );
        await this.sleep(delay);
        await heartbeat();
      }
    }
    this.counted += entries.length;
    resolveOffset(last);
    await commitOffsetsIfNecessary({
      topics: [{ topic, partitions: [{ partition, offset: next.toString() }] }],
    });
  }

  status(): { counted: number } {
    return { counted: this.counted };
  }

  private startWhenReachable(): Promise<void> {
    return startWhenReachable(() => this.start(), {
      what: `${TOPICS.raw}: waiting for Kafka to start counting`,
      backoff: new Backoff(250, 10_000),
      stopping: () => this.stopping,
      sleep: (ms) => this.sleep(ms),
      warn: (line) => this.logger.warn(line),
    });
  }

  private async start(): Promise<void> {
    await this.replacedLogs.checked();
    const groupId = this.binding.rawGroup;
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      minBytes: 1,
      maxWaitTimeInMs: 500,
      // raw bodies are up to a MiB each: a fetch carries a few
      maxBytesPerPartition: 4 * MB,
      maxBytes: 16 * MB,
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[TOPICS.raw] ?? [];
      this.logger.log(`${TOPICS.raw}: joined ${groupId}, partitions [${partitions.join(', ')}]`);
      void this.resumeWhereCounted(consumer, partitions);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.stopping || payload.restart) return;
      this.logger.error(
        `${TOPICS.raw}: ledger consumer stopped on ${payload.error.name}: ${payload.error.message}; starting a new one`,
      );
      this.consumer = undefined;
      this.starting = this.sleep(10_000).then(() => this.startWhenReachable());
    });
    this.consumer = consumer;
    try {
      await consumer.connect();
      // a new ledger counts the whole archive that is still kept
      await consumer.subscribe({ topic: TOPICS.raw, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.handleBatch(payload),
      });
    } catch (error) {
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** the group's committed offsets may be gone (expired, reset): the ledger's own say where to go on */
  private async resumeWhereCounted(consumer: Consumer, partitions: number[]): Promise<void> {
    try {
      const counted = await this.ledger.countedOffsets(this.binding.rawGroup, TOPICS.raw);
      const sought = [];
      for (const partition of partitions) {
        const offset = counted.get(partition);
        if (offset === undefined) continue;
        consumer.seek({ topic: TOPICS.raw, partition, offset });
        sought.push({ topic: TOPICS.raw, partition, offset });
      }
      // and the group says so, though nothing may be fetched after it for a while (lag, tools)
      if (sought.length > 0) await consumer.commitOffsets(sought);
    } catch (error) {
      // the offsets in the ledger still keep every message from being counted twice
      this.logger.warn(
        `${TOPICS.raw}: not sought to the ledger's offsets: ${(error as Error).message}`,
      );
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
