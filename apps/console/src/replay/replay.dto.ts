import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { IsOffsetTimestamp, PageLimit } from '@app/query';
import { REPLAY_STATUSES, ReplayStatus } from '@app/replay';

export const REPLAY_LIST_LIMIT = { default: 20, max: 200 } as const;

/** the body of POST /v1/replays */
export class CreateReplayDto {
  @ApiProperty({ description: 'a configured webhook source, e.g. mobway', example: 'mobway' })
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'source must be a source name such as mobway' })
  @IsString()
  source: string;

  @ApiProperty({
    description:
      'inclusive start of the window of receipt time (when the gateway received the requests); ISO-8601 with a zone',
    example: '2026-12-01T00:00:00Z',
  })
  @IsOffsetTimestamp()
  from: string;

  @ApiProperty({
    description:
      'exclusive end of the window; after from, at most REPLAY_MAX_WINDOW_DAYS (default 31) days after it',
    example: '2026-12-02T00:00:00Z',
  })
  @IsOffsetTimestamp()
  to: string;

  @ApiPropertyOptional({
    description: 'count what a replay would publish, publish nothing',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class ListReplaysQueryDto {
  @PageLimit(REPLAY_LIST_LIMIT, 'jobs to list, newest first')
  limit: number = REPLAY_LIST_LIMIT.default;
}

export class ReplayPartitionDto {
  @ApiProperty({ description: 'partition of webhooks.raw.v1' })
  partition: number;
  @ApiProperty({ description: 'offset the replay started at (decimal string: offsets are 64-bit)' })
  start: string;
  @ApiProperty({ description: 'next offset to read: the checkpoint a resumed job goes on from' })
  next: string;
  @ApiProperty({ description: 'end offset when the replay started; nothing from it on is read' })
  end: string;
  @ApiProperty({ description: 'read to the end, or to a message past the window' })
  done: boolean;
}

export class ReplayProgressDto {
  @ApiProperty({ description: 'share of the offsets to read that were read, 0 to 1' })
  fraction: number;
  @ApiProperty({ type: [ReplayPartitionDto] })
  partitions: ReplayPartitionDto[];
}

export class ReplaySummaryDto {
  @ApiProperty({ description: 'raw messages read, of any source' })
  requestsScanned: number;
  @ApiProperty({ description: "the source's requests received in the window" })
  requestsMatched: number;
  @ApiProperty({ description: 'readings in the matched requests' })
  readings: number;
  @ApiProperty({
    description:
      'records published (a dry run: that a replay would publish); stored once by event id',
  })
  records: number;
  @ApiProperty({
    description: 'dead letters published (a dry run: would publish), marked with the replay id',
  })
  deadLetters: number;
  @ApiProperty({
    description:
      'requests of the source that could not be replayed (no received-at, no normalizer)',
  })
  errors: number;
  @ApiProperty({ description: 'time spent running, summed over resumptions, in milliseconds' })
  durationMs: number;
}

export class ReplayJobDto {
  @ApiProperty({ format: 'uuid' })
  id: string;
  @ApiProperty()
  source: string;
  @ApiProperty({ format: 'date-time' })
  from: string;
  @ApiProperty({ format: 'date-time' })
  to: string;
  @ApiProperty()
  dryRun: boolean;
  @ApiProperty({
    enum: REPLAY_STATUSES,
    description:
      'queued, running (also while it waits to be resumed after its process stopped), done, failed (see error; resume it with npm run replay -- --resume <id>), cancelled',
  })
  status: ReplayStatus;
  @ApiProperty({ type: ReplayProgressDto })
  progress: ReplayProgressDto;
  @ApiProperty({ type: ReplaySummaryDto, description: 'counts so far; final once status is done' })
  summary: ReplaySummaryDto;
  @ApiPropertyOptional({ description: 'why it failed' })
  error?: string;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class ReplayListDto {
  @ApiProperty({ type: [ReplayJobDto] })
  items: ReplayJobDto[];
}
