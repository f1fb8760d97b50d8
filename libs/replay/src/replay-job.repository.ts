import type { DataSource } from 'typeorm';
import type { ReplayCounters, ReplayProgress, ReplaySpec, Checkpoints } from './replay.types';
import { ZERO_COUNTERS } from './replay.types';

export type ReplayStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export const REPLAY_STATUSES: readonly ReplayStatus[] = [
  'queued',
  'running',
  'done',
  'failed',
  'cancelled',
];

/** one row of replay_jobs, as the rest of the code sees it */
export interface ReplayJob extends ReplaySpec {
  id: string;
  status: ReplayStatus;
  checkpoints: Checkpoints;
  counters: ReplayCounters;
  error?: string;
  createdAt: Date;
  updatedAt: Date;
  heartbeatAt?: Date;
}

interface Row {
  id: string;
  source: string;
  from_at: Date;
  to_at: Date;
  dry_run: boolean;
  status: ReplayStatus;
  checkpoints: Checkpoints;
  counters: Partial<ReplayCounters>;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  heartbeat_at: Date | null;
}

const COLUMNS =
  'id, source, from_at, to_at, dry_run, status, checkpoints, counters, error, created_at, updated_at, heartbeat_at';

function jobOf(row: Row): ReplayJob {
  return {
    id: row.id,
    source: row.source,
    from: row.from_at,
    to: row.to_at,
    dryRun: row.dry_run,
    status: row.status,
    checkpoints: row.checkpoints,
    counters: { ...ZERO_COUNTERS, ...row.counters },
    ...(row.error !== null && { error: row.error }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.heartbeat_at !== null && { heartbeatAt: row.heartbeat_at }),
  };
}

/** replay_jobs: data access only */
export class ReplayJobRepository {
  constructor(private readonly db: DataSource) {}

  /** TypeORM answers an UPDATE … RETURNING with [rows, count], a SELECT or INSERT with the rows */
  private async rows<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    const answer = await this.db.query<unknown[]>(sql, parameters);
    return (Array.isArray(answer[0]) ? answer[0] : answer) as T[];
  }

  async create(id: string, spec: ReplaySpec): Promise<ReplayJob> {
    const rows = await this.rows<Row>(
      `INSERT INTO replay_jobs (id, source, from_at, to_at, dry_run, status, counters)
       VALUES ($1, $2, $3, $4, $5, 'queued', $6) RETURNING ${COLUMNS}`,
      [id, spec.source, spec.from, spec.to, spec.dryRun, JSON.stringify(ZERO_COUNTERS)],
    );
    return jobOf(rows[0]);
  }

  async find(id: string): Promise<ReplayJob | undefined> {
    const rows = await this.rows<Row>(`SELECT ${COLUMNS} FROM replay_jobs WHERE id = $1`, [id]);
    return rows[0] && jobOf(rows[0]);
  }

  async recent(limit: number): Promise<ReplayJob[]> {
    const rows = await this.rows<Row>(
      `SELECT ${COLUMNS} FROM replay_jobs ORDER BY created_at DESC, id LIMIT $1`,
      [limit],
    );
    return rows.map(jobOf);
  }

  /**
   * Takes a job to run: a queued or failed one, or a running one whose heartbeat is older than
   * `staleSeconds` (its process is gone). Undefined when it is not to be taken (done, cancelled,
   * run by a live process, unknown).
   */
  async claim(id: string, staleSeconds: number): Promise<ReplayJob | undefined> {
    const rows = await this.rows<Row>(
      `UPDATE replay_jobs SET status = 'running', error = NULL, heartbeat_at = now(), updated_at = now()
       WHERE id = $1 AND (status IN ('queued', 'failed')
         OR (status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $2))))
       RETURNING ${COLUMNS}`,
      [id, staleSeconds],
    );
    return rows[0] && jobOf(rows[0]);
  }

  /** the ids of queued jobs and of running jobs whose process is gone */
  async orphans(staleSeconds: number): Promise<string[]> {
    const rows = await this.rows<{ id: string }>(
      `SELECT id FROM replay_jobs WHERE status = 'queued'
         OR (status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $1)))
       ORDER BY created_at`,
      [staleSeconds],
    );
    return rows.map((r) => r.id);
  }

  /** saves progress and renews the heartbeat; answers the job's status (another process may have cancelled it) */
  async checkpoint(id: string, progress: ReplayProgress): Promise<ReplayStatus | undefined> {
    const rows = await this.rows<{ status: ReplayStatus }>(
      `UPDATE replay_jobs SET checkpoints = $2, counters = $3, heartbeat_at = now(), updated_at = now()
       WHERE id = $1 RETURNING status`,
      [id, JSON.stringify(progress.checkpoints), JSON.stringify(progress.counters)],
    );
    return rows[0]?.status;
  }

  /** renews the heartbeat of a job this process runs */
  async touch(id: string): Promise<void> {
    await this.db.query(
      `UPDATE replay_jobs SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`,
      [id],
    );
  }

  /** lets go of a running job this process stops before its end: the next start (or --resume) takes it over at once */
  async release(id: string): Promise<void> {
    await this.db.query(
      `UPDATE replay_jobs SET heartbeat_at = NULL, updated_at = now() WHERE id = $1 AND status = 'running'`,
      [id],
    );
  }

  /** the end of a run; a job cancelled meanwhile stays cancelled */
  async finish(id: string, status: 'done' | 'failed', error?: string): Promise<void> {
    await this.db.query(
      `UPDATE replay_jobs SET status = $2, error = $3, heartbeat_at = NULL, updated_at = now()
       WHERE id = $1 AND status <> 'cancelled'`,
      [id, status, error ?? null],
    );
  }

  /** cancels a job that has not ended; its running process stops at its next checkpoint */
  async cancel(id: string): Promise<ReplayJob | undefined> {
    const rows = await this.rows<Row>(
      `UPDATE replay_jobs SET status = 'cancelled', updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'running', 'failed') RETURNING ${COLUMNS}`,
      [id],
    );
    return rows[0] && jobOf(rows[0]);
  }
}
