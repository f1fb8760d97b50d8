import { Injectable, Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { onPooledClient, poolOf } from './pooled-client';
import {
  aheadTimes,
  makePartitions,
  partitionLockKeys,
  DEFAULT_PARTITION_SPAN,
  listPartitions,
  PartitionRange,
  PartitionSpan,
  Sql,
} from './record-partitions';

const DAY_MS = 86_400_000;
// a detach waits this long for the table's partition lock and for the queries that may still read
// the partition (a long changes-feed stream, say), then the round fails and the next one finishes
// it; meanwhile only the making of a partition waits (see makePartitions), never a read or a write
const DETACH_LOCK_TIMEOUT_MS = 120_000;

/** what one retention round removed from one table */
export interface RetentionOutcome {
  table: string;
  /** readings before this instant were due for removal (ISO) */
  cutoff: string;
  dropped: { name: string; from: string; to: string; rows: number; bytes: number }[];
}

/**
 * The time partitions of the record tables: made ahead of need, made on demand for a reading no
 * partition holds (years late, slightly ahead), and dropped whole once entirely older than the
 * retention window. Creators and droppers of one table take turns on an advisory lock.
 */
@Injectable()
export class RecordPartitionManager {
  private readonly logger = new Logger(RecordPartitionManager.name);
  /** the partitions last read from the catalog, per table: most batches need no query at all */
  private readonly known = new Map<string, PartitionRange[]>();

  constructor(
    private readonly dataSource: DataSource,
    readonly span: PartitionSpan = DEFAULT_PARTITION_SPAN,
  ) {}

  /** makes sure a partition holds each of `times` (Unix ms; NaN ignored), making the missing ones */
  async cover(table: string, times: Iterable<number>): Promise<PartitionRange[]> {
    const known = this.known.get(table);
    const missing = new Set<number>();
    let last: PartitionRange | undefined;
    for (const at of times) {
      if (Number.isNaN(at)) continue;
      if (last && last.lower <= at && at < last.upper) continue;
      last = known?.find((p) => !p.detaching && p.lower <= at && at < p.upper);
      if (!last) missing.add(at);
    }
    if (missing.size === 0) return [];
    return this.onClient(async (client) => {
      const sql = clientSql(client);
      const made = await makePartitions(sql, table, missing, this.span);
      this.known.set(table, await listPartitions(sql, table));
      for (const p of made)
        this.logger.log(`made partition ${p.name} [${iso(p.lower)}, ${iso(p.upper)})`);
      return made;
    });
  }

  /** the partition holding now and the ones after it (see PARTITIONS_AHEAD) */
  ahead(table: string, now = Date.now()): Promise<PartitionRange[]> {
    return this.cover(table, aheadTimes(now, this.span));
  }

  /** forgets what it knew of the table's partitions: the next cover() reads the catalog */
  forget(table: string): void {
    this.known.delete(table);
  }

  /**
   * Drops every partition whose readings are all older than `retentionDays` before now, never
   * one holding a reading inside the window; 0 keeps everything. Each is detached CONCURRENTLY
   * (readers and writers of the table do not wait for it), then dropped; a detach left half-way
   * by an earlier round is finished first.
   */
  async dropExpired(
    table: string,
    retentionDays: number,
    now = Date.now(),
  ): Promise<RetentionOutcome> {
    const cutoff = now - retentionDays * DAY_MS;
    const outcome: RetentionOutcome = { table, cutoff: iso(cutoff), dropped: [] };
    if (!(retentionDays > 0)) return outcome;
    const expired = (await listPartitions(this.query(), table)).filter((p) => p.upper <= cutoff);
    for (const partition of expired) {
      const { rows, bytes } = await this.sizeOf(partition.name);
      await this.locked(table, async (sql) => {
        // DETACH … CONCURRENTLY runs in two transactions of its own: not inside ours
        await sql(
          `ALTER TABLE ${table} DETACH PARTITION ${partition.name} ${partition.detaching ? 'FINALIZE' : 'CONCURRENTLY'}`,
        );
      });
      await this.query()(`DROP TABLE ${partition.name}`);
      outcome.dropped.push({
        name: partition.name,
        from: iso(partition.lower),
        to: iso(partition.upper),
        rows,
        bytes,
      });
    }
    this.forget(table);
    return outcome;
  }

  /** rows (the planner's estimate: exact after VACUUM, which the insert threshold runs often) and bytes with indexes */
  private async sizeOf(name: string): Promise<{ rows: number; bytes: number }> {
    const [row] = await this.query()(
      `SELECT greatest(reltuples, 0)::float8 AS rows, pg_total_relation_size(oid)::float8 AS bytes FROM pg_class WHERE oid = $1::regclass`,
      [name],
    );
    return { rows: Number(row?.rows ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  /** work outside a transaction (DETACH CONCURRENTLY) holding the table's partition lock */
  private locked(table: string, work: (sql: Sql) => Promise<void>): Promise<void> {
    const [namespace, key] = partitionLockKeys(table);
    return this.onClient(async (client) => {
      const sql = clientSql(client);
      await sql(`SET lock_timeout = ${DETACH_LOCK_TIMEOUT_MS}`);
      await sql(`SELECT pg_advisory_lock(${namespace}, ${key})`);
      try {
        await work(sql);
      } finally {
        await sql(`SELECT pg_advisory_unlock(${namespace}, ${key})`);
        await sql('RESET lock_timeout');
      }
    });
  }

  private onClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return onPooledClient(poolOf(this.dataSource), work);
  }

  private query(): Sql {
    return (text, values) => this.dataSource.query(text, values);
  }
}

function clientSql(client: PoolClient): Sql {
  return async (text, values) => (await client.query<Record<string, unknown>>(text, values)).rows;
}

function iso(at: number): string {
  return Number.isFinite(at) ? new Date(at).toISOString() : String(at);
}
