import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { AppConfig } from '@app/config';
import { DEAD_LETTER_SCHEMA, DeadLetterV1 } from '@app/contracts';
import { isRejectedData, RecordBatchWriter, RecordRow } from '@app/persistence/record-batch.writer';
import { Backoff, startWhenReachable } from './backoff';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { decodeRecord, Rejected } from './record.decoder';
import { RECORD_TALLY, RecordTally } from './record.tally';
import { SinkMetrics } from './sink.metrics';
import { SINK_OPTIONS, SinkOptions } from './sink.options';

/** one chunk of a partition's batch, handed from kafkajs's fetch loop to the writer */
interface Chunk extends Pick<EachBatchPayload, 'commitOffsetsIfNecessary' | 'isRunning'> {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  first: string;
  last: string;
  highWatermark: string;
  /** the membership it was fetched under (see RecordSink.epoch) */
  epoch: number;
}

/** a partition's chunks in the writer's hands */
interface Lane {
  /** the last chunk handed over: the next one is stored after it */
  tail: Promise<boolean>;
  epoch: number;
  /** a chunk given up at this offset sent the fetching back to it: later chunks are refused until it comes again */
  resumeAt?: bigint;
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
// two fetches' worth of chunks: the writer has work while the next fetch comes in, and a database
// slower than Kafka holds the fetching back rather than filling the memory
const MAX_QUEUED_CHUNKS = 8;
// a turn of the event loop every so many decoded messages: another chunk's transaction waits on this process's replies
const DECODE_SLICE = 500;
// how often kafkajs's fetch loop, held back by a full queue, still heartbeats (kafkajs sends at most one per heartbeatInterval)
const HEARTBEAT_MS = 1000;
const MB = 1024 * 1024;

/**
 * Kafka → PostgreSQL for one record topic. Each partition's batch is cut into chunks that are
 * handed to the writer, so fetching goes on while PostgreSQL writes. Each chunk is decoded and
 * checked against the contract, stored with one statement, its dead letters acknowledged by Kafka,
 * and only then its offsets committed; a partition's chunks go in offset order, each after the one
 * before. A crash anywhere means redelivery, and redelivery means no new row. While PostgreSQL (or
 * Kafka, for dead letters) is away the chunk is retried with backoff and the queue behind it fills
 * up, which holds the fetching back; nothing is skipped.
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
  /** chunks handed to the writer and not yet committed or given up */
  private readonly queued = new Set<Promise<boolean>>();
  private readonly lanes = new Map<number, Lane>();
  /**
   * Moves on whenever the group may hand partitions to another member (a rebalance starts, a
   * join, a crash). A chunk is written and committed only under the epoch it was fetched in: a
   * rebalance starts it moving before this member re-joins, and a partition reaches its next owner
   * only once every member has re-joined, so a partition taken away is never committed by this
   * member after its next owner has started. Kafka itself refuses commits of a member it dropped.
   */
  private epoch = 0;
  private joined!: () => void;
  /** resolves when the consumer first joins its group (tests and health wait on it) */
  readonly ready = new Promise<void>((resolve) => (this.joined = resolve));

  constructor(
    @Inject(SINK_OPTIONS) private readonly options: SinkOptions<R>,
    private readonly kafka: Kafka,
    private readonly writer: RecordBatchWriter,
    private readonly deadLetters: DeadLetterPublisher,
    config: AppConfig,
    @Optional() @Inject(RECORD_TALLY) private readonly tally?: RecordTally,
    private readonly metrics: SinkMetrics = new SinkMetrics(options),
  ) {
    metrics.watch(() => this.status());
    this.maxChunk = config.consumer.maxBatch;
    this.retry = {
      initialMs: options.retry?.initialMs ?? 250,
      maxMs: options.retry?.maxMs ?? 10_000,
    };
  }

  // after the whole app is up: the pool exists and the dead-letter producer can be built
  onApplicationBootstrap(): void {
    this.starting = this.startWhenReachable();
  }

  /** stop fetching, let the chunks in hand commit (or give them up if they are waiting), leave the group */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.state = 'stopping';
    for (const wake of [...this.sleepers]) wake();
    await this.starting?.catch(() => undefined);
    if (this.consumer) {
      this.logger.log(
        `${this.options.topic}: stopping; the chunks in hand are stored and committed first`,
      );
      // no more fetching; the queued chunks are committed while this member still holds its partitions
      try {
        this.consumer.pause([{ topic: this.options.topic }]);
      } catch {
        // not running (yet): nothing is being fetched
      }
      await this.settled();
      await this.consumer
        .disconnect()
        .catch((error: Error) =>
          this.logger.warn(`${this.options.topic}: disconnecting the consumer: ${error.message}`),
        );
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

  /* eslint-disable @typescript-eslint/unbound-method -- kafkajs types the payload's functions as methods but builds them as closures (consumer/runner.js): they are meant to be passed on */
  /**
   * One partition's batch, called by kafkajs (public for tests). Its chunks are handed to the
   * writer and this returns once they are queued: kafkajs fetches again only when every batch of a
   * fetch has returned, so waiting here for the database would make fetching and writing take
   * turns. The fetch position moves past a chunk once it is queued; the committed offset only once
   * its rows are (storeInTurn).
   */
  async handleBatch({
    batch,
    resolveOffset,
    commitOffsetsIfNecessary,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    /* eslint-enable @typescript-eslint/unbound-method */
    const { topic, partition, messages, highWatermark } = batch;
    const epoch = this.epoch;
    // chunks of even size: 5,022 messages make two of 2,511 rather than 5,000 and a costly 22
    const chunks = Math.ceil(messages.length / this.maxChunk);
    const size = Math.ceil(messages.length / chunks);
    for (let start = 0; start < messages.length; start += size) {
      await this.roomInQueue(heartbeat);
      // stopping, reassigned or sent back: the rest is fetched again, here or by the new owner
      if (this.stopping || epoch !== this.epoch || !isRunning() || isStale()) return;
      const part = messages.slice(start, start + size);
      const chunk: Chunk = {
        topic,
        partition,
        messages: part,
        first: part[0].offset,
        last: part[part.length - 1].offset,
        highWatermark,
        epoch,
        commitOffsetsIfNecessary,
        isRunning,
      };
      if (!this.enqueue(chunk)) return;
      resolveOffset(chunk.last);
    }
  }

  /** resolves once the chunks handed to the writer are committed or given up */
  async settled(): Promise<void> {
    while (this.queued.size > 0) await Promise.all(this.queued);
  }

  /** waits while the writer is MAX_QUEUED_CHUNKS behind, heartbeating for kafkajs's fetch loop, which is held here */
  private async roomInQueue(heartbeat: () => Promise<void>): Promise<void> {
    while (this.queued.size >= MAX_QUEUED_CHUNKS && !this.stopping) {
      await this.sleep(HEARTBEAT_MS, Promise.race(this.queued));
      // throws when the group rebalances: kafkajs re-joins and fetches again from the committed offsets
      await heartbeat();
    }
  }

  /** hands the chunk to the writer, after its partition's previous one; false when the partition waits to be fetched again from an earlier offset */
  private enqueue(chunk: Chunk): boolean {
    const lane = this.lanes.get(chunk.partition);
    // the chunks before it were committed or are still queued, unbroken, in this epoch
    let contiguous = lane !== undefined && lane.epoch === chunk.epoch;
    if (contiguous && lane!.resumeAt !== undefined) {
      if (BigInt(chunk.first) > lane!.resumeAt) return false;
      contiguous = false;
    }
    const stored = this.storeInTurn(chunk, lane?.tail, contiguous);
    this.lanes.set(chunk.partition, { tail: stored, epoch: chunk.epoch });
    this.queued.add(stored);
    void stored.then(() => {
      this.queued.delete(stored);
      const current = this.lanes.get(chunk.partition);
      if (current?.tail === stored && current.resumeAt === undefined)
        this.lanes.delete(chunk.partition);
    });
    return true;
  }

  /**
   * Stores the chunk once the previous one of its partition is done, then commits the offset after
   * it: a partition's rows are written in offset order and its committed offset moves only over
   * stored rows. True when committed. A chunk after a given-up one of the same run is given up
   * unwritten; a new epoch or a resumed partition starts a new run that only waits its turn.
   */
  private async storeInTurn(
    chunk: Chunk,
    previous: Promise<boolean> | undefined,
    contiguous: boolean,
  ): Promise<boolean> {
    const { topic, partition } = chunk;
    if ((await previous) === false && contiguous) return false;
    try {
      if (this.superseded(chunk)) return false;
      if (!(await this.storeChunk(chunk))) {
        this.sendBack(chunk);
        return false;
      }
      // checked in the same turn as the commit is sent: kafkajs commits under the membership of that moment
      if (this.superseded(chunk)) return false;
      const next = (BigInt(chunk.last) + 1n).toString();
      await chunk.commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: next }] }],
      });
      this.lag.set(partition, Math.max(0, Number(BigInt(chunk.highWatermark) - BigInt(next))));
      return true;
    } catch (error) {
      this.logger.warn(
        `${topic}[${partition}] offsets ${chunk.first}..${chunk.last}: ${(error as Error).message}; not committed, it will be delivered again`,
      );
      this.sendBack(chunk);
      return false;
    }
  }

  /** the partition may be another member's now, or the consumer is gone: the chunk must not be written or committed */
  private superseded(chunk: Chunk): boolean {
    return chunk.epoch !== this.epoch || !chunk.isRunning();
  }

  /**
   * The fetch position is past a chunk that was given up while the consumer goes on: sends it back
   * there. After a re-join, a restart or on shutdown the committed offset is where fetching resumes.
   */
  private sendBack(chunk: Chunk): void {
    const lane = this.lanes.get(chunk.partition);
    if (
      this.stopping ||
      this.superseded(chunk) ||
      !this.consumer ||
      !lane ||
      lane.epoch !== chunk.epoch ||
      lane.resumeAt !== undefined
    )
      return;
    lane.resumeAt = BigInt(chunk.first);
    this.consumer.seek({ topic: chunk.topic, partition: chunk.partition, offset: chunk.first });
  }

  /** whatever the reason, partitions may now be handed to another member: queued chunks are not committed */
  private membershipChanged(): void {
    this.epoch++;
    for (const wake of [...this.sleepers]) wake();
  }

  private startWhenReachable(): Promise<void> {
    return startWhenReachable(() => this.start(), {
      what: `${this.options.topic}: waiting for Kafka to start consuming`,
      backoff: new Backoff(this.retry.initialMs, this.retry.maxMs),
      stopping: () => this.stopping,
      sleep: (ms) => this.sleep(ms),
      warn: (line) => this.logger.warn(line),
    });
  }

  private async start(): Promise<void> {
    const { topic, groupId } = this.options;
    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      // a fetch answers as soon as anything is there (latency) and carries megabytes under load (throughput)
      minBytes: 1,
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: 1 * MB,
      maxBytes: 8 * MB,
      // a member killed mid-join can be elected leader and hold the next one's SyncGroup until its
      // session expires; 10 s (not kafkajs's 30 s) lets a crash-looping consumer get its partitions
      // back quickly (found by the chaos run, chaos/repro/consumer-rejoin.ts)
      sessionTimeout: 10_000,
      heartbeatInterval: 3000,
    });
    // emitted before kafkajs re-joins, so before any partition can reach another member
    consumer.on(consumer.events.REBALANCING, () => this.membershipChanged());
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.membershipChanged();
      const partitions = payload.memberAssignment[topic] ?? [];
      this.logger.log(`${topic}: joined ${groupId}, partitions [${partitions.join(', ')}]`);
      for (const partition of this.lag.keys())
        if (!partitions.includes(partition)) this.lag.delete(partition);
      if (!this.stopping) this.state = 'consuming';
      this.joined();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.membershipChanged();
      if (this.stopping) return;
      this.state = 'starting';
      // kafkajs restarts by itself after retriable errors; after any other it has stopped for good
      if (payload.restart) return;
      this.logger.error(
        `${topic}: consumer stopped on ${payload.error.name}: ${payload.error.message}; starting a new one`,
      );
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
  private async storeChunk(context: Chunk): Promise<boolean> {
    const { messages } = context;
    const rows: RecordRow<R>[] = [];
    const letters: DeadLetterV1[] = [];
    for (let i = 0; i < messages.length; i++) {
      if (i > 0 && i % DECODE_SLICE === 0) await new Promise(setImmediate);
      const message = messages[i];
      const decoded = decodeRecord(
        message.value,
        this.options.check,
        this.options.table.entityField,
      );
      if (decoded.rejected)
        letters.push(this.deadLetter(decoded.rejected, context, message.offset));
      else
        rows.push({ record: decoded.record, partition: context.partition, offset: message.offset });
    }
    const tally = { written: 0, inserted: 0 };
    if (!(await this.write(rows, context, tally, letters))) return false;
    // the completeness ledger's "published", counted once per message with offsets of its own
    if (
      this.tally &&
      (await this.untilDone(context, 'PostgreSQL (completeness ledger)', () =>
        this.tally!.consumed(
          {
            groupId: this.options.groupId,
            topic: context.topic,
            partition: context.partition,
            last: context.last,
          },
          rows,
        ),
      )) === ABANDONED
    )
      return false;
    if (letters.length > 0) {
      if (
        (await this.untilDone(context, 'Kafka (dead-letter topic)', () =>
          this.deadLetters.publish(letters),
        )) === ABANDONED
      )
        return false;
      this.logger.warn(
        `${context.topic}[${context.partition}]: ${letters.length} message(s) dead-lettered, first at offset ${letters[0].offset}: ${letters[0].reasons.join('; ')}`,
      );
    }
    this.counts.stored += tally.inserted;
    this.counts.duplicates += tally.written - tally.inserted;
    this.counts.deadLettered += letters.length;
    this.metrics.stored(tally.inserted, tally.written - tally.inserted, letters);
    return true;
  }

  /**
   * One statement for the rows; when PostgreSQL rejects it for the values of some row (a NUL
   * character, say), halves until that row is alone and dead-letters it. False when given up.
   */
  private async write(
    rows: RecordRow<R>[],
    context: Chunk,
    tally: { written: number; inserted: number },
    letters: DeadLetterV1[],
  ): Promise<boolean> {
    if (rows.length === 0) return true;
    const outcome = await this.untilDone(context, 'PostgreSQL', () =>
      this.metrics.timed(this.writer.write(this.options.table, rows), isRejectedData).then(
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
          {
            reasons: [reason],
            source: typeof source === 'string' ? source : null,
            ...(typeof entityId === 'string' && { entityId }),
            original: record,
          },
          context,
          offset,
        ),
      );
      return true;
    }
    const middle = rows.length >>> 1;
    return (
      (await this.write(rows.slice(0, middle), context, tally, letters)) &&
      (await this.write(rows.slice(middle), context, tally, letters))
    );
  }

  /**
   * Runs the attempt until it succeeds. A failure is a dependency being away, never a reason to
   * skip: wait (backoff), try again (kafkajs's fetch loop keeps heartbeating meanwhile). Gives up
   * only when the app stops or the partition may have moved; its offsets are then still uncommitted.
   */
  private async untilDone<T>(
    context: Chunk,
    dependency: string,
    attempt: () => Promise<T>,
  ): Promise<T | typeof ABANDONED> {
    const backoff = new Backoff(this.retry.initialMs, this.retry.maxMs);
    const where = `${context.topic}[${context.partition}] offsets ${context.first}..${context.last}`;
    try {
      for (let attempts = 1; ; attempts++) {
        try {
          const result = await attempt();
          const wait = this.waiting.get(context.partition);
          if (wait)
            this.logger.log(
              `${where}: ${dependency} answered after ${((Date.now() - wait.since) / 1000).toFixed(1)} s and ${attempts} attempts; resuming`,
            );
          return result;
        } catch (error) {
          const reason = (error as Error).message || String(error);
          const delay = backoff.delay();
          this.counts.retries++;
          this.waiting.set(context.partition, {
            dependency,
            since: this.waiting.get(context.partition)?.since ?? Date.now(),
            reason,
          });
          this.logger.warn(
            `${where}: waiting for ${dependency} (${reason}); not committed; attempt ${attempts} failed, next in ${delay} ms`,
          );
          await this.sleep(delay);
        }
        if (this.stopping || this.superseded(context)) {
          this.logger.warn(
            `${where}: given up while waiting for ${dependency} (${this.stopping ? 'shutting down' : 'the group is rebalancing'}); it will be delivered again`,
          );
          return ABANDONED;
        }
      }
    } finally {
      this.waiting.delete(context.partition);
    }
  }

  private deadLetter(rejected: Rejected, context: Chunk, offset: string): DeadLetterV1 {
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

  // a wait that shutdown, a membership change or `until` settling cuts short
  private sleep(ms: number, until?: Promise<unknown>): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
      void until?.then(wake, wake);
    });
  }
}
