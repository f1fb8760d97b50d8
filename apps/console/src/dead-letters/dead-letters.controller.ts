import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  PipeTransform,
  Post,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { QueryApi } from '@app/query';
import {
  DeadLetterDto,
  DeadLetterListQueryDto,
  DeadLetterPageDto,
  MAX_REDRIVE,
  RedriveRequestDto,
  RedriveResponseDto,
} from './dead-letter.dto';
import { DeadLetterService } from './dead-letter.service';

/** a letter id in the path: a positive integer, else 400 */
export class DeadLetterIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[1-9]\d{0,17}$/.test(value))
      throw new BadRequestException(['id must be a positive integer']);
    return value;
  }
}

@ApiTags('dead letters')
@Controller('v1/dead-letters')
@QueryApi()
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLetterService) {}

  @Get()
  @ApiOperation({
    summary: 'Dead letters, newest first, by source, stage, reason class, reason text and time',
  })
  @ApiOkResponse({ type: DeadLetterPageDto })
  list(@Query() query: DeadLetterListQueryDto): Promise<DeadLetterPageDto> {
    return this.deadLetters.list(query);
  }

  @Post('redrive')
  @HttpCode(200)
  @ApiOperation({
    summary: `Re-drive up to ${MAX_REDRIVE} letters; each outcome is recorded on its letter`,
    description:
      'A consume-stage letter re-publishes its record to its topic as the gateway wrote it (key, schema, event-id and request-id headers): its consumer stores it if it now passes, once (event ids), or dead-letters it again. An ingest-stage letter replays its request from the raw archive. Each letter is marked `pending` first, then `done` or `failed` with what happened.',
  })
  @ApiOkResponse({ type: RedriveResponseDto })
  redrive(
    @Body() body: RedriveRequestDto,
    @Req() request: FastifyRequest,
  ): Promise<RedriveResponseDto> {
    return this.deadLetters.redrive(body.ids, { requestId: String(request.id) });
  }

  @Get(':id')
  @ApiParam({ name: 'id', description: "the letter's id from the list", example: '17' })
  @ApiOperation({ summary: 'One dead letter, whole: its reasons and the original it holds' })
  @ApiOkResponse({ type: DeadLetterDto })
  @ApiNotFoundResponse({ description: 'no letter with this id (or it is past retention)' })
  get(@Param('id', DeadLetterIdPipe) id: string): Promise<DeadLetterDto> {
    return this.deadLetters.get(id);
  }
}
