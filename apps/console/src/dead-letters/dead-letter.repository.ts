import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { asUnavailable } from '@app/query';
import type { DeadLetterRow } from './dead-letter.row';
import { DeadLetterFilter, listQuery, SUMMARY_COLUMNS } from './dead-letter.sql';

/** a stored letter's columns as PostgreSQL answers them (bigints as text) */
export interface StoredDeadLetter {
  id: string;
  kafka_partition: number;
  kafka_offset: string;
  schema: string | null;
  stage: string | null;
  source: string | null;
  reasons: string[];
  reason_class: string;
  entity_id: string | null;
  request_id: string | null;
  record_topic: string | null;
  occurred_at: Date;
  received_at: Date;
  redrive_status: 'pending' | 'done' | 'failed' | null;
  redriven_at: Date | null;
  redrive_outcome: string | null;
  /** the message as received; only in get and getMany */
  letter?: string;
}

export interface RedriveRecord {
  id: string;
  status: 'done' | 'failed';
  outcome: string;
}

const COLUMNS = [
  'kafka_partition',
  'kafka_offset',
  'schema',
  'stage',
  'source',
  'reasons',
  'reason_class',
  'entity_id',
  'request_id',
  'record_topic',
  'occurred_at',
  'received_at',
  'letter',
] as const;
// 13 parameters a row, well under PostgreSQL's 65,535 a statement
const INSERT_ROWS = 1000;

/** the dead_letters table: data access only */
@Injectable()
export class DeadLetterRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** stores the rows; a row already stored (same partition and offset) is left as it is. Returns how many were new */
  async insert(rows: DeadLetterRow[]): Promise<number> {
    let inserted = 0;
    for (let start = 0; start < rows.length; start += INSERT_ROWS) {
      const chunk = rows.slice(start, start + INSERT_ROWS);
      const values: unknown[] = [];
      const tuples = chunk.map((row) => {
        const at = values.length;
        values.push(
          row.kafkaPartition,
          row.kafkaOffset,
          row.schema,
          row.stage,
          row.source,
          row.reasons,
          row.reasonClass,
          row.entityId,
          row.requestId,
          row.recordTopic,
          row.occurredAt,
          row.receivedAt,
          row.letter,
        );
        return `(${COLUMNS.map((_, i) => `$${at + i + 1}`).join(', ')})`;
      });
      const result: { n: number }[] = await this.dataSource.query(
        `WITH added AS (INSERT INTO dead_letters (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')} ` +
          `ON CONFLICT (kafka_partition, kafka_offset, md5(letter)) DO NOTHING RETURNING 1) SELECT count(*)::int AS n FROM added`,
        values,
      );
      inserted += result[0].n;
    }
    return inserted;
  }

  /** one page plus one row, newest first */
  list(filter: DeadLetterFilter): Promise<StoredDeadLetter[]> {
    const { text, values } = listQuery(filter);
    return this.read(text, values);
  }

  async get(id: string): Promise<StoredDeadLetter | undefined> {
    const [row] = await this.getMany([id]);
    return row;
  }

  /** the letters with these ids that exist, with the letter itself */
  getMany(ids: string[]): Promise<StoredDeadLetter[]> {
    return this.read(
      `SELECT ${SUMMARY_COLUMNS}, letter FROM dead_letters WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [ids],
    );
  }

  /** marks the letters as being re-driven now; their last outcome is cleared */
  async markPending(ids: string[]): Promise<void> {
    await this.write(
      `UPDATE dead_letters SET redrive_status = 'pending', redriven_at = now(), redrive_outcome = NULL WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  async recordOutcomes(outcomes: RedriveRecord[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.write(
      `UPDATE dead_letters d SET redrive_status = o.status, redrive_outcome = o.outcome, redriven_at = now() ` +
        `FROM unnest($1::bigint[], $2::text[], $3::text[]) AS o(id, status, outcome) WHERE d.id = o.id`,
      [outcomes.map((o) => o.id), outcomes.map((o) => o.status), outcomes.map((o) => o.outcome)],
    );
  }

  /** deletes up to `batch` letters rejected before `cutoff`, oldest first; how many went */
  async deleteOlderThan(cutoff: Date, batch: number): Promise<number> {
    const result: { n: number }[] = await this.dataSource.query(
      `WITH gone AS (DELETE FROM dead_letters WHERE id IN ` +
        `(SELECT id FROM dead_letters WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2) RETURNING 1) ` +
        `SELECT count(*)::int AS n FROM gone`,
      [cutoff, batch],
    );
    return result[0].n;
  }

  private async read(text: string, values: unknown[]): Promise<StoredDeadLetter[]> {
    try {
      return await this.dataSource.query<StoredDeadLetter[]>(text, values);
    } catch (error) {
      return asUnavailable(error);
    }
  }

  private async write(text: string, values: unknown[]): Promise<void> {
    try {
      await this.dataSource.query(text, values);
    } catch (error) {
      asUnavailable(error);
    }
  }
}
