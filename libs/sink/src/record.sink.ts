import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { AppConfig } from '@app/config';
import { DEAD_LETTER_SCHEMA, DeadLetterV1 } from '@app/contracts';
import { isRejectedData, RecordBatchWriter, RecordRow } from '@app/persistence/record-batch.writer';
import { Backoff } from './backoff';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { decodeRecord, Rejected } from './record.decoder';
import { SINK_OPTIONS, SinkOptions } from './sink.options';

/** what one chunk of a partition's batch is, and the kafkajs handles that keep it honest */
interface ChunkContext extends Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'> {
  topic: string;
  partition: number;
  first: string;
  last: string;
}

interface Waiting {
  dependency: string;
  since: number;
  reason: string;
}

export interface SinkStatus {
  state: 'starting' | 'consuming' | 'stopping' | 'stopped';
  topic: string;
  groupId: string;
  /** rows that were new */
  stored: number;
  /** records already stored (redelivery, sender retries) */
  duplicates: number;
  deadLettered: number;
  /** attempts that failed because PostgreSQL or Kafka was away */
  retries: number;
  /** messages behind the partition's end, as of its last committed chunk */
  lag: Record<number, number>;
  /** set while a partition's batch waits for a dependency; the oldest wait */
  waitingFor?: { dependency: string; since: string; reason: string; partitions: number[] };
}

const ABANDONED = Symbol('abandoned');
const MB = 1024 * 1024;

/**
 * Kafka → PostgreSQL for one record topic. Each partition's batch is decoded and checked against
 * the contract, stored with one statement per chunk, its dead letters acknowledged by Kafka, and
 * only then its offsets committed: a crash anywhere means redelivery, and redelivery means no new
 * row. While PostgreSQL (or Kafka, for dead letters) is away the partition waits and retries the
 * same chunk with backoff, heartbeating so it keeps its partitions; nothing is skipped.
 */
@Injectable()
export class RecordSink<R = unknown> implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RecordSink.name);
  private readonly maxChunk: number;
  private readonly retry: { initialMs: number; maxMs: number };
  private consumer?: Consumer;
  private starting?: Promise<void>;
  private stopping = false;
  private state: SinkStatus['state'] = 'starting';
  private readonly sleepers = new Set<() => void>();
  private readonly waiting = new Map<number, Waiting>();
  private readonly lag = new Map<number, number>();
  private readonly counts = { stored: 0, duplicates: 0, deadLettered: 0, retries: 0 };
  private joined!: () => void;
  /** resolves when the consumer first joins its group (tests and health wait on it) */
  readonly ready = new Promise<void>((resolve) => (this.joined = resolve));

  constructor(
    @Inject(SINK_OPTIONS) private readonly options: SinkOptions<R>,
    private readonly kafka: Kafka,
    private readonly writer: RecordBatchWriter,
    private readonly deadLetters: DeadLetterPublisher,
    config: AppConfig,
  ) {
    this.maxChunk = config.consumer.maxBatch;
    this.retry = { initialMs: options.retry?.initialMs ?? 250, maxMs: options.retry?.maxMs ?? 10_000 };
  }

  // after the whole app is up: the pool exists and the dead-letter producer can be built
  onApplicationBootstrap(): void {
    this.starting = this.startWhenReachable();
  }

  /** stop fetching, let the batch in hand commit (or give it up if it is waiting), leave the group */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.state = 'stopping';
    for (const wake of [...this.sleepers]) wake();
    await this.starting?.catch(() => undefined);
    if (this.consumer) {
      this.logger.log(`${this.options.topic}: stopping; the batch in hand is finished first`);
      await this.consumer.disconnect().catch((error: Error) => this.logger.warn(`${this.options.topic}: disconnecting the consumer: ${error.message}`));
    }
    this.state = 'stopped';
  }

  status(): SinkStatus {
    const waits = [...this.waiting.entries()].sort(([, a], [, b]) => a.since - b.since);
    return {
      state: this.state,
      topic: this.options.topic,
      groupId: this.options.groupId,
      ...this.counts,
      lag: Object.fromEntries(this.lag),
      ...(waits.length > 0 && {
        waitingFor: {
          dependency: waits[0][1].dependency,
          since: new Date(waits[0][1].since).toISOString(),
          reason: waits[0][1].reason,
          partitions: waits.map(([partition]) => partition),
        },
      }),
    };
  }

  /** one partition's batch; public for tests, called by kafkajs */
  async handleBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = batch;
    // chunks of even size: 5,022 messages make two of 2,511 rather than 5,000 and a costly 22
    const chunks = Math.ceil(messages.length / this.maxChunk);
    const size = Math.ceil(messages.length / chunks);
    for (let start = 0; start < messages.length; start += size) {
      // stopping or reassigned between chunks: the rest is fetched again, here or by the new owner
      if (start > 0 && (!isRunning() || isStale())) return;
      const chunk = messages.slice(start, start + size);
      const context: ChunkContext = { topic, partition, first: chunk[0].offset, last: chunk[chunk.length - 1].offset, heartbeat, isRunning, isStale };
      // not stored: nothing is resolved, so kafkajs fetches these offsets again
      if (!(await this.storeChunk(chunk, context))) return;
      const next = (BigInt(context.last) + 1n).toString();
      resolveOffset(context.last);
      await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
      this.lag.set(partition, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))));
      await heartbeat();
    }
  }

  private async startWhenReachable(): Promise<void> {
    const backoff = new Backoff(this.retry.initialMs, this.retry.maxMs);
    while (!this.stopping) {
      try {
        await this.start();
        return;
      } catch (error) {
        const delay = backoff.delay();
        this.logger.warn(`${this.options.topic}: waiting for Kafka to start consuming (${(error as Error).message}); retry in ${delay} ms`);
        await this.sleep(delay);
      }
    }
  }

  private async start(): Promise<void> {
    const { topic, groupId } = this.options;
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      // a fetch answers as soon as anything is there (latency) and carries megabytes under load (throughput)
      minBytes: 1,
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: 4 * MB,
      maxBytes: 32 * MB,
      // a member killed mid-join can be elected leader and hold the next one's SyncGroup until its
      // session expires; 10 s (not kafkajs's 30 s) lets a crash-looping consumer get its partitions
      // back quickly (found by the chaos run, chaos/repro/consumer-rejoin.ts)
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[topic] ?? [];
      this.logger.log(`${topic}: joined ${groupId}, partitions [${partitions.join(', ')}]`);
      for (const partition of this.lag.keys()) if (!partitions.includes(partition)) this.lag.delete(partition);
      if (!this.stopping) this.state = 'consuming';
      this.joined();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.stopping) return;
      this.state = 'starting';
      // kafkajs restarts by itself after retriable errors; after any other it has stopped for good
      if (payload.restart) return;
      this.logger.error(`${topic}: consumer stopped on ${payload.error.name}: ${payload.error.message}; starting a new one`);
      this.consumer = undefined;
      this.starting = this.sleep(this.retry.maxMs).then(() => this.startWhenReachable());
    });
    this.consumer = consumer;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // each partition's chunk is its own transaction and the table lock orders the writes: one
        // partition decodes while another writes; more would only queue on the lock (measured)
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 2,
        eachBatch: (payload) => this.handleBatch(payload),
      });
    } catch (error) {
      this.consumer = undefined;
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** true when the chunk is stored and its dead letters acknowledged: its offsets may be committed */
  private async storeChunk(messages: KafkaMessage[], context: ChunkContext): Promise<boolean> {
    const rows: RecordRow<R>[] = [];
    const letters: DeadLetterV1[] = [];
    for (const message of messages) {
      const decoded = decodeRecord(message.value, this.options.check, this.options.table.entityField);
      if (decoded.rejected) letters.push(this.deadLetter(decoded.rejected, context, message.offset));
      else rows.push({ record: decoded.record, partition: context.partition, offset: message.offset });
    }
    const tally = { written: 0, inserted: 0 };
    if (!(await this.write(rows, context, tally, letters))) return false;
    if (letters.length > 0) {
      if ((await this.untilDone(context, 'Kafka (dead-letter topic)', () => this.deadLetters.publish(letters))) === ABANDONED) return false;
      this.logger.warn(
        `${context.topic}[${context.partition}]: ${letters.length} message(s) dead-lettered, first at offset ${letters[0].offset}: ${letters[0].reasons.join('; ')}`,
      );
    }
    this.counts.stored += tally.inserted;
    this.counts.duplicates += tally.written - tally.inserted;
    this.counts.deadLettered += letters.length;
    return true;
  }

  /**
   * One statement for the rows; when PostgreSQL rejects it for the values of some row (a NUL
   * character, say), halves until that row is alone and dead-letters it. False when given up.
   */
  private async write(rows: RecordRow<R>[], context: ChunkContext, tally: { written: number; inserted: number }, letters: DeadLetterV1[]): Promise<boolean> {
    if (rows.length === 0) return true;
    const outcome = await this.untilDone(context, 'PostgreSQL', () =>
      this.writer.write(this.options.table, rows).then(
        (inserted) => ({ inserted }),
        (error: unknown) => {
          if (isRejectedData(error)) return { rejected: error as Error & { code: string } };
          throw error;
        },
      ),
    );
    if (outcome === ABANDONED) return false;
    if ('inserted' in outcome) {
      tally.inserted += outcome.inserted;
      tally.written += rows.length;
      return true;
    }
    if (rows.length === 1) {
      const [{ record, offset }] = rows;
      const { source } = record as { source?: unknown };
      const entityId = record[this.options.table.entityField];
      const reason = `rejected by PostgreSQL: ${outcome.rejected.message} (SQLSTATE ${outcome.rejected.code})`;
      letters.push(
        this.deadLetter(
          { reasons: [reason], source: typeof source === 'string' ? source : null, ...(typeof entityId === 'string' && { entityId }), original: record },
          context,
          offset,
        ),
      );
      return true;
    }
    const middle = rows.length >>> 1;
    return (await this.write(rows.slice(0, middle), context, tally, letters)) && (await this.write(rows.slice(middle), context, tally, letters));
  }

  /**
   * Runs the attempt until it succeeds. A failure is a dependency being away, never a reason to
   * skip: wait (backoff), heartbeat so the group keeps the partition here, try again. Gives up
   * only when the app stops or the partition moved; its offsets are then still uncommitted.
   */
  private async untilDone<T>(context: ChunkContext, dependency: string, attempt: () => Promise<T>): Promise<T | typeof ABANDONED> {
    const backoff = new Backoff(this.retry.initialMs, this.retry.maxMs);
    const where = `${context.topic}[${context.partition}] offsets ${context.first}..${context.last}`;
    try {
      for (let attempts = 1; ; attempts++) {
        try {
          const result = await attempt();
          const wait = this.waiting.get(context.partition);
          if (wait) this.logger.log(`${where}: ${dependency} answered after ${((Date.now() - wait.since) / 1000).toFixed(1)} s and ${attempts} attempts; resuming`);
          return result;
        } catch (error) {
          const reason = (error as Error).message || String(error);
          const delay = backoff.delay();
          this.counts.retries++;
          this.waiting.set(context.partition, { dependency, since: this.waiting.get(context.partition)?.since ?? Date.now(), reason });
          this.logger.warn(`${where}: waiting for ${dependency} (${reason}); not committed; attempt ${attempts} failed, next in ${delay} ms`);
          await this.sleep(delay);
        }
        if (this.stopping || !context.isRunning() || context.isStale()) {
          this.logger.warn(`${where}: given up while waiting for ${dependency} (${this.stopping ? 'shutting down' : 'partition reassigned'}); it will be delivered again`);
          return ABANDONED;
        }
        // throws when the group rebalances: kafkajs re-joins and the batch is fetched again from the committed offset
        await context.heartbeat();
      }
    } finally {
      this.waiting.delete(context.partition);
    }
  }

  private deadLetter(rejected: Rejected, context: ChunkContext, offset: string): DeadLetterV1 {
    return {
      schema: DEAD_LETTER_SCHEMA,
      stage: 'consume',
      source: rejected.source,
      reasons: rejected.reasons,
      occurredAt: new Date().toISOString(),
      ...(rejected.entityId !== undefined && { entityId: rejected.entityId }),
      ...(rejected.original !== undefined && { original: rejected.original }),
      ...(rejected.originalBase64 !== undefined && { originalBase64: rejected.originalBase64 }),
      topic: context.topic,
      partition: context.partition,
      offset,
    };
  }

  // a wait that shutdown cuts short
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
