import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { aDeadLetter } from '@app/contracts/testing';
import { DeadLetterConsumer } from './dead-letter.consumer';
import type { DeadLetterRepository } from './dead-letter.repository';
import type { DeadLetterRow } from './dead-letter.row';

const message = (offset: string, value: unknown = aDeadLetter()): KafkaMessage =>
  ({
    offset,
    timestamp: '1740834002130',
    value: Buffer.from(JSON.stringify(value)),
  }) as KafkaMessage;

/** what kafkajs hands eachBatch, recording what the consumer resolves and commits */
function aBatch(messages: KafkaMessage[], running = () => true) {
  const seen = { resolved: [] as string[], committed: [] as unknown[], heartbeats: 0 };
  const payload = {
    batch: { topic: 'telemetry.deadletter.v1', partition: 2, messages },
    resolveOffset: (offset: string) => void seen.resolved.push(offset),
    commitOffsetsIfNecessary: (offsets?: unknown) =>
      Promise.resolve(void seen.committed.push(offsets)),
    heartbeat: () => Promise.resolve(void seen.heartbeats++),
    isRunning: running,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { payload, seen };
}

class FakeRepository {
  stored: DeadLetterRow[][] = [];
  constructor(private readonly failures: Error[] = []) {}
  insert = (rows: DeadLetterRow[]): Promise<number> => {
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    this.stored.push(rows);
    return Promise.resolve(rows.length);
  };
}

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe(DeadLetterConsumer.name, () => {
  const sutWith = (repository: FakeRepository) =>
    new DeadLetterConsumer({} as Kafka, repository as unknown as DeadLetterRepository);

  it('stores the batch, then commits the offset after its last message', async () => {
    const repository = new FakeRepository();
    const sut = sutWith(repository);
    const { payload, seen } = aBatch([message('40'), message('41')]);
    await sut.handleBatch(payload);
    expect(
      repository.stored.map((rows) => rows.map((r) => [r.kafkaPartition, r.kafkaOffset])),
    ).toEqual([
      [
        [2, '40'],
        [2, '41'],
      ],
    ]);
    expect(seen.resolved).toEqual(['41']);
    expect(seen.committed).toEqual([
      {
        topics: [
          { topic: 'telemetry.deadletter.v1', partitions: [{ partition: 2, offset: '42' }] },
        ],
      },
    ]);
    expect(sut.status()).toEqual({ stored: 2, redelivered: 0 });
  });

  it('waits for PostgreSQL, heartbeating, and commits only once the batch is stored', async () => {
    const repository = new FakeRepository([withCode('connect ECONNREFUSED', 'ECONNREFUSED')]);
    const sut = sutWith(repository);
    const { payload, seen } = aBatch([message('7')]);
    await sut.handleBatch(payload);
    expect(seen.heartbeats).toBe(1);
    expect(repository.stored).toHaveLength(1);
    expect(seen.resolved).toEqual(['7']);
  });

  it('gives the batch up uncommitted when the consumer stops meanwhile', async () => {
    let running = true;
    const repository = new FakeRepository([withCode('connect ECONNREFUSED', 'ECONNREFUSED')]);
    const sut = sutWith(repository);
    const { payload, seen } = aBatch([message('7')], () => running);
    const handled = sut.handleBatch(payload);
    running = false;
    await handled;
    expect(repository.stored).toEqual([]);
    expect(seen.resolved).toEqual([]);
    expect(seen.committed).toEqual([]);
  });

  it('stores a letter PostgreSQL refuses for its values without its text, the others as they are', async () => {
    const refused = withCode('invalid byte sequence', '22021');
    // the batch fails, then each letter alone: the first is refused, the second and the bare copy go in
    const repository = new FakeRepository([refused, refused]);
    const sut = sutWith(repository);
    const { payload, seen } = aBatch([message('1'), message('2')]);
    await sut.handleBatch(payload);
    const rows = repository.stored.flat();
    expect(rows.map((r) => r.kafkaOffset).sort()).toEqual(['1', '2']);
    const bare = rows.find((r) => r.kafkaOffset === '1')!;
    expect(bare.reasons.at(-1)).toBe(
      'the letter could not be stored as it was: invalid byte sequence',
    );
    expect(JSON.parse(bare.letter)).toEqual({ reasons: [bare.reasons.at(-1)] });
    expect(seen.resolved).toEqual(['2']);
  });
});
