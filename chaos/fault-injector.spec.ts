import { FAULT_KINDS, planFaults } from './fault-injector';
import { SeededRandom } from './seeded-random';

describe(planFaults.name, () => {
  it('plans every kind the asked number of times inside the window, in time order', () => {
    const sut = planFaults(new SeededRandom(42), 600_000, 6, 2);
    expect(sut).toHaveLength(5 * 6 + 2);
    for (const kind of FAULT_KINDS) expect(sut.filter((f) => f.kind === kind)).toHaveLength(kind === 'gateway-sigterm' ? 2 : 6);
    expect(sut.map((f) => f.atMs)).toEqual([...sut.map((f) => f.atMs)].sort((x, y) => x - y));
    expect(sut[0].atMs).toBeGreaterThanOrEqual(5000);
    expect(sut[sut.length - 1].atMs).toBeLessThanOrEqual(552_000);
  });

  it('is the same plan for the same seed, and shuffled', () => {
    const plan = (seed: number) => planFaults(new SeededRandom(seed), 60_000, 2, 1);
    expect(plan(7)).toEqual(plan(7));
    expect(plan(7)).not.toEqual(plan(8));
    const kinds = planFaults(new SeededRandom(7), 600_000, 6, 2).map((f) => f.kind);
    expect(kinds.slice(0, 6)).not.toEqual(Array(6).fill('kafka'));
  });
});
