import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';
import { RangePosition } from './record-cursor';

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/** a half-open time range [from, to) of one entity, optionally after a keyset position */
export interface RangeBounds {
  from?: string;
  to?: string;
  after?: RangePosition;
}

// stored per row by the RangePageIndex migration: whether the row is in the covering range index
const PAGE_INLINE = 'page_inline';

// identifiers come from the table bindings, never from a request; checked anyway, and quoted
function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return `"${name}"`;
}

/**
 * The SQL of every query the API runs, built from a table binding, so vehicles and devices share
 * one statement shape. Every statement is parameterised; the planner sees the same text each time.
 * The index (entity, recorded_at, event_id) serves entity lists, ranges, latest and gaps; the seq
 * primary key serves the changes feed.
 */
export class RecordQuerySql<R extends QueryableRecord = QueryableRecord> {
  private readonly table: string;
  private readonly entity: string;
  private readonly time: string;
  private readonly eventId: string;
  private readonly columns: string;
  /** the same columns as stored, for the range query's inner branches */
  private readonly storedColumns: string;
  /** the keyset order, qualified: a bare name would sort by the select list's text alias of the same name */
  private readonly order: string;

  constructor(definition: RecordQueryDefinition<R>) {
    const columnOf = (field: keyof R & string): string => {
      const binding = definition.table.columns.find((c) => c.field === field);
      if (!binding) throw new Error(`${definition.table.table}: no column for ${field}`);
      return ident(binding.column);
    };
    this.table = ident(definition.table.table);
    this.entity = ident(definition.table.entityColumn);
    this.time = columnOf('recordedAt');
    this.eventId = columnOf('eventId');
    // times leave the database as UTC timestamp text to the microsecond ('2025-03-01 13:00:00.123456',
    // DateStyle ISO as pg expects), which RecordMapper cuts to the contract's milliseconds and the
    // range cursor keeps whole: no row pays for a Date parse, and none for to_char, which costs
    // PostgreSQL about 0.5 µs a value more than this cast (1,000-row pages, measured)
    this.columns = [
      ident('seq'),
      ...definition.table.columns.map(({ column, pgType }) =>
        pgType === 'timestamptz'
          ? `(${ident(column)} AT TIME ZONE 'UTC')::text AS ${ident(column)}`
          : ident(column),
      ),
    ].join(', ');
    this.storedColumns = [
      ident('seq'),
      ...definition.table.columns.map(({ column }) => ident(column)),
    ].join(', ');
    this.order = `${this.table}.${this.time}, ${this.table}.${this.eventId}`;
  }

  /**
   * Entities in id order after a keyset position, with their first and last reading and count.
   * A loose index scan walks the distinct ids (one index probe each) and a lateral index-only
   * scan aggregates each one: a page costs the rows of its own entities, where GROUP BY over the
   * index read ahead through the rows of the following ones.
   */
  entities(after: string | undefined, limit: number): SqlQuery {
    const values: unknown[] = [];
    const start = after === undefined ? '' : `WHERE ${this.entity} > $${values.push(after)} `;
    return {
      text:
        `WITH RECURSIVE ids AS (` +
        `(SELECT ${this.entity} AS entity FROM ${this.table} ${start}ORDER BY ${this.entity} LIMIT 1) ` +
        `UNION ALL SELECT (SELECT ${this.entity} FROM ${this.table} WHERE ${this.entity} > ids.entity ORDER BY ${this.entity} LIMIT 1) FROM ids WHERE ids.entity IS NOT NULL) ` +
        `SELECT page.entity, s.first_at, s.last_at, s.records ` +
        `FROM (SELECT entity FROM ids WHERE entity IS NOT NULL LIMIT $${values.push(limit)}) page ` +
        `CROSS JOIN LATERAL (SELECT min(${this.time}) AS first_at, max(${this.time}) AS last_at, count(*) AS records FROM ${this.table} WHERE ${this.entity} = page.entity) s ` +
        `ORDER BY page.entity`,
      values,
    };
  }

  /**
   * The newest reading of an entity, from `since` on when given: a lower bound on the partition
   * key, so the planner reads only the partitions from it (see RecordQueryRepository.latest).
   */
  latest(entity: string, since?: string): SqlQuery {
    const values: unknown[] = [entity];
    const from =
      since === undefined ? '' : ` AND ${this.time} >= $${values.push(since)}::timestamptz`;
    return {
      text: `SELECT ${this.columns} FROM ${this.table} WHERE ${this.entity} = $1${from} ORDER BY ${this.table}.${this.time} DESC, ${this.table}.${this.eventId} DESC LIMIT 1`,
      values,
    };
  }

  /**
   * One keyset page ordered by (recorded_at, event_id). The rows whose payload fits an index entry
   * (`page_inline`, nearly all) come from an index-only scan of the covering range index, the others
   * from their own partial index; the two branches are merged in order (see the RangePageIndex
   * migration). The derived table takes the table's name, so the select list and ORDER BY read it
   * as they would the table.
   */
  range(entity: string, bounds: RangeBounds, limit: number): SqlQuery {
    const values: unknown[] = [entity];
    const where = [`${this.entity} = $1`];
    if (bounds.from !== undefined)
      where.push(`${this.time} >= $${values.push(bounds.from)}::timestamptz`);
    if (bounds.to !== undefined)
      where.push(`${this.time} < $${values.push(bounds.to)}::timestamptz`);
    if (bounds.after !== undefined) {
      // a row comparison the btree index can seek to, unlike `a > x OR (a = x AND b > y)`; the
      // plain bound it implies is what partition pruning understands (a row comparison it does not)
      const at = values.push(bounds.after.recordedAt);
      const id = values.push(bounds.after.eventId);
      where.push(`${this.time} >= $${at}::timestamptz`);
      where.push(`(${this.time}, ${this.eventId}) > ($${at}::timestamptz, $${id}::uuid)`);
    }
    const last = values.push(limit);
    // each branch stops at the limit by itself: however many rows the range holds, and whatever
    // the planner guesses, a page reads at most 2 × limit index entries and sorts those
    const branch = (inline: boolean): string =>
      `(SELECT ${this.storedColumns} FROM ${this.table} WHERE ${where.join(' AND ')} AND ${inline ? '' : 'NOT '}${PAGE_INLINE} ORDER BY ${this.time}, ${this.eventId} LIMIT $${last})`;
    return {
      text: `SELECT ${this.columns} FROM (${branch(true)} UNION ALL ${branch(false)}) AS ${this.table} ORDER BY ${this.order} LIMIT $${last}`,
      values,
    };
  }

  /** every row ingested after `after`, in ingestion order, optionally up to a sequence seen earlier */
  changes(after: string, limit: number, upTo?: string): SqlQuery {
    const values: unknown[] = [after];
    const until = upTo === undefined ? '' : ` AND seq <= $${values.push(upTo)}::bigint`;
    return {
      text: `SELECT ${this.columns} FROM ${this.table} WHERE seq > $1::bigint${until} ORDER BY seq LIMIT $${values.push(limit)}`,
      values,
    };
  }

  /** the newest sequence: writers commit in seq order, so nothing at or below it can still appear */
  lastSeq(): SqlQuery {
    return { text: `SELECT coalesce(max(seq), 0)::text AS seq FROM ${this.table}`, values: [] };
  }

  /**
   * Periods longer than `minGapSeconds` without a reading in [from, to). The range's ends take
   * part as sentinel points, so a silence at either edge (or a range with no readings) is a gap too;
   * `kind` says which side is an edge: 0 the range start, 1 a reading, 2 the range end.
   */
  gaps(entity: string, from: string, to: string, minGapSeconds: number, limit: number): SqlQuery {
    return {
      text:
        `WITH points AS (` +
        `SELECT $2::timestamptz AS at, 0 AS kind ` +
        `UNION ALL SELECT ${this.time}, 1 FROM ${this.table} WHERE ${this.entity} = $1 AND ${this.time} >= $2::timestamptz AND ${this.time} < $3::timestamptz ` +
        `UNION ALL SELECT $3::timestamptz, 2), ` +
        `spans AS (SELECT at, kind, lead(at) OVER w AS next_at, lead(kind) OVER w AS next_kind FROM points WINDOW w AS (ORDER BY at, kind)) ` +
        `SELECT at AS gap_from, next_at AS gap_to, kind = 0 AS from_range_start, next_kind = 2 AS to_range_end FROM spans ` +
        `WHERE next_at - at > make_interval(secs => $4) ORDER BY at LIMIT $5`,
      values: [entity, from, to, minGapSeconds, limit],
    };
  }
}
