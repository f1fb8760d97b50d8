import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { parseOffsetTimestamp } from '@app/query';
import { fractionDone, ReplayJob, ReplayRunner } from '@app/replay';
import { CreateReplayDto, ReplayJobDto, ReplayListDto } from './replay.dto';

/** replay jobs for the API: started in the background, read from replay_jobs, never handed out as rows */
@Injectable()
export class ReplayService {
  constructor(private readonly runner: ReplayRunner) {}

  async start(request: CreateReplayDto): Promise<ReplayJobDto> {
    const spec = {
      source: request.source,
      from: new Date(parseOffsetTimestamp(request.from)!),
      to: new Date(parseOffsetTimestamp(request.to)!),
      dryRun: request.dryRun ?? false,
    };
    const problem = this.runner.problem(spec);
    if (problem) throw new BadRequestException([problem]);
    return toDto(await this.runner.start(spec));
  }

  async find(id: string): Promise<ReplayJobDto> {
    const job = await this.runner.find(id);
    if (!job) throw new NotFoundException(`no replay ${id}`);
    return toDto(job);
  }

  async recent(limit: number): Promise<ReplayListDto> {
    return { items: (await this.runner.recent(limit)).map(toDto) };
  }

  async cancel(id: string): Promise<ReplayJobDto> {
    const job = await this.runner.cancel(id);
    if (job) return toDto(job);
    // unknown, or ended already: say which
    return this.find(id);
  }
}

export function toDto(job: ReplayJob): ReplayJobDto {
  return {
    id: job.id,
    source: job.source,
    from: job.from.toISOString(),
    to: job.to.toISOString(),
    dryRun: job.dryRun,
    status: job.status,
    progress: {
      fraction: fractionDone(job.checkpoints),
      partitions: Object.entries(job.checkpoints)
        .map(([partition, c]) => ({ partition: Number(partition), ...c }))
        .sort((a, b) => a.partition - b.partition),
    },
    summary: { ...job.counters },
    ...(job.error !== undefined && { error: job.error }),
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
  };
}
