import { RangePosition } from './record-cursor';
import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';

/** a row as `pg` returns it: bigint as text, jsonb parsed; the repository selects times as UTC timestamp text (a Date is formatted too) */
export type RecordRow = Record<string, unknown> & { seq: string };

export interface EntityRow {
  entity: string;
  first_at: Date;
  last_at: Date;
  records: string;
}

export interface GapRow {
  gap_from: Date;
  gap_to: Date;
  from_range_start: boolean;
  to_range_end: boolean;
}

/** a record as the v1 contract has it, plus its ingestion sequence: an item of the changes feed */
export type RecordChange<R> = R & { seq: string };

export type EntitySummary<E extends string> = { [K in E]: string } & {
  firstRecordedAt: string;
  lastRecordedAt: string;
  recordCount: number;
};

/**
 * A UTC timestamp as PostgreSQL prints it, 'YYYY-MM-DD HH:MI:SS[.f…]' (DateStyle ISO, fraction
 * without trailing zeros), as ISO-8601 with `digits` fraction digits, cut not rounded, and Z:
 * what to_char gave with MS (3) or US (6). 'infinity' has no such text (to_char gave null).
 */
export function isoFromPgTimestamp(text: string, digits: 3 | 6): string | null {
  // found, not assumed at 10: a year past 9999 has more digits
  const space = text.indexOf(' ');
  if (space < 0) return null;
  const fraction = text.length > space + 10 ? text.slice(space + 10, space + 10 + digits) : '';
  return `${text.slice(0, space)}T${text.slice(space + 1, space + 9)}.${fraction.padEnd(digits, '0')}Z`;
}

const utc = (value: unknown, digits: 3 | 6): unknown =>
  typeof value === 'string' ? isoFromPgTimestamp(value, digits) : value instanceof Date ? value.toISOString().replace('Z', digits === 6 ? '000Z' : 'Z') : value;

/** rows to the contract's shape, driven by the table binding: the API never hands out a row */
export class RecordMapper<R extends QueryableRecord, E extends string> {
  private readonly eventIdColumn: string;
  private readonly recordedAtColumn: string;
  // the binding flattened once: the per-row loop reads plain arrays, not binding objects
  private readonly columns: string[];
  private readonly fields: string[];
  private readonly times: boolean[];
  /**
   * Every item starts as a copy of one of these, its keys already in contract order. Adding ~18 keys
   * one by one to a fresh object leaves V8 a dictionary-mode object, slow to fill, to spread and to
   * serialize; a copy of a template keeps the fast shape and the filling only overwrites.
   */
  private readonly recordTemplate: Record<string, unknown>;
  private readonly changeTemplate: Record<string, unknown>;

  constructor(private readonly definition: RecordQueryDefinition<R, E>) {
    this.eventIdColumn = definition.table.columns.find((c) => c.field === 'eventId')!.column;
    this.recordedAtColumn = definition.table.columns.find((c) => c.field === 'recordedAt')!.column;
    this.columns = definition.table.columns.map((c) => c.column);
    this.fields = definition.table.columns.map((c) => c.field as string);
    this.times = definition.table.columns.map((c) => c.pgType === 'timestamptz');
    const template: Record<string, unknown> = { schema: definition.schema };
    for (const field of this.fields) template[field] = undefined;
    this.recordTemplate = { ...template };
    this.changeTemplate = { ...template, seq: undefined };
  }

  toRecord(row: RecordRow): R {
    return this.fill({ ...this.recordTemplate }, row) as unknown as R;
  }

  toChange(row: RecordRow): RecordChange<R> {
    const change = this.fill({ ...this.changeTemplate }, row);
    change.seq = row.seq;
    return change as unknown as RecordChange<R>;
  }

  toSummary(row: EntityRow): EntitySummary<E> {
    return {
      [this.definition.entityKey]: row.entity,
      firstRecordedAt: row.first_at.toISOString(),
      lastRecordedAt: row.last_at.toISOString(),
      recordCount: Number(row.records),
    } as EntitySummary<E>;
  }

  private fill(record: Record<string, unknown>, row: RecordRow): Record<string, unknown> {
    const { columns, fields, times } = this;
    for (let i = 0; i < columns.length; i++) {
      // the repository selects times as timestamp text; a Date (another caller's row) is formatted too
      record[fields[i]] = times[i] ? utc(row[columns[i]], 3) : row[columns[i]];
    }
    return record;
  }

  /** where the next keyset page starts: the row's time to the microsecond, and its event id */
  positionOf(row: RecordRow): RangePosition {
    return { recordedAt: utc(row[this.recordedAtColumn], 6) as string, eventId: String(row[this.eventIdColumn]) };
  }
}
