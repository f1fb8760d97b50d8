import { aheadTimes, PartitionSpan, spanAt } from '@app/persistence/record-partitions';
import type { StoredRow } from './pipeline-audit';
import type { SentReading } from './sender-simulator';
import { SeededRandom } from './seeded-random';

const DAY_MS = 86_400_000;
/** of every ten entities, slots 1, 2, … read at the times of the boundary groups given */
export const GROUP_EVERY = 10;

/**
 * Where an entity's readings sit in time, for the time-partitioned tables: its clock starts at
 * `start` and moves a second a reading, as every entity's does (SenderSimulator).
 * - `monday-edge` (every entity not in another group): 3 s before a Monday 00:00 UTC three weeks
 *   back, across a day and week edge, into partitions that do not exist until the sinks make them;
 * - `current-edge`: a few seconds before the current span begins, from the previous span's
 *   partition (made on demand) into the current one (made ahead);
 * - `ahead-edge`: a few seconds before the end of the last partition made ahead, into a span in
 *   the future that no partition holds yet;
 * - `far-past`: 400 days ago, further than a year: a calendar-year partition made on demand.
 */
export interface BoundaryGroup {
  name: 'monday-edge' | 'current-edge' | 'ahead-edge' | 'far-past';
  /** the partition edge the readings cross, if they are meant to */
  edgeMs?: number;
  /** where one entity's clock starts */
  start(random: SeededRandom): number;
}

/** the groups of entity slots 1, 2, 3 of every GROUP_EVERY (slot 0 and the rest: `monday-edge`) */
export function boundaryGroups(now: number, span: PartitionSpan): BoundaryGroup[] {
  const current = spanAt(now, span)[0];
  const ahead = aheadTimes(now, span);
  const aheadEnd = spanAt(ahead[ahead.length - 1], span)[1];
  const second = (s: number): number => Math.floor(s / 1000) * 1000;
  return [
    { name: 'current-edge', edgeMs: current, start: (r) => current - r.int(1, 6) * 1000 },
    { name: 'ahead-edge', edgeMs: aheadEnd, start: (r) => aheadEnd - r.int(1, 6) * 1000 },
    { name: 'far-past', start: (r) => second(now - 400 * DAY_MS) + r.int(0, 3600) * 1000 },
  ];
}

export interface GroupAudit {
  name: BoundaryGroup['name'];
  sentValid: number;
  acked: number;
  /** acknowledged and not stored exactly once (by event id) */
  lost: number;
  /** rows of the group's readings beyond one each */
  duplicated: number;
  /** acknowledged readings before and at-or-after the edge (edge groups) */
  beforeEdge?: number;
  afterEdge?: number;
  /** the partitions the group's rows are in */
  partitions: string[];
}

/**
 * Per boundary group: every acknowledged valid reading stored exactly once, no reading stored
 * twice, and the boundary really exercised (acknowledged readings in the group, on both sides of
 * an edge). The whole-run audit counts these readings too; this names them apart, with the
 * partitions they landed in.
 */
export function boundaryAudit(
  readings: SentReading[],
  rows: StoredRow[],
): { groups: GroupAudit[]; problems: string[] } {
  const rowsById = new Map<string, StoredRow[]>();
  for (const row of rows) {
    const list = rowsById.get(row.eventId);
    if (list) list.push(row);
    else rowsById.set(row.eventId, [row]);
  }
  const byGroup = new Map<string, SentReading[]>();
  for (const reading of readings) {
    if (!reading.group) continue;
    const list = byGroup.get(reading.group.name);
    if (list) list.push(reading);
    else byGroup.set(reading.group.name, [reading]);
  }
  const groups: GroupAudit[] = [];
  const problems: string[] = [];
  for (const [name, list] of byGroup) {
    const edgeMs = list[0].group!.edgeMs;
    const valid = list.filter((r) => r.valid);
    const acked = valid.filter((r) => r.acked);
    const partitions = new Set<string>();
    let lost = 0;
    let duplicated = 0;
    for (const reading of valid) {
      const stored = rowsById.get(reading.eventId!) ?? [];
      for (const row of stored) if (row.partition) partitions.add(row.partition);
      if (stored.length > 1) duplicated += stored.length - 1;
      if (reading.acked && stored.length === 0) lost++;
    }
    const audit: GroupAudit = {
      name: name as GroupAudit['name'],
      sentValid: valid.length,
      acked: acked.length,
      lost,
      duplicated,
      partitions: [...partitions].sort(),
    };
    if (edgeMs !== undefined) {
      audit.beforeEdge = acked.filter((r) => Date.parse(r.recordedAt) < edgeMs).length;
      audit.afterEdge = acked.length - audit.beforeEdge;
      if (audit.beforeEdge === 0 || audit.afterEdge === 0)
        problems.push(
          `boundary ${name}: acknowledged readings ${audit.beforeEdge} before and ${audit.afterEdge} after ${new Date(edgeMs).toISOString()}: the edge was not crossed`,
        );
    }
    if (audit.acked === 0) problems.push(`boundary ${name}: no acknowledged reading`);
    if (lost > 0) problems.push(`boundary ${name}: ${lost} acknowledged reading(s) lost`);
    if (duplicated > 0) problems.push(`boundary ${name}: ${duplicated} duplicate row(s)`);
    groups.push(audit);
  }
  return { groups, problems };
}
