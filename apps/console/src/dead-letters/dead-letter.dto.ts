import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
} from 'class-validator';
import { REASON_CLASSES } from '@app/contracts';
import { IsCursor, IsOffsetTimestamp, NotBefore, PageLimit, restorePlusOffset } from '@app/query';
import { decodeDeadLetterCursor } from './dead-letter.cursor';

export const DEAD_LETTER_LIMIT = { default: 100, max: 1000 } as const;
export const MAX_REDRIVE = 500;
export const STAGES = ['ingest', 'consume'] as const;
export const REDRIVE_STATUSES = ['none', 'pending', 'done', 'failed'] as const;
const ID = /^[1-9]\d{0,17}$/;

/** GET /v1/dead-letters: the filters, all optional and combined with AND */
export class DeadLetterListQueryDto {
  @ApiPropertyOptional({ description: 'the webhook source, e.g. mobway', example: 'mobway' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
    message: 'source must be a source name: 1-64 of A-Z a-z 0-9 . _ -',
  })
  source?: string;

  @ApiPropertyOptional({
    enum: STAGES,
    description: 'ingest: refused by the gateway; consume: refused by a consumer',
  })
  @IsOptional()
  @IsIn(STAGES)
  stage?: (typeof STAGES)[number];

  @ApiPropertyOptional({
    enum: REASON_CLASSES,
    description: "the reasons' class (libs/contracts reasonClass)",
  })
  @IsOptional()
  @IsIn(REASON_CLASSES)
  reason_class?: (typeof REASON_CLASSES)[number];

  @ApiPropertyOptional({
    description: 'a piece of the reason text, any case, e.g. `latitude`',
    maxLength: 200,
  })
  @IsOptional()
  @MaxLength(200)
  @MinLength(1)
  @IsString()
  q?: string;

  @ApiPropertyOptional({ description: 'the VIN or device id the letter names' })
  @IsOptional()
  @MaxLength(128)
  @MinLength(1)
  @IsString()
  entity_id?: string;

  @ApiPropertyOptional({
    enum: REDRIVE_STATUSES,
    description: 'none: never re-driven; else the last re-drive ended so (or is under way)',
  })
  @IsOptional()
  @IsIn(REDRIVE_STATUSES)
  redrive_status?: (typeof REDRIVE_STATUSES)[number];

  @ApiPropertyOptional({
    description: 'inclusive start (occurredAt >= from); ISO-8601 with a zone',
    example: '2025-03-01T00:00:00Z',
  })
  @IsOptional()
  @Transform(restorePlusOffset)
  @IsOffsetTimestamp()
  from?: string;

  @ApiPropertyOptional({
    description: 'exclusive end (occurredAt < to); must not be before from',
    example: '2025-03-02T00:00:00Z',
  })
  @IsOptional()
  @Transform(restorePlusOffset)
  @IsOffsetTimestamp()
  @NotBefore('from')
  to?: string;

  @PageLimit(DEAD_LETTER_LIMIT, 'letters per page')
  limit: number = DEAD_LETTER_LIMIT.default;

  @ApiPropertyOptional({
    description: 'the nextCursor of the previous page, with the same filters',
  })
  @IsOptional()
  @IsCursor(decodeDeadLetterCursor)
  cursor?: string;
}

function idsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'must be a list of dead-letter ids';
  if (value.length === 0) return 'must contain at least 1 id';
  if (value.length > MAX_REDRIVE) return `must contain at most ${MAX_REDRIVE} ids`;
  const bad = value.findIndex(
    (id) =>
      !(
        (typeof id === 'string' && ID.test(id)) ||
        (typeof id === 'number' && Number.isSafeInteger(id) && id > 0)
      ),
  );
  return bad < 0 ? undefined : `must hold ids (positive integers); entry ${bad} is not one`;
}

/** POST /v1/dead-letters/redrive */
export class RedriveRequestDto {
  @ApiProperty({
    description: `the ids of the letters to re-drive, 1 to ${MAX_REDRIVE} (numbers or decimal strings)`,
    type: [String],
    example: ['17', '18'],
  })
  @ValidateBy({
    name: 'isDeadLetterIds',
    validator: {
      validate: (value) => idsProblem(value) === undefined,
      defaultMessage: (args) => `${args?.property} ${idsProblem(args?.value)}`,
    },
  })
  ids: (string | number)[];
}

export class RedriveStateDto {
  @ApiProperty({ enum: ['pending', 'done', 'failed'] })
  status: 'pending' | 'done' | 'failed';

  @ApiProperty({ description: 'when the last re-drive started or ended' })
  at: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'what it did, e.g. the topic, partition and offset the record was published at',
  })
  outcome: string | null;
}

export class DeadLetterSummaryDto {
  @ApiProperty({ description: "the console's id of the letter (decimal)", example: '17' })
  id: string;

  @ApiProperty({ type: String, nullable: true, enum: STAGES })
  stage: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'null when it could not be told' })
  source: string | null;

  @ApiProperty({ type: [String] })
  reasons: string[];

  @ApiProperty({ enum: REASON_CLASSES })
  reasonClass: string;

  @ApiProperty({ type: String, nullable: true, description: 'the VIN or device id, when known' })
  entityId: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "the gateway's request id, when known",
  })
  requestId: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'consume stage: the record topic the refused message was read from',
  })
  recordTopic: string | null;

  @ApiProperty({ description: 'when it was rejected (UTC)' })
  occurredAt: string;

  @ApiProperty({ description: 'when it reached the dead-letter topic (its Kafka timestamp)' })
  receivedAt: string;

  @ApiProperty({
    description: 'where the letter sits on telemetry.deadletter.v1',
    example: { partition: 0, offset: '42' },
  })
  kafka: { partition: number; offset: string };

  @ApiProperty({ type: RedriveStateDto, nullable: true, description: 'null: never re-driven' })
  redrive: RedriveStateDto | null;
}

export class DeadLetterDto extends DeadLetterSummaryDto {
  @ApiProperty({
    description:
      'the whole letter as it was published (dead-letter/v1: reasons, original or originalBase64, and for the consume stage topic, partition, offset)',
    type: 'object',
    additionalProperties: true,
  })
  letter: Record<string, unknown>;
}

export class DeadLetterPageDto {
  @ApiProperty({ type: [DeadLetterSummaryDto], description: 'newest first (occurredAt, then id)' })
  items: DeadLetterSummaryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'pass as `cursor` (with the same filters) for the next page; null on the last page',
  })
  nextCursor: string | null;
}

export class RedriveResultDto {
  @ApiProperty()
  id: string;

  @ApiProperty({
    enum: ['done', 'failed', 'not_found'],
    description: 'done: re-driven; failed: not (outcome says why); not_found: no such letter',
  })
  status: 'done' | 'failed' | 'not_found';

  @ApiProperty({ description: 'what was done, or why not; recorded on the letter' })
  outcome: string;
}

export class RedriveResponseDto {
  @ApiProperty({
    type: [RedriveResultDto],
    description: 'one per id asked, in that order (duplicates once)',
  })
  results: RedriveResultDto[];
}
