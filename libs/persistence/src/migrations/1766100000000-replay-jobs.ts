import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replays of the raw archive (libs/replay) as jobs: what each covers, where it stands on every
 * partition of webhooks.raw.v1 (its checkpoint, so an interrupted replay resumes there), what it
 * counted, and how it ended. `heartbeat_at` is renewed while a process runs the job: a running job
 * whose heartbeat is old was interrupted and may be taken over.
 */
export class ReplayJobs1766100000000 implements MigrationInterface {
  name = 'ReplayJobs1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE replay_jobs (
        id            uuid PRIMARY KEY,
        source        text NOT NULL,
        from_at       timestamptz NOT NULL,
        to_at         timestamptz NOT NULL,
        dry_run       boolean NOT NULL,
        status        text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        checkpoints   jsonb NOT NULL DEFAULT '{}',
        counters      jsonb NOT NULL DEFAULT '{}',
        error         text,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        heartbeat_at  timestamptz,
        CHECK (to_at > from_at)
      )`);
    await q.query(`CREATE INDEX replay_jobs_created_idx ON replay_jobs (created_at DESC)`);
    await q.query(
      `CREATE INDEX replay_jobs_unfinished_idx ON replay_jobs (status) WHERE status IN ('queued', 'running')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replay_jobs`);
  }
}
