import type { ReplayJob, ReplayJobRepository, ReplayStatus } from './replay-job.repository';
import type { CheckpointHook, ReplayEngine, ReplayOutcome } from './replay.engine';
import { ReplayNotRunnableError, ReplayRunner } from './replay.runner';
import { ReplayProgress, ReplaySpec, ZERO_COUNTERS } from './replay.types';
import { SourceNormalizers } from './source-normalizers';

const SPEC: ReplaySpec = {
  source: 'mobway',
  from: new Date('2026-12-01T00:00:00Z'),
  to: new Date('2026-12-02T00:00:00Z'),
  dryRun: false,
};

/** replay_jobs in memory, with the repository's rules for claiming */
class FakeJobs {
  rows = new Map<string, ReplayJob & { heartbeat: boolean }>();
  create(id: string, spec: ReplaySpec) {
    const at = new Date();
    const job = {
      id,
      ...spec,
      status: 'queued' as ReplayStatus,
      checkpoints: {},
      counters: { ...ZERO_COUNTERS },
      createdAt: at,
      updatedAt: at,
      heartbeat: false,
    };
    this.rows.set(id, job);
    return Promise.resolve(job);
  }
  find(id: string) {
    return Promise.resolve(this.rows.get(id) && structuredClone(this.rows.get(id)));
  }
  claim(id: string) {
    const row = this.rows.get(id);
    const free =
      row &&
      (row.status === 'queued' ||
        row.status === 'failed' ||
        (row.status === 'running' && !row.heartbeat));
    if (!free) return Promise.resolve(undefined);
    Object.assign(row, { status: 'running', heartbeat: true, error: undefined });
    return Promise.resolve(structuredClone(row));
  }
  checkpoint(id: string, progress: ReplayProgress) {
    const row = this.rows.get(id)!;
    Object.assign(row, structuredClone(progress));
    return Promise.resolve(row.status);
  }
  touch() {
    return Promise.resolve();
  }
  release(id: string) {
    this.rows.get(id)!.heartbeat = false;
    return Promise.resolve();
  }
  finish(id: string, status: 'done' | 'failed', error?: string) {
    const row = this.rows.get(id)!;
    if (row.status !== 'cancelled') Object.assign(row, { status, error, heartbeat: false });
    return Promise.resolve();
  }
}

/** an engine that reports `batches` checkpoints, each a partition further, then ends (or fails) */
function anEngine(batches: number, fail?: Error) {
  const resumedFrom: (ReplayProgress | undefined)[] = [];
  const engine = {
    async run(
      _id: string,
      _spec: ReplaySpec,
      resumeFrom: ReplayProgress | undefined,
      checkpoint: CheckpointHook,
    ): Promise<ReplayOutcome> {
      resumedFrom.push(resumeFrom && structuredClone(resumeFrom));
      const progress: ReplayProgress = resumeFrom ?? {
        checkpoints: { '0': { start: '0', next: '0', end: String(batches), done: false } },
        counters: { ...ZERO_COUNTERS },
      };
      while (Number(progress.checkpoints['0'].next) < batches) {
        const state = progress.checkpoints['0'];
        state.next = String(Number(state.next) + 1);
        progress.counters.records++;
        if ((await checkpoint(progress)) === 'cancel') return { progress, cancelled: true };
      }
      if (fail) throw fail;
      progress.checkpoints['0'].done = true;
      await checkpoint(progress);
      return { progress, cancelled: false };
    },
  };
  return { engine: engine as unknown as ReplayEngine, resumedFrom };
}

describe(ReplayRunner.name, () => {
  const sources = new SourceNormalizers([{ name: 'mobway', normalizer: 'mobway' }]);
  const options = { maxWindowDays: 31, staleSeconds: 30 };
  let jobs: FakeJobs;
  beforeEach(() => (jobs = new FakeJobs()));
  const runner = (engine: ReplayEngine) =>
    new ReplayRunner(jobs as unknown as ReplayJobRepository, engine, sources, options);

  it('runs a job to done with its counters, and will not run it again', async () => {
    const sut = runner(anEngine(3).engine);
    const { id } = await sut.create(SPEC);
    const job = await sut.run(id);
    expect(job).toMatchObject({ status: 'done', counters: { records: 3 } });
    await expect(sut.run(id)).rejects.toThrow(ReplayNotRunnableError);
    await expect(sut.run('nope')).rejects.toThrow('does not exist');
  });

  it('lets go of a job its process stops, and resumes it from the checkpoint', async () => {
    const { engine, resumedFrom } = anEngine(4);
    const stop = new AbortController();
    const { id } = await runner(engine).create(SPEC);
    const stopped = await runner(engine).run(
      id,
      (_, progress) => {
        if (progress.counters.records === 2) stop.abort();
      },
      stop.signal,
    );
    expect(stopped).toMatchObject({
      status: 'running',
      heartbeat: false,
      counters: { records: 2 },
    });

    const done = await runner(engine).run(id);
    expect(resumedFrom[1]?.checkpoints['0'].next).toBe('2');
    expect(done).toMatchObject({ status: 'done', counters: { records: 4 } });
  });

  it('stops a job cancelled meanwhile, which stays cancelled', async () => {
    const sut = runner(anEngine(5).engine);
    const { id } = await sut.create(SPEC);
    const job = await sut.run(id, (jobId, progress) => {
      if (progress.counters.records === 1) jobs.rows.get(jobId)!.status = 'cancelled';
    });
    expect(job).toMatchObject({ status: 'cancelled', counters: { records: 1 } });
  });

  it('marks a job that failed, which a later run resumes', async () => {
    const { id } = await runner(anEngine(2).engine).create(SPEC);
    const failed = await runner(anEngine(2, new Error('Kafka went away')).engine).run(id);
    expect(failed).toMatchObject({ status: 'failed', error: 'Kafka went away' });
    const { engine, resumedFrom } = anEngine(2);
    expect(await runner(engine).run(id)).toMatchObject({ status: 'done' });
    expect(resumedFrom[0]?.checkpoints['0'].next).toBe('2');
  });

  it('refuses an unknown source or a bad window before making a job', async () => {
    const sut = runner(anEngine(1).engine);
    await expect(sut.create({ ...SPEC, source: 'acme' })).rejects.toThrow('unknown source "acme"');
    await expect(sut.create({ ...SPEC, to: SPEC.from })).rejects.toThrow('after from');
    expect(jobs.rows.size).toBe(0);
  });
});
