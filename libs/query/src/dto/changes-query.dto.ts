import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { isSeqCursor } from '../record-cursor';
import { IsCursor, PageLimit, toInt } from './query.validators';
import { RANGE_LIMIT } from './range-query.dto';

export const MAX_WAIT_SECONDS = 30;

/** every record ingested after a cursor, in ingestion order, across entities */
export class ChangesQueryDto {
  @ApiPropertyOptional({
    description: 'the nextCursor (or an item seq) already processed; 0 starts from the beginning',
    default: '0',
    example: '0',
  })
  @IsOptional()
  @IsCursor((value) => (isSeqCursor(value) ? value : undefined), {
    message: 'after is malformed: use a nextCursor or a seq from this feed',
  })
  after: string = '0';

  @PageLimit(RANGE_LIMIT, 'records per page; ignored when streaming NDJSON')
  limit: number = RANGE_LIMIT.default;

  @ApiPropertyOptional({
    description:
      'when nothing is new, hold the request up to this long and answer as soon as a record arrives',
    default: 0,
    minimum: 0,
    maximum: MAX_WAIT_SECONDS,
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(MAX_WAIT_SECONDS)
  waitSeconds: number = 0;
}
