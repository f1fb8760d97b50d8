import { AppConfig } from '@app/config';
import type { DeadLetterRepository } from './dead-letter.repository';
import { DeadLetterRetention } from './dead-letter.retention';

const NOW = Date.parse('2025-03-31T12:00:00.000Z');

class FakeRepository {
  cutoffs: string[] = [];
  constructor(private readonly batches: (number | Error)[]) {}
  deleteOlderThan = (cutoff: Date, batch: number): Promise<number> => {
    this.cutoffs.push(`${cutoff.toISOString()}/${batch}`);
    const next = this.batches.shift() ?? 0;
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
}

const configWith = (retentionDays: number) =>
  ({ deadLetters: { retentionDays } }) as unknown as AppConfig;

describe(DeadLetterRetention.name, () => {
  it('deletes in batches of 1000 until one comes back short, before now − the retention days', async () => {
    const repository = new FakeRepository([1000, 1000, 17]);
    const sut = new DeadLetterRetention(
      repository as unknown as DeadLetterRepository,
      configWith(30),
    );
    expect(await sut.round(NOW)).toBe(2017);
    expect(repository.cutoffs).toEqual(Array(3).fill('2025-03-01T12:00:00.000Z/1000'));
  });

  it('deletes nothing when told to keep everything (0), and schedules nothing', async () => {
    const repository = new FakeRepository([5]);
    const sut = new DeadLetterRetention(
      repository as unknown as DeadLetterRepository,
      configWith(0),
    );
    sut.onApplicationBootstrap();
    expect(await sut.round(NOW)).toBe(0);
    expect(repository.cutoffs).toEqual([]);
    await sut.onModuleDestroy();
  });

  it('never throws: a failed round says what it managed and the next round tries again', async () => {
    const repository = new FakeRepository([1000, new Error('connection terminated'), 3]);
    const sut = new DeadLetterRetention(
      repository as unknown as DeadLetterRepository,
      configWith(7),
    );
    expect(await sut.round(NOW)).toBe(1000);
    expect(await sut.round(NOW)).toBe(3);
  });

  it('runs one round at a time: a second caller shares the one under way', async () => {
    const repository = new FakeRepository([4]);
    const sut = new DeadLetterRetention(
      repository as unknown as DeadLetterRepository,
      configWith(1),
    );
    const [a, b] = await Promise.all([sut.round(NOW), sut.round(NOW)]);
    expect([a, b]).toEqual([4, 4]);
    expect(repository.cutoffs).toHaveLength(1);
  });
});
