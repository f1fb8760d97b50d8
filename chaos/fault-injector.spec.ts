import {
  comparePlan,
  faultKindsOf,
  FAULT_KINDS,
  FaultKind,
  FaultRecord,
  FAULTS,
  ingestWindows,
  planFaults,
} from './fault-injector';
import { SeededRandom } from './seeded-random';

const counts = (kills: number, sigterms: number, freezes: number): Record<FaultKind, number> =>
  Object.fromEntries(
    FAULT_KINDS.map((k) => [
      k,
      FAULTS[k].action === 'sigterm' ? sigterms : FAULTS[k].action === 'freeze' ? freezes : kills,
    ]),
  ) as Record<FaultKind, number>;

describe(faultKindsOf.name, () => {
  it('runs PostgreSQL faults on both stacks, whole apps on the single one, instances and one of several brokers on the scaled one', () => {
    expect(faultKindsOf(false)).toEqual([
      'kafka',
      'postgres',
      'gateway',
      'vehicle-consumer',
      'location-consumer',
      'gateway-sigterm',
      'kafka-freeze',
      'postgres-freeze',
      'consumer-freeze',
    ]);
    expect(faultKindsOf(true)).toEqual([
      'postgres',
      'postgres-freeze',
      'kafka-broker',
      'gateway-instance',
      'consumer-member',
    ]);
  });
});

describe(planFaults.name, () => {
  it('plans every kind the asked number of times inside the window, in time order, numbered', () => {
    const sut = planFaults(new SeededRandom(42), 600_000, counts(6, 2, 6));
    // eight kinds kill (three of them on the scaled stack only), one stops gracefully, three freeze
    expect(sut).toHaveLength(8 * 6 + 2 + 3 * 6);
    for (const kind of FAULT_KINDS)
      expect(sut.filter((f) => f.kind === kind)).toHaveLength(kind === 'gateway-sigterm' ? 2 : 6);
    expect(sut.map((f) => f.atMs)).toEqual([...sut.map((f) => f.atMs)].sort((x, y) => x - y));
    expect(sut.map((f) => f.index)).toEqual(sut.map((_, i) => i));
    expect(sut[0].atMs).toBeGreaterThanOrEqual(5000);
    expect(sut[sut.length - 1].atMs).toBeLessThanOrEqual(552_000);
    for (const f of sut) expect(FAULTS[f.kind].targets).toContain(f.target);
    expect(new Set(sut.filter((f) => f.kind === 'consumer-freeze').map((f) => f.target)).size).toBe(
      2,
    );
  });

  it('is the same plan for the same seed, and shuffled', () => {
    const plan = (seed: number) => planFaults(new SeededRandom(seed), 60_000, counts(2, 1, 1));
    expect(plan(7)).toEqual(plan(7));
    expect(plan(7)).not.toEqual(plan(8));
    const kinds = planFaults(new SeededRandom(7), 600_000, counts(6, 2, 6)).map((f) => f.kind);
    expect(kinds.slice(0, 6)).not.toEqual(Array(6).fill('kafka'));
  });
});

describe(comparePlan.name, () => {
  const plan = planFaults(new SeededRandom(3), 60_000, counts(1, 1, 1));
  const ran = (): FaultRecord[] =>
    plan.map((f) => ({
      ...f,
      startedAt: 1000 + f.atMs,
      startedAtMs: f.atMs,
      healthyAt: 2000 + f.atMs,
      confirmed: 'pid 1 gone',
    }));

  it('passes when every planned fault ran once, confirmed and recovered', () => {
    expect(comparePlan(plan, ran())).toEqual({ problems: [], asPlanned: plan.length });
  });

  it('names a skipped, repeated, failed, unconfirmed or unplanned fault', () => {
    const records = ran();
    const [skipped, failed, unconfirmed, neverBack] = [
      records[0],
      records[1],
      records[2],
      records[3],
    ];
    const { problems: sut, asPlanned } = comparePlan(
      plan,
      [
        ...records.filter((r) => r !== skipped),
        { ...failed, error: 'kafka start: HTTP 500' },
        { ...unconfirmed, index: 99 },
      ].map((r) =>
        r === unconfirmed
          ? { ...r, confirmed: undefined }
          : r === neverBack
            ? { ...r, healthyAt: undefined }
            : r,
      ),
    );
    expect(sut.join('\n')).toMatch(new RegExp(`#${skipped.index} .*never ran`));
    expect(sut.join('\n')).toMatch(new RegExp(`#${failed.index} .*ran 2 times`));
    expect(sut.join('\n')).toMatch(
      new RegExp(`#${unconfirmed.index} .*without its effect confirmed`),
    );
    expect(sut.join('\n')).toMatch(
      new RegExp(`#${neverBack.index} .*never saw its target usable again`),
    );
    expect(sut.join('\n')).toMatch(/#99 ran but was not planned/);
    expect(asPlanned).toBe(plan.length - 4);
  });
});

describe(ingestWindows.name, () => {
  it('opens a window only for faults on what the gateway needs, until healthy plus the grace', () => {
    const record = (kind: FaultKind, startedAt: number, healthyAt?: number): FaultRecord => ({
      index: 0,
      kind,
      target: FAULTS[kind].targets[0],
      atMs: 0,
      downMs: 0,
      startedAt,
      startedAtMs: 0,
      healthyAt,
    });
    const sut = ingestWindows(
      [
        record('kafka', 100, 200),
        record('postgres', 300, 400),
        record('consumer-freeze', 500, 600),
        record('gateway', 700, 800),
        record('kafka-freeze', 900),
      ],
      50,
    );
    expect(sut).toEqual([
      [100, 250],
      [700, 850],
      [900, Number.POSITIVE_INFINITY],
    ]);
  });
});
