import { Logger } from '@nestjs/common';
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { AppConfig } from '@app/config';
import { DeadLetterV1, VehicleTelemetryV1 } from '@app/contracts';
import { aVehicleRecord } from '@app/contracts/testing';
import type { RecordBatchWriter, RecordRow } from '@app/persistence/record-batch.writer';
import type { DeadLetterPublisher } from './dead-letter.publisher';
import { RecordSink } from './record.sink';
import { SINKS } from './sink.options';

const TOPIC = SINKS.vehicle.topic;
const VALID_IDS = ['0d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60', '1d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f61', '2d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f62', '3d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f63', '4d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f64'];

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

  constructor(private readonly journal: Journal) {}

  async write(_table: unknown, rows: RecordRow<VehicleTelemetryV1>[]): Promise<number> {
    this.calls.push(rows);
    const failure = this.failures.shift() ?? (rows.some((r) => r.record.eventId === this.rejectsEventId) ? Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }) : undefined);
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

  async publish(letters: DeadLetterV1[]): Promise<void> {
    const failure = this.failures.shift();
    if (failure) {
      this.journal.push('dead letters failed');
      throw failure;
    }
    this.journal.push(`dead letters ${letters.map((l) => l.offset).join(',')}`);
    this.published.push(...letters);
  }
}

function aMessage(offset: number, value: Buffer | string | object | null): KafkaMessage {
  const bytes = value === null || Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return { offset: String(offset), key: null, value: bytes, timestamp: '0', attributes: 0, headers: {}, size: 0 } as unknown as KafkaMessage;
}

const validMessages = (firstOffset: number, count: number) =>
  Array.from({ length: count }, (_, i) => aMessage(firstOffset + i, aVehicleRecord({ eventId: VALID_IDS[i] })));

interface BatchHandles {
  running: boolean;
  stale: boolean;
  heartbeatError?: Error;
}

function aBatch(journal: Journal, messages: KafkaMessage[], handles: BatchHandles = { running: true, stale: false }, partition = 2): EachBatchPayload {
  return {
    batch: { topic: TOPIC, partition, highWatermark: String(Number(messages.at(-1)!.offset) + 11), messages },
    resolveOffset: (offset: string) => void journal.push(`resolve ${offset}`),
    commitOffsetsIfNecessary: async (offsets: { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }) => {
      const [{ topic, partitions }] = offsets.topics;
      journal.push(`commit ${topic}[${partitions[0].partition}] ${partitions[0].offset}`);
    },
    heartbeat: async () => {
      if (handles.heartbeatError) throw handles.heartbeatError;
      journal.push('heartbeat');
    },
    isRunning: () => handles.running,
    isStale: () => handles.stale,
    uncommittedOffsets: () => ({ topics: [] }),
    pause: () => () => undefined,
  } as unknown as EachBatchPayload;
}

function aSink(maxBatch = 5000) {
  const journal: Journal = [];
  const writer = new FakeWriter(journal);
  const deadLetters = new FakeDeadLetters(journal);
  const config = { consumer: { maxBatch } } as AppConfig;
  const sut = new RecordSink<VehicleTelemetryV1>(
    { ...SINKS.vehicle, retry: { initialMs: 1, maxMs: 4 } },
    {} as Kafka,
    writer as unknown as RecordBatchWriter,
    deadLetters as unknown as DeadLetterPublisher,
    config,
  );
  return { sut, journal, writer, deadLetters };
}

const connectionRefused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });

describe(RecordSink.name, () => {
  // the waits and dead letters are logged on purpose; keep the test output readable
  beforeAll(() => Logger.overrideLogger(false));

  it('stores a batch with one write, then resolves, commits the next offset and heartbeats', async () => {
    const { sut, journal, writer } = aSink();

    await sut.handleBatch(aBatch(journal, validMessages(10, 3)));

    expect(journal).toEqual(['write 10,11,12', 'resolve 12', `commit ${TOPIC}[2] 13`, 'heartbeat']);
    expect(writer.calls[0].map((row) => row.partition)).toEqual([2, 2, 2]);
    expect(sut.status()).toMatchObject({ stored: 3, duplicates: 0, deadLettered: 0, retries: 0, lag: { 2: 10 } });
  });

  it('retries the same rows while PostgreSQL is away and commits only after they are stored', async () => {
    const { sut, journal, writer } = aSink();
    writer.failures = [connectionRefused(), connectionRefused(), new Error('timeout exceeded when trying to connect')];
    const seenWhileWaiting: unknown[] = [];
    writer.onFailure = () => seenWhileWaiting.push(sut.status().waitingFor);

    await sut.handleBatch(aBatch(journal, validMessages(10, 2)));

    expect(journal).toEqual([
      'write failed 2',
      'heartbeat',
      'write failed 2',
      'heartbeat',
      'write failed 2',
      'heartbeat',
      'write 10,11',
      'resolve 11',
      `commit ${TOPIC}[2] 12`,
      'heartbeat',
    ]);
    expect(new Set(writer.calls.map((rows) => rows.map((r) => r.offset).join(',')))).toEqual(new Set(['10,11']));
    expect(seenWhileWaiting[1]).toMatchObject({ dependency: 'PostgreSQL', reason: 'connect ECONNREFUSED 127.0.0.1:5433', partitions: [2] });
    expect(seenWhileWaiting[2]).toMatchObject({ reason: 'connect ECONNREFUSED 127.0.0.1:5433' });
    expect(sut.status()).toMatchObject({ stored: 2, retries: 3 });
    expect(sut.status().waitingFor).toBeUndefined();
  });

  it('dead-letters messages that are not records, stores the rest, and commits after both', async () => {
    const { sut, journal, deadLetters, writer } = aSink();
    const messages = [
      aMessage(20, aVehicleRecord({ eventId: VALID_IDS[0] })),
      aMessage(21, Buffer.from([0x67, 0x61, 0x72, 0x62, 0xff])),
      aMessage(22, aVehicleRecord({ eventId: VALID_IDS[1], latitude: 123 })),
      aMessage(23, null),
      aMessage(24, '[1,2]'),
      aMessage(25, aVehicleRecord({ eventId: VALID_IDS[2] })),
    ];

    await sut.handleBatch(aBatch(journal, messages));

    expect(journal).toEqual(['write 20,25', 'dead letters 21,22,23,24', 'resolve 25', `commit ${TOPIC}[2] 26`, 'heartbeat']);
    expect(writer.calls).toHaveLength(1);
    const [garbage, outOfRange, empty, array] = deadLetters.published;
    expect(garbage).toMatchObject({ schema: 'dead-letter/v1', stage: 'consume', source: null, topic: TOPIC, partition: 2, offset: '21', originalBase64: 'Z2FyYv8=' });
    expect(garbage.reasons).toEqual(['message is not valid UTF-8']);
    expect(outOfRange).toMatchObject({
      source: 'mobway',
      entityId: '9BWZZZ377VT004251',
      reasons: ['latitude must not be greater than 90'],
      original: expect.objectContaining({ latitude: 123 }),
      offset: '22',
    });
    expect(empty).toMatchObject({ reasons: ['message has no value'], offset: '23' });
    expect(array).toMatchObject({ reasons: ['message is not a JSON object'], original: [1, 2], offset: '24' });
    expect(sut.status()).toMatchObject({ stored: 2, deadLettered: 4 });
  });

  it('commits a batch of nothing but poison once its dead letters are acknowledged, retrying while Kafka refuses them', async () => {
    const { sut, journal, deadLetters, writer } = aSink();
    deadLetters.failures = [new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092')];

    await sut.handleBatch(aBatch(journal, [aMessage(7, 'not json')]));

    expect(journal).toEqual(['dead letters failed', 'heartbeat', 'dead letters 7', 'resolve 7', `commit ${TOPIC}[2] 8`, 'heartbeat']);
    expect(writer.calls).toHaveLength(0);
    expect(deadLetters.published[0].reasons[0]).toMatch(/^message is not valid JSON: /);
  });

  it('does not write again when only the dead letters had to be retried', async () => {
    const { sut, journal, deadLetters, writer } = aSink();
    deadLetters.failures = [new Error('broker away'), new Error('broker away')];

    await sut.handleBatch(aBatch(journal, [...validMessages(30, 1), aMessage(31, 'x')]));

    expect(writer.calls).toHaveLength(1);
    expect(journal.at(-3)).toBe('resolve 31');
  });

  it('finds the row PostgreSQL rejects for its values by halving, dead-letters it and stores the others', async () => {
    const { sut, journal, writer, deadLetters } = aSink();
    writer.rejectsEventId = VALID_IDS[3];

    await sut.handleBatch(aBatch(journal, validMessages(40, 5)));

    expect(journal).toEqual([
      'write failed 5',
      'write 40,41',
      'write failed 3',
      'write 42',
      'write failed 2',
      'write failed 1',
      'write 44',
      'dead letters 43',
      'resolve 44',
      `commit ${TOPIC}[2] 45`,
      'heartbeat',
    ]);
    expect(deadLetters.published).toHaveLength(1);
    expect(deadLetters.published[0]).toMatchObject({
      offset: '43',
      entityId: '9BWZZZ377VT004251',
      reasons: ['rejected by PostgreSQL: unsupported Unicode escape sequence (SQLSTATE 22P05)'],
      original: expect.objectContaining({ eventId: VALID_IDS[3] }),
    });
    expect(sut.status()).toMatchObject({ stored: 4, deadLettered: 1, retries: 0 });
  });

  it('gives the batch up uncommitted when the app stops while PostgreSQL is away', async () => {
    const { sut, journal, writer } = aSink();
    const handles = { running: true, stale: false };
    writer.failures = [connectionRefused(), connectionRefused(), connectionRefused()];
    writer.onFailure = () => (handles.running = writer.calls.length < 2);

    await sut.handleBatch(aBatch(journal, validMessages(50, 2), handles));

    expect(journal).toEqual(['write failed 2', 'heartbeat', 'write failed 2']);
    expect(sut.status().waitingFor).toBeUndefined();
  });

  it('gives the batch up uncommitted when the partition moves to another member while waiting', async () => {
    const { sut, journal, writer } = aSink();
    const handles = { running: true, stale: false };
    writer.failures = [connectionRefused()];
    writer.onFailure = () => (handles.stale = true);

    await sut.handleBatch(aBatch(journal, validMessages(50, 2), handles));

    expect(journal).toEqual(['write failed 2']);
  });

  it('lets a rebalance seen while waiting reach kafkajs, which re-joins and fetches the batch again', async () => {
    const { sut, journal, writer } = aSink();
    const rebalancing = Object.assign(new Error('The group is rebalancing, so a rejoin is needed'), { type: 'REBALANCE_IN_PROGRESS' });
    writer.failures = [connectionRefused()];

    await expect(sut.handleBatch(aBatch(journal, validMessages(60, 1), { running: true, stale: false, heartbeatError: rebalancing }))).rejects.toBe(rebalancing);
    expect(journal).toEqual(['write failed 1']);
  });

  it('stores a large batch in chunks of CONSUMER_MAX_BATCH, committing after each', async () => {
    const { sut, journal } = aSink(2);

    await sut.handleBatch(aBatch(journal, validMessages(70, 5)));

    expect(journal).toEqual([
      'write 70,71', 'resolve 71', `commit ${TOPIC}[2] 72`, 'heartbeat',
      'write 72,73', 'resolve 73', `commit ${TOPIC}[2] 74`, 'heartbeat',
      'write 74', 'resolve 74', `commit ${TOPIC}[2] 75`, 'heartbeat',
    ]); // prettier-ignore
  });

  it('splits a batch into chunks of even size rather than leaving a small remainder', async () => {
    const { sut, journal } = aSink(4);

    await sut.handleBatch(aBatch(journal, validMessages(70, 5)));

    expect(journal.filter((line) => line.startsWith('write'))).toEqual(['write 70,71,72', 'write 73,74']);
  });

  it('takes no further chunk once the app is stopping, leaving the rest to be fetched again', async () => {
    const { sut, journal } = aSink(2);
    const handles = { running: true, stale: false };

    const handling = sut.handleBatch(aBatch(journal, validMessages(70, 5), handles));
    handles.running = false;
    await handling;

    expect(journal).toEqual(['write 70,71', 'resolve 71', `commit ${TOPIC}[2] 72`, 'heartbeat']);
  });

  it('counts records that were already stored as duplicates', async () => {
    const { sut, journal, writer } = aSink();
    writer.alreadyStored = 2;

    await sut.handleBatch(aBatch(journal, validMessages(80, 3)));

    expect(sut.status()).toMatchObject({ stored: 1, duplicates: 2 });
  });
});
