import { expect } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { AppConfig } from '@app/config';
import { DeadLetterV1, VehicleTelemetryV1 } from '@app/contracts';
import { aVehicleRecord } from '@app/contracts/testing';
import type { RecordBatchWriter, RecordRow } from '@app/persistence/record-batch.writer';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import { RecordSink } from './record.sink';
import type { RecordTally, TalliedChunk } from './record.tally';
import { SINKS } from './sink.options';

const TOPIC = SINKS.vehicle.topic;

/** everything the fakes and the kafkajs handles saw, in order */
type Journal = string[];

class FakeWriter {
  readonly calls: RecordRow<VehicleTelemetryV1>[][] = [];
  /** thrown one by one before writes succeed */
  failures: Error[] = [];
  /** thrown whenever the rows include this event id */
  rejectsEventId?: string;
  /** how many rows of each write were already stored */
  alreadyStored = 0;
  onFailure?: () => void;
  private held?: Promise<void>;

  constructor(private readonly journal: Journal) {}

  /** writes wait until the returned function is called */
  hold(): () => void {
    let release!: () => void;
    this.held = new Promise((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }

  async write(_table: unknown, rows: RecordRow<VehicleTelemetryV1>[]): Promise<number> {
    await this.held;
    this.calls.push(rows);
    const failure =
      this.failures.shift() ??
      (rows.some((r) => r.record.eventId === this.rejectsEventId)
        ? Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' })
        : undefined);
    if (failure) {
      this.journal.push(`write failed ${rows.length}`);
      this.onFailure?.();
      throw failure;
    }
    this.journal.push(`write ${rows.map((r) => r.offset).join(',')}`);
    return rows.length - this.alreadyStored;
  }
}

class FakeDeadLetters {
  readonly published: DeadLetterV1[] = [];
  failures: Error[] = [];

  constructor(private readonly journal: Journal) {}

  publish(letters: DeadLetterV1[]): Promise<void> {
    const failure = this.failures.shift();
    if (failure) {
      this.journal.push('dead letters failed');
      return Promise.reject(failure);
    }
    this.journal.push(`dead letters ${letters.map((l) => l.offset).join(',')}`);
    this.published.push(...letters);
    return Promise.resolve();
  }
}

/** the part of a kafkajs consumer the sink uses; events are emitted by the test */
class FakeConsumer {
  readonly events = { GROUP_JOIN: 'group_join', REBALANCING: 'rebalancing', CRASH: 'crash' };
  private readonly listeners = new Map<string, ((event: { payload: unknown }) => void)[]>();
  /** commits fail with these, one by one */
  commitFailures: Error[] = [];

  constructor(private readonly journal: Journal) {}

  on(event: string, listener: (event: { payload: unknown }) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }
  emit(event: keyof FakeConsumer['events'], payload: unknown = {}): void {
    for (const listener of this.listeners.get(this.events[event]) ?? []) listener({ payload });
  }
  joined(partitions: number[]): void {
    this.emit('GROUP_JOIN', { memberAssignment: { [TOPIC]: partitions } });
  }
  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(): Promise<void> {}
  pause(): void {
    this.journal.push('pause');
  }
  seek({ partition, offset }: { partition: number; offset: string }): void {
    this.journal.push(`seek [${partition}] ${offset}`);
  }
  disconnect(): Promise<void> {
    this.journal.push('disconnect');
    return Promise.resolve();
  }
}

function aMessage(offset: number, value: Buffer | string | object | null): KafkaMessage {
  const bytes =
    value === null || Buffer.isBuffer(value)
      ? value
      : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return {
    offset: String(offset),
    key: null,
    value: bytes,
    timestamp: '0',
    attributes: 0,
    headers: {},
    size: 0,
  } as unknown as KafkaMessage;
}

const anEventId = (n: number) => `${n.toString(16).padStart(8, '0')}-3b1c-5d4e-8f7a-1b2c3d4e5f60`;
const validMessages = (firstOffset: number, count: number) =>
  Array.from({ length: count }, (_, i) =>
    aMessage(firstOffset + i, aVehicleRecord({ eventId: anEventId(firstOffset + i) })),
  );
const offsets = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

interface BatchHandles {
  running: boolean;
  stale: boolean;
  heartbeatError?: Error;
}

function aBatch(
  journal: Journal,
  messages: KafkaMessage[],
  options: { handles?: BatchHandles; partition?: number; consumer?: FakeConsumer } = {},
): EachBatchPayload {
  const { handles = { running: true, stale: false }, partition = 2, consumer } = options;
  return {
    batch: {
      topic: TOPIC,
      partition,
      highWatermark: String(Number(messages.at(-1)!.offset) + 11),
      messages,
    },
    resolveOffset: (offset: string) => void journal.push(`resolve [${partition}] ${offset}`),
    commitOffsetsIfNecessary: (offsets: {
      topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
    }) => {
      const [{ topic, partitions }] = offsets.topics;
      const failure = consumer?.commitFailures.shift();
      if (failure) {
        journal.push(`commit failed [${partitions[0].partition}] ${partitions[0].offset}`);
        return Promise.reject(failure);
      }
      journal.push(`commit ${topic}[${partitions[0].partition}] ${partitions[0].offset}`);
      return Promise.resolve();
    },
    heartbeat: () => {
      if (handles.heartbeatError) return Promise.reject(handles.heartbeatError);
      journal.push('heartbeat');
      return Promise.resolve();
    },
    isRunning: () => handles.running,
    isStale: () => handles.stale,
    uncommittedOffsets: () => ({ topics: [] }),
    pause: () => () => undefined,
  } as unknown as EachBatchPayload;
}

function aSink(maxBatch = 5000, tally?: RecordTally) {
  const journal: Journal = [];
  const writer = new FakeWriter(journal);
  const deadLetters = new FakeDeadLetters(journal);
  const consumer = new FakeConsumer(journal);
  const config = { consumer: { maxBatch } } as AppConfig;
  const sut = new RecordSink<VehicleTelemetryV1>(
    { ...SINKS.vehicle, retry: { initialMs: 1, maxMs: 4 } },
    { consumer: () => consumer } as unknown as Kafka,
    writer as unknown as RecordBatchWriter,
    deadLetters as unknown as DeadLetterPublisher,
    config,
    tally,
  );
  /** the sink started on the fake consumer and joined with these partitions */
  const started = async (partitions = [2, 3]) => {
    sut.onApplicationBootstrap();
    await new Promise(setImmediate);
    consumer.joined(partitions);
    await sut.ready;
  };
  /** handles the batch the way kafkajs does, then waits until the writer has committed or given up its chunks */
  const consume = async (payload: EachBatchPayload) => {
    await sut.handleBatch(payload);
    await sut.settled();
  };
  return { sut, journal, writer, deadLetters, consumer, started, consume };
}

const connectionRefused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise(setImmediate);
};

describe(RecordSink.name, () => {
  // the waits and dead letters are logged on purpose; keep the test output readable
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('hands a batch to the writer and returns; the rows are stored with one write, then the next offset is committed', async () => {
    const { sut, journal, writer } = aSink();
    const release = writer.hold();

    await sut.handleBatch(aBatch(journal, validMessages(10, 3)));
    expect(journal).toEqual(['resolve [2] 12']);

    release();
    await sut.settled();
    expect(journal).toEqual(['resolve [2] 12', 'write 10,11,12', `commit ${TOPIC}[2] 13`]);
    expect(writer.calls[0].map((row) => row.partition)).toEqual([2, 2, 2]);
    expect(sut.status()).toMatchObject({
      stored: 3,
      duplicates: 0,
      deadLettered: 0,
      retries: 0,
      lag: { 2: 10 },
    });
  });

  it('retries the same rows while PostgreSQL is away and commits only after they are stored', async () => {
    const { sut, journal, writer, consume } = aSink();
    writer.failures = [
      connectionRefused(),
      connectionRefused(),
      new Error('timeout exceeded when trying to connect'),
    ];
    const seenWhileWaiting: unknown[] = [];
    writer.onFailure = () => seenWhileWaiting.push(sut.status().waitingFor);

    await consume(aBatch(journal, validMessages(10, 2)));

    expect(journal).toEqual([
      'resolve [2] 11',
      'write failed 2',
      'write failed 2',
      'write failed 2',
      'write 10,11',
      `commit ${TOPIC}[2] 12`,
    ]);
    expect(new Set(writer.calls.map((rows) => rows.map((r) => r.offset).join(',')))).toEqual(
      new Set(['10,11']),
    );
    expect(seenWhileWaiting[1]).toMatchObject({
      dependency: 'PostgreSQL',
      reason: 'connect ECONNREFUSED 127.0.0.1:5433',
      partitions: [2],
    });
    expect(seenWhileWaiting[2]).toMatchObject({ reason: 'connect ECONNREFUSED 127.0.0.1:5433' });
    expect(sut.status()).toMatchObject({ stored: 2, retries: 3 });
    expect(sut.status().waitingFor).toBeUndefined();
  });

  it('dead-letters messages that are not records, stores the rest, and commits after both', async () => {
    const { sut, journal, deadLetters, writer, consume } = aSink();
    const messages = [
      aMessage(20, aVehicleRecord({ eventId: anEventId(0) })),
      aMessage(21, Buffer.from([0x67, 0x61, 0x72, 0x62, 0xff])),
      aMessage(22, aVehicleRecord({ eventId: anEventId(1), latitude: 123 })),
      aMessage(23, null),
      aMessage(24, '[1,2]'),
      aMessage(25, aVehicleRecord({ eventId: anEventId(2) })),
    ];

    await consume(aBatch(journal, messages));

    expect(journal).toEqual([
      'resolve [2] 25',
      'write 20,25',
      'dead letters 21,22,23,24',
      `commit ${TOPIC}[2] 26`,
    ]);
    expect(writer.calls).toHaveLength(1);
    const [garbage, outOfRange, empty, array] = deadLetters.published;
    expect(garbage).toMatchObject({
      schema: 'dead-letter/v1',
      stage: 'consume',
      source: null,
      topic: TOPIC,
      partition: 2,
      offset: '21',
      originalBase64: 'Z2FyYv8=',
    });
    expect(garbage.reasons).toEqual(['message is not valid UTF-8']);
    expect(outOfRange).toMatchObject({
      source: 'mobway',
      entityId: '9BWZZZ377VT004251',
      reasons: ['latitude must not be greater than 90'],
      original: expect.objectContaining({ latitude: 123 }),
      offset: '22',
    });
    expect(empty).toMatchObject({ reasons: ['message has no value'], offset: '23' });
    expect(array).toMatchObject({
      reasons: ['message is not a JSON object'],
      original: [1, 2],
      offset: '24',
    });
    expect(sut.status()).toMatchObject({ stored: 2, deadLettered: 4 });
  });

  it('commits a batch of nothing but poison once its dead letters are acknowledged, retrying while Kafka refuses them', async () => {
    const { journal, deadLetters, writer, consume } = aSink();
    deadLetters.failures = [new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092')];

    await consume(aBatch(journal, [aMessage(7, 'not json')]));

    expect(journal).toEqual([
      'resolve [2] 7',
      'dead letters failed',
      'dead letters 7',
      `commit ${TOPIC}[2] 8`,
    ]);
    expect(writer.calls).toHaveLength(0);
    expect(deadLetters.published[0].reasons[0]).toMatch(/^message is not valid JSON: /);
  });

  it('does not write again when only the dead letters had to be retried', async () => {
    const { journal, deadLetters, writer, consume } = aSink();
    deadLetters.failures = [new Error('broker away'), new Error('broker away')];

    await consume(aBatch(journal, [...validMessages(30, 1), aMessage(31, 'x')]));

    expect(writer.calls).toHaveLength(1);
    expect(journal.at(-1)).toBe(`commit ${TOPIC}[2] 32`);
  });

  it('finds the row PostgreSQL rejects for its values by halving, dead-letters it and stores the others', async () => {
    const { sut, journal, writer, deadLetters, consume } = aSink();
    writer.rejectsEventId = anEventId(43);

    await consume(aBatch(journal, validMessages(40, 5)));

    expect(journal).toEqual([
      'resolve [2] 44',
      'write failed 5',
      'write 40,41',
      'write failed 3',
      'write 42',
      'write failed 2',
      'write failed 1',
      'write 44',
      'dead letters 43',
      `commit ${TOPIC}[2] 45`,
    ]);
    expect(deadLetters.published).toHaveLength(1);
    expect(deadLetters.published[0]).toMatchObject({
      offset: '43',
      entityId: '9BWZZZ377VT004251',
      reasons: ['rejected by PostgreSQL: unsupported Unicode escape sequence (SQLSTATE 22P05)'],
      original: expect.objectContaining({ eventId: anEventId(43) }),
    });
    expect(sut.status()).toMatchObject({ stored: 4, deadLettered: 1, retries: 0 });
  });

  it("stores a partition's chunks in offset order, each committed before the next is written", async () => {
    const { journal, consume } = aSink(2);

    await consume(aBatch(journal, validMessages(70, 5)));

    expect(journal.filter((line) => line.startsWith('resolve'))).toEqual([
      'resolve [2] 71',
      'resolve [2] 73',
      'resolve [2] 74',
    ]);
    expect(journal.filter((line) => !line.startsWith('resolve'))).toEqual([
      'write 70,71', `commit ${TOPIC}[2] 72`,
      'write 72,73', `commit ${TOPIC}[2] 74`,
      'write 74', `commit ${TOPIC}[2] 75`,
    ]); // prettier-ignore
  });

  it("keeps each partition's order across batches while PostgreSQL is away, storing every chunk once", async () => {
    const { sut, journal, writer, consume } = aSink(3);
    writer.failures = [
      connectionRefused(),
      connectionRefused(),
      connectionRefused(),
      connectionRefused(),
    ];

    await sut.handleBatch(aBatch(journal, validMessages(100, 6), { partition: 2 }));
    await sut.handleBatch(aBatch(journal, validMessages(200, 6), { partition: 3 }));
    await consume(aBatch(journal, validMessages(106, 3), { partition: 2 }));

    const written = journal
      .filter((line) => line.startsWith('write ') && !line.startsWith('write failed'))
      .flatMap((line) => line.slice(6).split(','));
    expect(written.filter((offset) => offset < '200')).toEqual(offsets(100, 108));
    expect(written.filter((offset) => offset >= '200')).toEqual(offsets(200, 205));
    const commits = (partition: number) =>
      journal
        .filter((line) => line.startsWith(`commit ${TOPIC}[${partition}]`))
        .map((line) => line.split(' ')[2]);
    expect(commits(2)).toEqual(['103', '106', '109']);
    expect(commits(3)).toEqual(['203', '206']);
    expect(sut.status()).toMatchObject({ stored: 15, retries: 4 });
  });

  it('does not hold one partition behind another that waits for PostgreSQL', async () => {
    const { sut, journal, writer } = aSink();
    writer.failures = [connectionRefused()];
    writer.onFailure = () => (writer.failures = [connectionRefused()]);

    await sut.handleBatch(aBatch(journal, validMessages(10, 2), { partition: 2 }));
    await turns(2);
    writer.onFailure = undefined;
    writer.failures = [];
    await sut.handleBatch(aBatch(journal, validMessages(50, 2), { partition: 3 }));
    await sut.settled();

    expect(journal.indexOf(`commit ${TOPIC}[3] 52`)).toBeGreaterThan(-1);
    expect(journal.indexOf('write 50,51')).toBeLessThan(journal.indexOf('write 10,11'));
  });

  it('holds kafkajs back, heartbeating, while eight chunks wait for the writer', async () => {
    const { sut, journal, writer } = aSink(1);
    const release = writer.hold();

    const handling = sut.handleBatch(aBatch(journal, validMessages(0, 10)));
    await turns();
    expect(journal).toEqual(offsets(0, 7).map((offset) => `resolve [2] ${offset}`));

    release();
    await handling;
    await sut.settled();
    expect(journal.filter((line) => line.startsWith('resolve'))).toHaveLength(10);
    expect(journal.indexOf('heartbeat')).toBeGreaterThan(journal.indexOf('resolve [2] 7'));
    expect(journal.filter((line) => line.startsWith('commit')).at(-1)).toBe(
      `commit ${TOPIC}[2] 10`,
    );
  });

  it('lets a rebalance seen while the queue is full reach kafkajs, which re-joins and fetches again from the committed offset', async () => {
    const { sut, journal, writer } = aSink(1);
    const release = writer.hold();
    const rebalancing = Object.assign(
      new Error('The group is rebalancing, so a rejoin is needed'),
      { type: 'REBALANCE_IN_PROGRESS' },
    );

    const handling = sut.handleBatch(
      aBatch(journal, validMessages(0, 10), {
        handles: { running: true, stale: false, heartbeatError: rebalancing },
      }),
    );
    await turns();
    release();

    await expect(handling).rejects.toBe(rebalancing);
    await sut.settled();
  });

  it('sends the fetching back to a chunk whose commit Kafka refused, and refuses the later chunks until it comes again', async () => {
    const { sut, journal, consumer, started } = aSink(2);
    await started();
    consumer.commitFailures = [new Error('Request OffsetCommit(key: 8, version: 5) timed out')];

    await sut.handleBatch(aBatch(journal, validMessages(10, 6), { consumer }));
    await sut.settled();
    // kafkajs had already fetched further: that batch is refused, unresolved
    await sut.handleBatch(aBatch(journal, validMessages(16, 2), { consumer }));
    await sut.settled();
    // the fetch from the offset it was sent back to
    await sut.handleBatch(aBatch(journal, validMessages(10, 8), { consumer }));
    await sut.settled();

    expect(journal.filter((line) => line.startsWith('resolve'))).toEqual([
      'resolve [2] 11',
      'resolve [2] 13',
      'resolve [2] 15',
      'resolve [2] 11',
      'resolve [2] 13',
      'resolve [2] 15',
      'resolve [2] 17',
    ]);
    expect(journal.filter((line) => !line.startsWith('resolve'))).toEqual([
      'write 10,11', 'commit failed [2] 12', 'seek [2] 10',
      'write 10,11', `commit ${TOPIC}[2] 12`,
      'write 12,13', `commit ${TOPIC}[2] 14`,
      'write 14,15', `commit ${TOPIC}[2] 16`,
      'write 16,17', `commit ${TOPIC}[2] 18`,
    ]); // prettier-ignore
  });

  it('neither writes nor commits the chunks it holds once the group starts rebalancing, then stores again from the committed offset', async () => {
    const { sut, journal, writer, consumer, started } = aSink(2);
    await started();
    const release = writer.hold();

    await sut.handleBatch(aBatch(journal, validMessages(10, 6), { consumer }));
    await turns();
    consumer.emit('REBALANCING');
    release();
    await sut.settled();
    // the first chunk was being written: it finishes, uncommitted; the others are not written
    expect(journal).toEqual(['resolve [2] 11', 'resolve [2] 13', 'resolve [2] 15', 'write 10,11']);

    consumer.joined([2]);
    await sut.handleBatch(aBatch(journal, validMessages(10, 4), { consumer }));
    await sut.settled();
    expect(journal.slice(4)).toEqual([
      'resolve [2] 11',
      'resolve [2] 13',
      'write 10,11',
      `commit ${TOPIC}[2] 12`,
      'write 12,13',
      `commit ${TOPIC}[2] 14`,
    ]);
  });

  it("never commits a revoked partition's chunks after the re-join, even the one being written", async () => {
    const { sut, journal, writer, consumer, started } = aSink(2);
    await started([2, 3]);
    const release = writer.hold();

    await sut.handleBatch(aBatch(journal, validMessages(10, 4), { consumer, partition: 2 }));
    await turns();
    consumer.emit('REBALANCING');
    consumer.joined([3]);
    release();
    await sut.settled();

    expect(journal.filter((line) => line.startsWith('commit') || line.startsWith('seek'))).toEqual(
      [],
    );
    expect(writer.calls).toHaveLength(1);
  });

  it('gives a chunk up uncommitted when the group rebalances while PostgreSQL is away', async () => {
    const { sut, journal, writer, consumer, started } = aSink();
    await started();
    writer.failures = [connectionRefused(), connectionRefused()];
    writer.onFailure = () => consumer.emit('REBALANCING');

    await sut.handleBatch(aBatch(journal, validMessages(50, 2), { consumer }));
    await sut.settled();

    expect(journal).toEqual(['resolve [2] 51', 'write failed 2']);
    expect(sut.status().waitingFor).toBeUndefined();
  });

  it('on shutdown stops fetching, stores and commits the chunks in hand, then leaves the group', async () => {
    const { sut, journal, writer, consumer, started } = aSink(2);
    await started();
    const release = writer.hold();
    await sut.handleBatch(aBatch(journal, validMessages(10, 4), { consumer, partition: 2 }));
    await sut.handleBatch(aBatch(journal, validMessages(30, 2), { consumer, partition: 3 }));

    const stopping = sut.beforeApplicationShutdown();
    await turns();
    release();
    await stopping;

    expect(journal.slice(3)).toEqual([
      'pause',
      'write 10,11',
      'write 30,31',
      `commit ${TOPIC}[2] 12`,
      `commit ${TOPIC}[3] 32`,
      'write 12,13',
      `commit ${TOPIC}[2] 14`,
      'disconnect',
    ]);
    expect(sut.status().state).toBe('stopped');
  });

  it('on shutdown gives the chunks up uncommitted while PostgreSQL is away, and leaves the group', async () => {
    const { sut, journal, writer, consumer, started } = aSink(2);
    await started();
    writer.failures = Array.from({ length: 100 }, connectionRefused);
    await sut.handleBatch(aBatch(journal, validMessages(10, 4), { consumer }));
    await turns(5);

    await sut.beforeApplicationShutdown();

    expect(
      journal.filter(
        (line) =>
          line.startsWith('commit') || line.startsWith('seek') || line.startsWith('write 1'),
      ),
    ).toEqual([]);
    expect(journal.at(-1)).toBe('disconnect');
    expect(sut.status().waitingFor).toBeUndefined();
  });

  it('splits a batch into chunks of even size rather than leaving a small remainder', async () => {
    const { journal, consume } = aSink(4);

    await consume(aBatch(journal, validMessages(70, 5)));

    expect(journal.filter((line) => line.startsWith('write'))).toEqual([
      'write 70,71,72',
      'write 73,74',
    ]);
  });

  it('takes no further chunk once the app is stopping, leaving the rest to be fetched again', async () => {
    const { sut, journal, writer } = aSink(1);
    const release = writer.hold();
    const handles = { running: true, stale: false };

    const handling = sut.handleBatch(aBatch(journal, validMessages(0, 10), { handles }));
    await turns();
    handles.running = false;
    release();
    await handling;
    await sut.settled();

    // the chunk being written when it stopped is finished, uncommitted
    expect(journal.filter((line) => line.startsWith('resolve'))).toHaveLength(8);
    expect(journal.filter((line) => line.startsWith('write') || line.startsWith('commit'))).toEqual(
      ['write 0'],
    );
  });

  it("counts a stored chunk's records for the completeness ledger before committing it, retrying while that fails", async () => {
    const counted: { chunk: TalliedChunk; offsets: string[] }[] = [];
    const failures = [connectionRefused()];
    let journal: Journal = [];
    const tally: RecordTally = {
      consumed: (chunk, records) => {
        const failure = failures.shift();
        journal.push(failure ? 'tally failed' : `tally ${records.map((r) => r.offset).join(',')}`);
        if (failure) return Promise.reject(failure);
        counted.push({ chunk, offsets: records.map((r) => r.offset) });
        return Promise.resolve();
      },
    };
    const sink = aSink(5000, tally);
    journal = sink.journal;
    await sink.consume(
      aBatch(journal, [...validMessages(10, 2), aMessage(12, { not: 'a record' })]),
    );
    expect(journal).toEqual([
      'resolve [2] 12',
      'write 10,11',
      'tally failed',
      'tally 10,11',
      'dead letters 12',
      `commit ${TOPIC}[2] 13`,
    ]);
    expect(counted).toEqual([
      {
        chunk: { groupId: SINKS.vehicle.groupId, topic: TOPIC, partition: 2, last: '12' },
        offsets: ['10', '11'],
      },
    ]);
  });

  it('counts records that were already stored as duplicates', async () => {
    const { sut, journal, writer, consume } = aSink();
    writer.alreadyStored = 2;

    await consume(aBatch(journal, validMessages(80, 3)));

    expect(sut.status()).toMatchObject({ stored: 1, duplicates: 2 });
  });
});
