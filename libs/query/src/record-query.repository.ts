import { Inject, Injectable } from '@nestjs/common';
import { CustomTypesConfig, FieldDef, PoolClient, Query, QueryArrayConfig } from 'pg';
import { DataSource } from 'typeorm';
import { asUnavailable } from './database-unavailable.exception';
import { EntityRow, GapRow, RecordRow } from './record.mapper';
import {
  QueryableRecord,
  RECORD_QUERY_DEFINITION,
  RecordQueryDefinition,
} from './record-query.definition';
import { RangeBounds, RecordQuerySql, SqlQuery } from './record-query.sql';

/** takes each row of a page as pg reads it; the row is not kept by anyone else */
export type RowSink = (row: RecordRow) => void;

/** how far back latest() looks first (readings ahead of now count too) */
export const LATEST_RECENT_DAYS = 7;

/** every column as the text PostgreSQL sent: the item writer copies most of them as they are */
const AS_TEXT = {
  getTypeParser:
    () =>
    (text: string): string =>
      text,
} as unknown as CustomTypesConfig;

/** read-only data access for one record table; rows out, no mapping, no HTTP */
@Injectable()
export class RecordQueryRepository {
  private readonly sql: RecordQuerySql;
  /** the columns of a RecordRow, in its order */
  private readonly rowColumns: string[];

  constructor(
    private readonly dataSource: DataSource,
    @Inject(RECORD_QUERY_DEFINITION) definition: RecordQueryDefinition<QueryableRecord>,
  ) {
    this.sql = new RecordQuerySql(definition);
    this.rowColumns = ['seq', ...definition.table.columns.map((c) => c.column)];
  }

  entities(after: string | undefined, limit: number): Promise<EntityRow[]> {
    return this.run(this.sql.entities(after, limit));
  }

  /**
   * The newest reading: first among the last LATEST_RECENT_DAYS (an entity that reports has one
   * there, and only those partitions are read), then, for an entity silent since, among all.
   */
  async latest(entity: string, now = Date.now()): Promise<RecordRow | undefined> {
    let latest: RecordRow | undefined;
    const since = new Date(now - LATEST_RECENT_DAYS * 86_400_000).toISOString();
    await this.stream(this.sql.latest(entity, since), (row) => (latest = row));
    if (!latest) await this.stream(this.sql.latest(entity), (row) => (latest = row));
    return latest;
  }

  /** the rows of one range page, handed to `each` in order; resolves to how many there were */
  range(entity: string, bounds: RangeBounds, limit: number, each: RowSink): Promise<number> {
    return this.stream(this.sql.range(entity, bounds, limit), each);
  }

  /** the rows of one changes page, handed to `each` in seq order; resolves to how many there were */
  changes(after: string, limit: number, each: RowSink, upTo?: string): Promise<number> {
    return this.stream(this.sql.changes(after, limit, upTo), each);
  }

  async lastSeq(): Promise<string> {
    const [row] = await this.run<{ seq: string }>(this.sql.lastSeq());
    return row.seq;
  }

  gaps(
    entity: string,
    from: string,
    to: string,
    minGapSeconds: number,
    limit: number,
  ): Promise<GapRow[]> {
    return this.run(this.sql.gaps(entity, from, to, minGapSeconds, limit));
  }

  /** on the read replica when there is one (QUERY_DATABASE_URL), like every read here */
  private async run<T>(query: SqlQuery): Promise<T[]> {
    const runner = this.dataSource.createQueryRunner('slave');
    try {
      return await this.dataSource.query<T[]>(query.text, query.values, runner);
    } catch (error) {
      return asUnavailable(error);
    } finally {
      await runner.release();
    }
  }

  /**
   * Record rows delivered one at a time as they are read, as RecordRows: arrays of column text,
   * no value parsed. With a 'row' listener and no callback, pg does not collect them into a result:
   * a 1,000-row page never sits in the heap all at once.
   */
  private stream(query: SqlQuery, each: RowSink): Promise<number> {
    return this.streamRows(query, each).catch(asUnavailable);
  }

  private async streamRows(query: SqlQuery, each: RowSink): Promise<number> {
    const runner = this.dataSource.createQueryRunner('slave');
    try {
      const client = (await runner.connect()) as PoolClient;
      return await new Promise<number>((resolve, reject) => {
        let rows = 0;
        let failed: Error | undefined;
        let order: number[] | null | undefined;
        const config: QueryArrayConfig = {
          text: query.text,
          values: query.values,
          rowMode: 'array',
          types: AS_TEXT,
        };
        const submitted = new Query<(string | null)[]>(config);
        submitted.on('row', (row, result) => {
          rows++;
          // a throw here would land in pg's protocol handler: keep it, drop the rest, fail at the end
          if (failed !== undefined) return;
          try {
            if (order === undefined) order = recordRowOrder(this.rowColumns, result!.fields);
            each(order === null ? row : order.map((at) => row[at]));
          } catch (error) {
            failed = error instanceof Error ? error : new Error(String(error));
          }
        });
        submitted.on('error', reject);
        submitted.on('end', () => (failed === undefined ? resolve(rows) : reject(failed)));
        client.query(submitted);
      });
    } finally {
      await runner.release();
    }
  }
}

/**
 * Where each of `columns` is among a result's `fields`, for a RecordRow in `columns` order; null
 * when they come in that order already (any extra fields after them are left alone).
 */
export function recordRowOrder(
  columns: readonly string[],
  fields: readonly Pick<FieldDef, 'name'>[],
): number[] | null {
  const names = fields.map((f) => f.name);
  const order = columns.map((column) => {
    const at = names.indexOf(column);
    if (at < 0) throw new Error(`the query selected no ${column} column`);
    return at;
  });
  return order.every((at, i) => at === i) ? null : order;
}
