import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches } from 'class-validator';
import { IsOffsetTimestamp, NotBefore, restorePlusOffset } from '@app/query';

export const COMPLETENESS_WINDOW = { defaultHours: 24, maxDays: 7 } as const;

export class CompletenessQueryDto {
  @ApiPropertyOptional({ description: 'one source; default: every source', example: 'mobway' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'source must be a source name' })
  source?: string;

  @ApiPropertyOptional({
    description: `inclusive start, by when the gateway received the requests; rounded down to a bucket. Default: ${COMPLETENESS_WINDOW.defaultHours} h before to`,
    example: '2025-03-01T00:00:00Z',
  })
  @IsOptional()
  @Transform(restorePlusOffset)
  @IsOffsetTimestamp()
  from?: string;

  @ApiPropertyOptional({
    description: `exclusive end; rounded up to a bucket. Default: now. At most ${COMPLETENESS_WINDOW.maxDays} days after from`,
    example: '2025-03-02T00:00:00Z',
  })
  @IsOptional()
  @Transform(restorePlusOffset)
  @IsOffsetTimestamp()
  @NotBefore('from')
  to?: string;
}

export class CompletenessCountsDto {
  @ApiProperty({ description: 'raw-archive messages: verified requests, retries included' })
  received: number;

  @ApiProperty({
    description:
      'distinct requests: a retry (same webhook id, or same body where the scheme has none) counts once, in the bucket of its earliest receipt',
  })
  requests: number;

  @ApiProperty({ description: 'readings in the requests: accepted + deadLettered' })
  readings: number;

  @ApiProperty({ description: 'readings the gateway published as records' })
  accepted: number;

  @ApiProperty({ description: 'readings the gateway dead-lettered' })
  deadLettered: number;

  @ApiProperty({
    description:
      'requests archived before the gateway counted readings (their readings are unknown: such a bucket is never flagged)',
  })
  untallied: number;

  @ApiProperty({
    description:
      "record messages this app's sink read off the record topic: a redelivery counts once, a replay or a sender's resend again",
  })
  published: number;

  @ApiProperty({ description: 'rows in the record table now whose receivedAt is in the bucket' })
  stored: number;

  @ApiProperty({
    description:
      'accepted − stored, when positive, in buckets that are settled and not expired; else 0',
  })
  missing: number;
}

export class CompletenessBucketDto extends CompletenessCountsDto {
  @ApiProperty({ example: 'mobway' })
  source: string;

  @ApiProperty({ description: 'bucket start, receipt time', example: '2025-03-01T13:00:00.000Z' })
  from: string;

  @ApiProperty({ description: 'bucket end (exclusive)', example: '2025-03-01T14:00:00.000Z' })
  to: string;

  @ApiProperty({
    description:
      'the bucket ended more than COMPLETENESS_DELAY_SECONDS ago: its records should be stored by now',
  })
  settled: boolean;

  @ApiProperty({
    description:
      "the bucket began before the record type's retention window: its rows may have been dropped, and it is never flagged",
  })
  expired: boolean;

  @ApiProperty({ description: 'missing > 0: accepted readings that are not stored' })
  flagged: boolean;
}

export class CompletenessReportDto {
  @ApiProperty({ enum: ['vehicle', 'location'] })
  recordType: string;

  @ApiProperty({ description: 'the window, rounded out to whole buckets' })
  from: string;

  @ApiProperty()
  to: string;

  @ApiProperty({ description: 'COMPLETENESS_BUCKET_SECONDS' })
  bucketSeconds: number;

  @ApiProperty({ description: 'COMPLETENESS_DELAY_SECONDS' })
  delaySeconds: number;

  @ApiProperty({ description: 'when the counts were read' })
  asOf: string;

  @ApiProperty({
    type: [CompletenessBucketDto],
    description: 'per bucket and source, in time order; buckets with nothing are left out',
  })
  buckets: CompletenessBucketDto[];

  @ApiProperty({ type: CompletenessCountsDto, description: 'the sums over the buckets' })
  totals: CompletenessCountsDto;

  @ApiProperty({ description: 'buckets flagged' })
  flagged: number;
}
