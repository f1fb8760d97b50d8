import { ApiClient } from './api.client';

export const REPLAY_USAGE = `replay --source <name> --from <ISO time> --to <ISO time> [--dry-run] [--detach]
  replay status <id> | replay list [--limit <n>] | replay cancel <id>
  asks the console (CONSOLE_PORT) to replay the raw archive for the requests <name> sent that the
  gateway received in [from, to): today's normalizers, same event ids, so stored readings are stored
  once. Prints progress about once a second until the job ends, then its summary (exit 1 unless it
  is done); --detach prints the job id and returns. Ctrl-C stops watching, not the replay
  (replay cancel <id> does). npm run replay runs one in this process instead of the console.`;

/** a job as the console shows it (apps/console ReplayJobDto) */
export interface ReplayJob {
  id: string;
  source: string;
  from: string;
  to: string;
  dryRun: boolean;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  progress: { fraction: number; partitions: unknown[] };
  summary: {
    requestsScanned: number;
    requestsMatched: number;
    readings: number;
    records: number;
    deadLetters: number;
    errors: number;
    durationMs: number;
  };
  error?: string;
  createdAt: string;
  updatedAt: string;
}

const ENDED = new Set(['done', 'failed', 'cancelled']);

export function progressLine(job: ReplayJob): string {
  const s = job.summary;
  return (
    `replay ${job.id}: ${job.status} ${(job.progress.fraction * 100).toFixed(1)}%  scanned ${s.requestsScanned}` +
    `  matched ${s.requestsMatched}  readings ${s.readings}  records ${s.records}  dead letters ${s.deadLetters}  errors ${s.errors}`
  );
}

export function summaryLines(job: ReplayJob): string[] {
  const s = job.summary;
  return [
    `replay ${job.id} ${job.status}${job.dryRun ? ' (dry run: nothing published; counts are what a replay would publish)' : ''}`,
    `  source ${job.source}, received in [${job.from}, ${job.to})`,
    `  requests scanned  ${s.requestsScanned}`,
    `  requests matched  ${s.requestsMatched}`,
    `  readings          ${s.readings}`,
    `  records           ${s.records}`,
    `  dead letters      ${s.deadLetters}`,
    `  errors            ${s.errors}`,
    `  duration          ${(s.durationMs / 1000).toFixed(1)} s`,
    ...(job.error ? [`  error             ${job.error}`] : []),
  ];
}

export interface ReplayRequest {
  source: string;
  from: string;
  to: string;
  dryRun?: boolean;
  detach?: boolean;
}

export async function startReplay(
  api: ApiClient,
  request: ReplayRequest,
  print: (line: string) => void = console.log,
  pollMs = 1000,
): Promise<number> {
  const job = await api.post<ReplayJob>('/v1/replays', {
    source: request.source,
    from: request.from,
    to: request.to,
    dryRun: request.dryRun ?? false,
  });
  print(`replay ${job.id}: ${job.status}${job.dryRun ? ' (dry run)' : ''}`);
  if (request.detach) {
    print(`watch it: npm run ops -- replay status ${job.id}`);
    return 0;
  }
  return watchReplay(api, job.id, print, pollMs);
}

/** polls the job until it ends, a progress line when anything moved; the summary at the end */
export async function watchReplay(
  api: ApiClient,
  id: string,
  print: (line: string) => void = console.log,
  pollMs = 1000,
): Promise<number> {
  let last = '';
  for (;;) {
    const job = await api.get<ReplayJob>(`/v1/replays/${encodeURIComponent(id)}`);
    const line = progressLine(job);
    if (line !== last) print(line);
    last = line;
    if (ENDED.has(job.status)) {
      for (const summary of summaryLines(job)) print(summary);
      return job.status === 'done' ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export async function replayStatus(
  api: ApiClient,
  id: string,
  print: (line: string) => void = console.log,
): Promise<number> {
  const job = await api.get<ReplayJob>(`/v1/replays/${encodeURIComponent(id)}`);
  print(progressLine(job));
  for (const line of summaryLines(job)) print(line);
  return 0;
}

export async function listReplays(
  api: ApiClient,
  limit: string | undefined,
  print: (line: string) => void = console.log,
): Promise<number> {
  const { items } = await api.get<{ items: ReplayJob[] }>('/v1/replays', { limit });
  if (items.length === 0) print('no replays yet');
  for (const job of items)
    print(
      `${job.id}  ${job.status.padEnd(9)}  ${job.source.padEnd(10)}  [${job.from}, ${job.to})${job.dryRun ? '  dry run' : ''}  created ${job.createdAt}  records ${job.summary.records}`,
    );
  return 0;
}

export async function cancelReplay(
  api: ApiClient,
  id: string,
  print: (line: string) => void = console.log,
): Promise<number> {
  const job = await api.post<ReplayJob>(`/v1/replays/${encodeURIComponent(id)}/cancel`);
  print(progressLine(job));
  return 0;
}
