import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional } from 'class-validator';
import { RANGE_FORMAT_NAMES, RangeFormat } from '../range-format';
import { decodeRangeCursor } from '../record-cursor';
import {
  IsCursor,
  IsOffsetTimestamp,
  NotBefore,
  PageLimit,
  restorePlusOffset,
} from './query.validators';

export const RANGE_LIMIT = { default: 500, max: 5000 } as const;

/** one entity's records in [from, to), ordered by (recordedAt, eventId), a keyset page at a time */
export class RangeQueryDto {
  @ApiPropertyOptional({
    description: 'inclusive start (recordedAt >= from); ISO-8601 with a zone',
    example: '2025-03-01T00:00:00Z',
  })
  @IsOptional()
  @Transform(restorePlusOffset)
  @IsOffsetTimestamp()
  from?: string;

  @ApiPropertyOptional({
    description: 'exclusive end (recordedAt < to); must not be before from',
    example: '2025-03-02T00:00:00Z',
  })
  @IsOptional()
  @Transform(restorePlusOffset)
  @IsOffsetTimestamp()
  @NotBefore('from')
  to?: string;

  @PageLimit(RANGE_LIMIT, 'records per page; ignored when streaming (NDJSON, CSV, GeoJSON, GPX)')
  limit: number = RANGE_LIMIT.default;

  @ApiPropertyOptional({
    description: 'the nextCursor of the previous page, with the same from and to',
  })
  @IsOptional()
  @IsCursor(decodeRangeCursor)
  cursor?: string;

  @ApiPropertyOptional({
    description:
      'the response format; wins over Accept (application/json, application/x-ndjson, text/csv, application/geo+json, application/gpx+xml)',
    enum: RANGE_FORMAT_NAMES,
  })
  @IsOptional()
  @IsIn(RANGE_FORMAT_NAMES)
  format?: RangeFormat;
}
