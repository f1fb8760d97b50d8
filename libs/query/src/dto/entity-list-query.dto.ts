import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { decodeEntityCursor } from '../record-cursor';
import { IsCursor, toInt } from './query.validators';

export const ENTITY_LIMIT = { default: 100, max: 1000 } as const;

export class EntityListQueryDto {
  @ApiPropertyOptional({ description: 'entities per page', default: ENTITY_LIMIT.default, minimum: 1, maximum: ENTITY_LIMIT.max })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(ENTITY_LIMIT.max)
  limit: number = ENTITY_LIMIT.default;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsCursor(decodeEntityCursor)
  cursor?: string;
}
