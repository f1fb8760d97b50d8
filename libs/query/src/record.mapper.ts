import type { ColumnBinding } from '@app/persistence';
import { RangePosition } from './record-cursor';
import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';

/**
 * A record row as the repository hands it out: each column as the text PostgreSQL printed (null
 * for NULL), seq first, then the table binding's columns in binding order. Times are UTC timestamp
 * text ('2025-03-01 13:00:00.123456'); nothing is parsed until someone needs a value.
 */
export type RecordRow = readonly (string | null)[];

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

/** a column's text as the value the contract has: what pg's own parsers gave, times cut to milliseconds */
function valueOf(text: string | null, pgType: ColumnBinding<unknown>['pgType']): unknown {
  if (text === null) return null;
  if (pgType === 'float8') return parseFloat(text);
  if (pgType === 'jsonb') return JSON.parse(text);
  if (pgType === 'timestamptz') return isoFromPgTimestamp(text, 3);
  return text;
}

/**
 * Rows to the contract's shape as objects, driven by the table binding: the API never hands out a
 * row. JSON responses are written by RecordItemWriter, which gives the bytes JSON.stringify gives
 * for these objects; objects are for code that reads records (the latest reading, /vehicle-data).
 */
export class RecordMapper<R extends QueryableRecord, E extends string> {
  /** positions in a RecordRow */
  private readonly eventIdAt: number;
  private readonly recordedAtAt: number;
  // the binding flattened once: the per-row loop reads plain arrays, not binding objects
  private readonly fields: string[];
  private readonly types: ColumnBinding<unknown>['pgType'][];
  /**
   * Every record starts as a copy of this, its keys already in contract order. Adding ~18 keys
   * one by one to a fresh object leaves V8 a dictionary-mode object, slow to fill, to spread and to
   * serialize; a copy of a template keeps the fast shape and the filling only overwrites.
   */
  private readonly recordTemplate: Record<string, unknown>;

  constructor(private readonly definition: RecordQueryDefinition<R, E>) {
    // row[0] is seq
    this.eventIdAt = definition.table.columns.findIndex((c) => c.field === 'eventId') + 1;
    this.recordedAtAt = definition.table.columns.findIndex((c) => c.field === 'recordedAt') + 1;
    this.fields = definition.table.columns.map((c) => c.field as string);
    this.types = definition.table.columns.map((c) => c.pgType);
    const template: Record<string, unknown> = { schema: definition.schema };
    for (const field of this.fields) template[field] = undefined;
    this.recordTemplate = template;
  }

  toRecord(row: RecordRow): R {
    return this.fill({ ...this.recordTemplate }, row) as unknown as R;
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
    const { fields, types } = this;
    for (let i = 0; i < fields.length; i++) record[fields[i]] = valueOf(row[i + 1], types[i]);
    return record;
  }

  /** where the next keyset page starts: the row's time to the microsecond, and its event id */
  positionOf(row: RecordRow): RangePosition {
    return {
      recordedAt: isoFromPgTimestamp(row[this.recordedAtAt]!, 6)!,
      eventId: row[this.eventIdAt]!,
    };
  }
}
