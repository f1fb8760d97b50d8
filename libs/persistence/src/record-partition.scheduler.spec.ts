import { RecordPartitionManager, RetentionOutcome } from './record-partition.manager';
import { RecordPartitionScheduler } from './record-partition.scheduler';

const DAY = 86_400_000;

/** a manager that records what it is asked and answers as told */
function aManager(drop: (retentionDays: number) => Promise<RetentionOutcome>) {
  const calls: string[] = [];
  const manager = {
    ahead: (table: string) => {
      calls.push(`ahead ${table}`);
      return Promise.resolve([
        { name: `${table}_p20261207`, lower: 0, upper: 1, detaching: false },
      ]);
    },
    dropExpired: (table: string, retentionDays: number) => {
      calls.push(`drop ${table} ${retentionDays}`);
      return drop(retentionDays);
    },
  } as unknown as RecordPartitionManager;
  return { manager, calls };
}

const dropped = (n: number): RetentionOutcome => ({
  table: 't',
  cutoff: new Date(Date.now() - 30 * DAY).toISOString(),
  dropped: Array.from({ length: n }, (_, i) => ({
    name: `t_p2026010${i}`,
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-01-08T00:00:00.000Z',
    rows: 1000,
    bytes: 8192,
  })),
});

describe(RecordPartitionScheduler.name, () => {
  it('makes the partitions ahead and drops the expired ones each round, counting what went', async () => {
    const { manager, calls } = aManager(() => Promise.resolve(dropped(2)));
    const sut = new RecordPartitionScheduler(manager, 't', 30);

    await sut.round();
    await sut.round();

    expect(calls).toEqual(['ahead t', 'drop t 30', 'ahead t', 'drop t 30']);
    expect(sut.status()).toMatchObject({
      table: 't',
      retentionDays: 30,
      rounds: 2,
      failedRounds: 0,
      partitionsMade: 2,
      partitionsDropped: 4,
      rowsDropped: 4000,
      bytesDropped: 4 * 8192,
    });
  });

  it('survives a failed round: counted, and the next one runs', async () => {
    let fail = true;
    const { manager } = aManager(() =>
      fail ? Promise.reject(new Error('database away')) : Promise.resolve(dropped(0)),
    );
    const sut = new RecordPartitionScheduler(manager, 't', 7);

    await expect(sut.round()).resolves.toBeUndefined();
    fail = false;
    await sut.round();

    expect(sut.status()).toMatchObject({ rounds: 1, failedRounds: 1 });
  });

  it('runs one round at a time: a tick during a round joins it', async () => {
    let release!: () => void;
    const { manager, calls } = aManager(
      () => new Promise((resolve) => (release = () => resolve(dropped(0)))),
    );
    const sut = new RecordPartitionScheduler(manager, 't', 0);

    const first = sut.round();
    const second = sut.round();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all([first, second]);

    expect(calls).toEqual(['ahead t', 'drop t 0']);
  });

  it('stops its timer and waits for the round in flight on shutdown', async () => {
    const { manager } = aManager(() => Promise.resolve(dropped(0)));
    const sut = new RecordPartitionScheduler(manager, 't', 0, 10);

    await sut.onApplicationBootstrap();
    await sut.onModuleDestroy();
    const rounds = sut.status().rounds;
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(sut.status().rounds).toBe(rounds);
  });
});
