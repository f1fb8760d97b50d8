import { boundaryAudit, BoundaryGroup, boundaryGroups } from './partition-boundary';
import { StoredRow } from './pipeline-audit';
import { SentReading } from './sender-simulator';
import { SeededRandom } from './seeded-random';

const EDGE = Date.parse('2026-11-30T00:00:00.000Z');
const edgeGroup: BoundaryGroup = { name: 'current-edge', edgeMs: EDGE, start: () => EDGE - 2000 };
const pastGroup: BoundaryGroup = { name: 'far-past', start: () => 0 };

function reading(at: number, group: BoundaryGroup, acked = true): SentReading {
  const recordedAt = new Date(at).toISOString();
  return {
    sender: 'mobway',
    entityId: 'VIN00000000000001',
    recordedAt,
    eventId: `id-${recordedAt}`,
    valid: true,
    letterKey: `mobway|VIN00000000000001|${recordedAt}`,
    acked,
    group,
  };
}

const row = (r: SentReading, partition: string): StoredRow => ({
  table: 'vehicle_telemetry',
  eventId: r.eventId!,
  entityId: r.entityId,
  recordedAt: r.recordedAt,
  partition,
});

describe(boundaryGroups.name, () => {
  it('starts the edge groups just before the current span and the end of the spans made ahead', () => {
    const now = Date.parse('2026-12-03T09:00:00.000Z'); // a Thursday
    const groups = boundaryGroups(now, 'week');
    const random = new SeededRandom(1);
    const current = groups.find((g) => g.name === 'current-edge')!;
    const ahead = groups.find((g) => g.name === 'ahead-edge')!;
    expect(new Date(current.edgeMs!).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    // this week and two more are made ahead: the fourth has no partition yet
    expect(new Date(ahead.edgeMs!).toISOString()).toBe('2026-12-21T00:00:00.000Z');
    for (const g of [current, ahead]) {
      const start = g.start(random);
      expect(g.edgeMs! - start).toBeGreaterThanOrEqual(1000);
      expect(g.edgeMs! - start).toBeLessThanOrEqual(6000);
    }
    const past = groups.find((g) => g.name === 'far-past')!.start(random);
    expect(now - past).toBeGreaterThan(366 * 86_400_000);
  });
});

describe(boundaryAudit.name, () => {
  it('passes a group stored once on both sides of its edge, naming the partitions', () => {
    const before = reading(EDGE - 1000, edgeGroup);
    const after = reading(EDGE, edgeGroup);
    const { groups, problems } = boundaryAudit(
      [before, after],
      [row(before, 'vehicle_telemetry_p20261123'), row(after, 'vehicle_telemetry_p20261130')],
    );
    expect(problems).toEqual([]);
    expect(groups).toEqual([
      expect.objectContaining({
        name: 'current-edge',
        acked: 2,
        lost: 0,
        duplicated: 0,
        beforeEdge: 1,
        afterEdge: 1,
        partitions: ['vehicle_telemetry_p20261123', 'vehicle_telemetry_p20261130'],
      }),
    ]);
  });

  it('names a lost reading, a duplicate and an edge never crossed', () => {
    const a = reading(EDGE - 2000, edgeGroup);
    const b = reading(EDGE - 1000, edgeGroup);
    const old = reading(1000, pastGroup);
    const { problems } = boundaryAudit([a, b, old], [row(a, 'p1'), row(old, 'p0'), row(old, 'p0')]);
    expect(problems).toEqual([
      expect.stringContaining('the edge was not crossed'),
      'boundary current-edge: 1 acknowledged reading(s) lost',
      'boundary far-past: 1 duplicate row(s)',
    ]);
  });

  it('does not count an unacknowledged reading that was not stored as lost', () => {
    const a = reading(1000, pastGroup);
    const b = reading(2000, pastGroup, false);
    expect(boundaryAudit([a, b], [row(a, 'p0')]).problems).toEqual([]);
  });
});
