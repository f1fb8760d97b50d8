import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ReplayJob, ReplayJobRepository } from './replay-job.repository';
import { fractionDone, windowProblem } from './replay-window';
import type { ReplayEngine } from './replay.engine';
import type { ReplayProgress, ReplaySpec } from './replay.types';
import type { SourceNormalizers } from './source-normalizers';

export interface ReplayRunnerOptions {
  maxWindowDays: number;
  /** a running job whose heartbeat is older than this was interrupted and may be taken over */
  staleSeconds: number;
}

/** a replay that cannot be run now: done, cancelled, running elsewhere, or unknown */
export class ReplayNotRunnableError extends Error {
  constructor(
    readonly id: string,
    readonly job?: ReplayJob,
  ) {
    super(
      job
        ? `replay ${id} is ${job.status}${job.status === 'running' ? ' in another process (its heartbeat is recent)' : ''}: not resumed`
        : `replay ${id} does not exist`,
    );
    this.name = 'ReplayNotRunnableError';
  }
}

export type ProgressListener = (
  job: ReplayJob['id'],
  progress: ReplayProgress,
  fraction: number,
) => void;

/**
 * Replay jobs: made in replay_jobs, run by the engine, checkpointed after every batch, finished as
 * done or failed. A job stopped by its process (a signal, a shutdown) stays `running` without a
 * heartbeat; one whose process died keeps a heartbeat that grows old. Either is resumed from its
 * checkpoint by `run(id)` (the command's --resume) or by `resumeOrphans()` (the console at start),
 * as is a failed one by `run(id)`.
 */
export class ReplayRunner {
  private readonly logger = new Logger(ReplayRunner.name);
  private readonly running = new Map<string, Promise<ReplayJob>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly jobs: ReplayJobRepository,
    private readonly engine: ReplayEngine,
    private readonly sources: SourceNormalizers,
    private readonly options: ReplayRunnerOptions,
  ) {}

  /** what is wrong with a replay's spec, in words; undefined when it can run */
  problem(spec: ReplaySpec): string | undefined {
    if (!this.sources.has(spec.source))
      return `unknown source "${spec.source}" (configured: ${this.sources.names().join(', ')})`;
    return windowProblem(spec.from, spec.to, this.options.maxWindowDays);
  }

  /** a queued job; rejects with a RangeError naming the problem when the spec cannot run */
  async create(spec: ReplaySpec): Promise<ReplayJob> {
    const problem = this.problem(spec);
    if (problem) throw new RangeError(problem);
    return this.jobs.create(randomUUID(), spec);
  }

  /** a new job, run in the background: its state is in replay_jobs */
  async start(spec: ReplaySpec): Promise<ReplayJob> {
    const job = await this.create(spec);
    this.background(job.id);
    return job;
  }

  find(id: string): Promise<ReplayJob | undefined> {
    return this.jobs.find(id);
  }

  recent(limit: number): Promise<ReplayJob[]> {
    return this.jobs.recent(limit);
  }

  cancel(id: string): Promise<ReplayJob | undefined> {
    return this.jobs.cancel(id);
  }

  /** resumes, in the background, the jobs no process runs (queued, or running with an old heartbeat) */
  async resumeOrphans(): Promise<string[]> {
    const ids = await this.jobs.orphans(this.options.staleSeconds);
    for (const id of ids) this.background(id);
    return ids;
  }

  /** runs (or resumes) a job to its end; rejects with ReplayNotRunnableError when it may not run */
  run(id: string, listener?: ProgressListener, signal?: AbortSignal): Promise<ReplayJob> {
    const current = this.running.get(id);
    if (current) return current;
    const run = this.runClaimed(id, listener, signal).finally(() => this.running.delete(id));
    this.running.set(id, run);
    return run;
  }

  /**
   * Stops every job this process runs at its next checkpoint and lets go of it, still running:
   * the next start resumes it from there (resumeOrphans).
   */
  async shutdown(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  private background(id: string): void {
    // a progress line in the app's log every 10 s of a long job
    let logged = Date.now();
    const progress: ProgressListener = (jobId, { counters: c }, fraction) => {
      if (Date.now() - logged < 10_000) return;
      logged = Date.now();
      this.logger.log(
        `replay ${jobId}: ${(fraction * 100).toFixed(1)}%, ${c.requestsScanned} requests scanned, ${c.requestsMatched} matched, ${c.records} records, ${c.deadLetters} dead letters, ${c.errors} errors`,
      );
    };
    this.run(id, progress, this.stopping.signal).then(
      ({ status, counters: c }) =>
        this.logger.log(
          `replay ${id}: ${status}, ${c.requestsScanned} requests scanned, ${c.requestsMatched} matched, ${c.readings} readings, ${c.records} records, ${c.deadLetters} dead letters, ${c.errors} errors in ${(c.durationMs / 1000).toFixed(1)} s`,
        ),
      (error: Error) => this.logger.warn(`replay ${id}: ${error.message}`),
    );
  }

  private async runClaimed(
    id: string,
    listener?: ProgressListener,
    signal?: AbortSignal,
  ): Promise<ReplayJob> {
    const job = await this.jobs.claim(id, this.options.staleSeconds);
    if (!job) throw new ReplayNotRunnableError(id, await this.jobs.find(id));
    // the heartbeat goes on while a batch waits for Kafka
    const heartbeat = setInterval(
      () => void this.jobs.touch(id).catch(() => undefined),
      Math.max(1000, (this.options.staleSeconds * 1000) / 3),
    );
    try {
      const resumeFrom: ReplayProgress | undefined =
        Object.keys(job.checkpoints).length > 0
          ? { checkpoints: job.checkpoints, counters: job.counters }
          : undefined;
      const { cancelled } = await this.engine.run(id, job, resumeFrom, async (progress) => {
        listener?.(id, progress, fractionDone(progress.checkpoints));
        const status = await this.jobs.checkpoint(id, progress);
        return status === 'cancelled' || signal?.aborted ? 'cancel' : 'continue';
      });
      if (cancelled && signal?.aborted) await this.jobs.release(id);
      else if (!cancelled) await this.jobs.finish(id, 'done');
    } catch (error) {
      this.logger.error(`replay ${id} failed: ${(error as Error).message}`, (error as Error).stack);
      await this.jobs.finish(id, 'failed', (error as Error).message);
    } finally {
      clearInterval(heartbeat);
    }
    return (await this.jobs.find(id))!;
  }
}
