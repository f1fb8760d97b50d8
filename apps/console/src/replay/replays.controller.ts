import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { QueryApi } from '@app/query';
import { CreateReplayDto, ListReplaysQueryDto, ReplayJobDto, ReplayListDto } from './replay.dto';
import { ReplayService } from './replay.service';

@ApiTags('replays')
@Controller('v1/replays')
@QueryApi()
export class ReplaysController {
  constructor(private readonly replays: ReplayService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Replay one source’s requests from the raw archive',
    description:
      'Re-reads webhooks.raw.v1 for the requests the source sent that the gateway received in [from, to), normalizes each with today’s normalizer and publishes the records and dead letters the gateway would write for it now. ' +
      'Records keep their event ids, so what is stored already is stored once; dead letters carry the replay id (header `replay-id`, reasons prefixed `replay <id>: `). ' +
      'Runs in the background: poll GET /v1/replays/{id}. A dry run counts and publishes nothing. An unknown source, or a window that is empty or longer than REPLAY_MAX_WINDOW_DAYS, is a 400.',
  })
  @ApiAcceptedResponse({ type: ReplayJobDto, description: 'the job, queued' })
  start(@Body() request: CreateReplayDto): Promise<ReplayJobDto> {
    return this.replays.start(request);
  }

  @Get()
  @ApiOperation({ summary: 'Recent replays, newest first' })
  @ApiOkResponse({ type: ReplayListDto })
  recent(@Query() query: ListReplaysQueryDto): Promise<ReplayListDto> {
    return this.replays.recent(query.limit);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One replay: status, progress per partition and its summary' })
  @ApiOkResponse({ type: ReplayJobDto })
  @ApiNotFoundResponse({ description: 'no replay with that id' })
  find(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReplayJobDto> {
    return this.replays.find(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a replay that has not ended',
    description:
      'A running replay stops at its next checkpoint; what it published stays published. A replay that ended already is answered as it is.',
  })
  @ApiOkResponse({ type: ReplayJobDto })
  @ApiNotFoundResponse({ description: 'no replay with that id' })
  cancel(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReplayJobDto> {
    return this.replays.cancel(id);
  }
}
