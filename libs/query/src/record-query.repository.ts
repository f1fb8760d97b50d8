import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EntityRow, GapRow, RecordRow } from './record.mapper';
import { QueryableRecord, RECORD_QUERY_DEFINITION, RecordQueryDefinition } from './record-query.definition';
import { RangeBounds, RecordQuerySql, SqlQuery } from './record-query.sql';

/** read-only data access for one record table; rows out, no mapping, no HTTP */
@Injectable()
export class RecordQueryRepository {
  private readonly sql: RecordQuerySql;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(RECORD_QUERY_DEFINITION) definition: RecordQueryDefinition<QueryableRecord>,
  ) {
    this.sql = new RecordQuerySql(definition);
  }

  entities(after: string | undefined, limit: number): Promise<EntityRow[]> {
    return this.run(this.sql.entities(after, limit));
  }

  async latest(entity: string): Promise<RecordRow | undefined> {
    const [row] = await this.run<RecordRow>(this.sql.latest(entity));
    return row;
  }

  range(entity: string, bounds: RangeBounds, limit: number): Promise<RecordRow[]> {
    return this.run(this.sql.range(entity, bounds, limit));
  }

  changes(after: string, limit: number, upTo?: string): Promise<RecordRow[]> {
    return this.run(this.sql.changes(after, limit, upTo));
  }

  async lastSeq(): Promise<string> {
    const [row] = await this.run<{ seq: string }>(this.sql.lastSeq());
    return row.seq;
  }

  gaps(entity: string, from: string, to: string, minGapSeconds: number, limit: number): Promise<GapRow[]> {
    return this.run(this.sql.gaps(entity, from, to, minGapSeconds, limit));
  }

  private run<T>(query: SqlQuery): Promise<T[]> {
    return this.dataSource.query(query.text, query.values);
  }
}
