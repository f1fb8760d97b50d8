import { RangePosition } from './record-cursor';
import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';

/** a row as `pg` returns it: bigint as text, jsonb parsed; the repository selects times as ISO-8601 UTC text (a Date is formatted too) */
export type RecordRow = Record<string, unknown> & { seq: string; cursor_at?: string };

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

const utc = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

/** rows to the contract's shape, driven by the table binding: the API never hands out a row */
export class RecordMapper<R extends QueryableRecord, E extends string> {
  private readonly eventIdColumn: string;
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
      // the repository selects times as contract text already; a Date (another caller's row) is formatted
      record[fields[i]] = times[i] ? utc(row[columns[i]]) : row[columns[i]];
    }
    return record;
  }

  /** where the next keyset page starts: the row's time to the microsecond, and its event id */
  positionOf(row: RecordRow): RangePosition {
    return { recordedAt: row.cursor_at!, eventId: String(row[this.eventIdColumn]) };
  }
}
