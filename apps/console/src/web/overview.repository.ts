import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { asUnavailable } from '@app/query';

export interface DeadLetterCount {
  source: string | null;
  stage: string | null;
  reasonClass: string;
  count: number;
}

/** the dead_letters table as the overview counts it: data access only */
@Injectable()
export class OverviewRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** letters rejected since `from`, per source, stage and reason class (the occurred_at index) */
  async deadLettersSince(from: Date): Promise<DeadLetterCount[]> {
    const rows = await this.dataSource
      .query<
        { source: string | null; stage: string | null; reason_class: string; count: number }[]
      >(
        `SELECT source, stage, reason_class, count(*)::int AS count FROM dead_letters
          WHERE occurred_at >= $1 GROUP BY source, stage, reason_class ORDER BY source, stage, reason_class`,
        [from],
      )
      .catch(asUnavailable);
    return rows.map((r) => ({
      source: r.source,
      stage: r.stage,
      reasonClass: r.reason_class,
      count: r.count,
    }));
  }
}
