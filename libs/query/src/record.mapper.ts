import { RangePosition } from './record-cursor';
import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';

/** a row as `pg` returns it: bigint as text, timestamptz as Date, jsonb parsed */
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

  constructor(private readonly definition: RecordQueryDefinition<R, E>) {
    this.eventIdColumn = definition.table.columns.find((c) => c.field === 'eventId')!.column;
  }

  toRecord(row: RecordRow): R {
    const record: Record<string, unknown> = { schema: this.definition.schema };
    for (const { column, field, pgType } of this.definition.table.columns) {
      record[field as string] = pgType === 'timestamptz' ? utc(row[column]) : row[column];
    }
    return record as unknown as R;
  }

  toChange(row: RecordRow): RecordChange<R> {
    return { ...this.toRecord(row), seq: row.seq };
  }

  toSummary(row: EntityRow): EntitySummary<E> {
    return {
      [this.definition.entityKey]: row.entity,
      firstRecordedAt: row.first_at.toISOString(),
      lastRecordedAt: row.last_at.toISOString(),
      recordCount: Number(row.records),
    } as EntitySummary<E>;
  }

  /** where the next keyset page starts: the row's time to the microsecond, and its event id */
  positionOf(row: RecordRow): RangePosition {
    return { recordedAt: row.cursor_at!, eventId: String(row[this.eventIdColumn]) };
  }
}
