import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { TOPICS } from '@app/contracts';
import { CONSOLE_GROUPS } from '@app/kafka';
import { isDatabaseUnavailable } from '@app/query';
import { Backoff, startWhenReachable } from '@app/sink/backoff';
import { DeadLetterRepository } from './dead-letter.repository';
import { DeadLetterRow, toDeadLetterRow } from './dead-letter.row';

const RETRY = { initialMs: 250, maxMs: 10_000 };

/**
 * telemetry.deadletter.v1 → dead_letters, in the console's own group. A batch is stored, then its
 * offsets committed: a crash means redelivery, and redelivery adds no row (partition and offset
 * are the key). While PostgreSQL is away the batch is retried with backoff; nothing is skipped.
 */
@Injectable()
export class DeadLetterConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeadLetterConsumer.name);
  private consumer?: Consumer;
  private starting?: Promise<void>;
  private stopping = false;
  private readonly sleepers = new Set<() => void>();
  private joined!: () => void;
  /** resolves when the consumer first joins its group */
  readonly ready = new Promise<void>((resolve) => (this.joined = resolve));
  private readonly counts = { stored: 0, redelivered: 0 };

  constructor(
    private readonly kafka: Kafka,
    private readonly repository: DeadLetterRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.starting = this.startWhenReachable();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.sleepers]) wake();
    await this.starting?.catch(() => undefined);
    await this.consumer
      ?.disconnect()
      .catch((error: Error) => this.logger.warn(`disconnecting the consumer: ${error.message}`));
  }

  /** letters stored since start, and redelivered ones that were already there */
  status(): { stored: number; redelivered: number } {
    return { ...this.counts };
  }

  /* eslint-disable @typescript-eslint/unbound-method -- kafkajs builds the payload's functions as closures (consumer/runner.js) */
  /** one partition's batch, called by kafkajs (public for tests) */
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
    const rows = messages.map((message) => toDeadLetterRow(partition, message));
    const backoff = new Backoff(RETRY.initialMs, RETRY.maxMs);
    for (;;) {
      // stopping or reassigned: not committed, fetched again here or by the partition's next owner
      if (this.stopping || !isRunning() || isStale()) return;
      try {
        const inserted = await this.store(rows);
        this.counts.stored += inserted;
        this.counts.redelivered += rows.length - inserted;
        break;
      } catch (error) {
        const delay = backoff.delay();
        this.logger.warn(
          `${topic}[${partition}] offsets ${messages[0].offset}..${messages[messages.length - 1].offset}: not stored (${(error as Error).message}); retry in ${delay} ms`,
        );
        await this.sleep(delay);
        // throws when the group rebalances: kafkajs re-joins and fetches again from the committed offset
        await heartbeat();
      }
    }
    const last = messages[messages.length - 1].offset;
    resolveOffset(last);
    await commitOffsetsIfNecessary({
      topics: [{ topic, partitions: [{ partition, offset: (BigInt(last) + 1n).toString() }] }],
    });
  }

  /**
   * Stores the rows; throws while PostgreSQL is away. A row PostgreSQL refuses for its values is
   * stored without its letter text, its reasons saying why, rather than holding the partition up.
   */
  private async store(rows: DeadLetterRow[]): Promise<number> {
    try {
      return await this.repository.insert(rows);
    } catch (error) {
      // only a data exception (SQLSTATE class 22) is about the values; anything else is tried again
      if (isDatabaseUnavailable(error) || !isDataException(error)) throw error;
      if (rows.length > 1) {
        let inserted = 0;
        for (const row of rows) inserted += await this.store([row]);
        return inserted;
      }
      const [row] = rows;
      const reason = `the letter could not be stored as it was: ${(error as Error).message}`;
      this.logger.error(
        `${TOPICS.deadLetter}[${row.kafkaPartition}] offset ${row.kafkaOffset}: ${reason}; stored without it`,
      );
      return this.repository.insert([
        {
          ...row,
          schema: null,
          source: null,
          entityId: null,
          requestId: null,
          recordTopic: null,
          reasons: [...row.reasons.slice(0, 20).map((r) => r.slice(0, 1000)), reason],
          letter: JSON.stringify({ reasons: [reason] }),
        },
      ]);
    }
  }

  private startWhenReachable(): Promise<void> {
    return startWhenReachable(() => this.start(), {
      what: `${TOPICS.deadLetter}: waiting for Kafka to start consuming`,
      backoff: new Backoff(RETRY.initialMs, RETRY.maxMs),
      stopping: () => this.stopping,
      sleep: (ms) => this.sleep(ms),
      warn: (line) => this.logger.warn(line),
    });
  }

  private async start(): Promise<void> {
    const groupId = CONSOLE_GROUPS.deadLetters;
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[TOPICS.deadLetter] ?? [];
      this.logger.log(
        `${TOPICS.deadLetter}: joined ${groupId}, partitions [${partitions.join(', ')}]`,
      );
      this.joined();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      // kafkajs restarts by itself after retriable errors; after any other it has stopped for good
      if (this.stopping || payload.restart) return;
      this.logger.error(
        `${TOPICS.deadLetter}: consumer stopped on ${payload.error.name}: ${payload.error.message}; starting a new one`,
      );
      this.consumer = undefined;
      this.starting = this.sleep(RETRY.maxMs).then(() => this.startWhenReachable());
    });
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: TOPICS.deadLetter, fromBeginning: true });
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

function isDataException(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}
