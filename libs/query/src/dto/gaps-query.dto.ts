import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsOffsetTimestamp, NotBefore, restorePlusOffset, toInt } from './query.validators';

export const GAPS = {
  defaultMinGapSeconds: 300,
  maxMinGapSeconds: 7 * 24 * 3600,
  defaultWindowHours: 24,
  maxWindowDays: 31,
  maxGaps: 10_000,
} as const;

export class GapsQueryDto {
  @ApiPropertyOptional({
    description: `inclusive start; default: ${GAPS.defaultWindowHours} h before to`,
    example: '2025-03-01T00:00:00Z',
  })
  @IsOptional()
  @Transform(restorePlusOffset)
  @IsOffsetTimestamp()
  from?: string;

  @ApiPropertyOptional({
    description: `exclusive end; default: now. At most ${GAPS.maxWindowDays} days after from`,
    example: '2025-03-02T00:00:00Z',
  })
  @IsOptional()
  @Transform(restorePlusOffset)
  @IsOffsetTimestamp()
  @NotBefore('from')
  to?: string;

  @ApiPropertyOptional({
    description: 'report silences longer than this',
    default: GAPS.defaultMinGapSeconds,
    minimum: 1,
    maximum: GAPS.maxMinGapSeconds,
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(GAPS.maxMinGapSeconds)
  minGapSeconds: number = GAPS.defaultMinGapSeconds;
}
