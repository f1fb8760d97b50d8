import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { decodeEntityCursor } from '../record-cursor';
import { IsCursor, PageLimit } from './query.validators';

export const ENTITY_LIMIT = { default: 100, max: 1000 } as const;

export class EntityListQueryDto {
  @PageLimit(ENTITY_LIMIT, 'entities per page')
  limit: number = ENTITY_LIMIT.default;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page' })
  @IsOptional()
  @IsCursor(decodeEntityCursor)
  cursor?: string;
}
