import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { DeviceLocationV1 } from '@app/contracts';
import {
  AcceptsNdjson,
  ApiPageOrNdjson,
  ApiRangeFormats,
  ChangesQueryDto,
  ClientSignal,
  EntityListQueryDto,
  GapReportDto,
  GapsQueryDto,
  NegotiatedRangeFormat,
  QueryApi,
  RangeFormat,
  RangeQueryDto,
  RecordQueryService,
} from '@app/query';
import {
  DeviceChangeDto,
  DeviceChangesPageDto,
  DeviceLocationDto,
  DeviceLocationPageDto,
  DevicePageDto,
} from './device.dto';
import { DeviceIdPipe } from './location-query.definition';

const DEVICE_ID = ApiParam({
  name: 'deviceId',
  description: "the sender's device identifier, URL-encoded; trimmed",
  example: '356938035643809',
});

@ApiTags('devices')
@Controller('v1/devices')
@QueryApi()
export class DevicesController {
  constructor(private readonly records: RecordQueryService<DeviceLocationV1, 'deviceId'>) {}

  // static paths first: `locations/changes` must never be read as a device id
  @Get('locations/changes')
  @ApiOperation({
    summary:
      'Every location in ingestion order after a cursor, across devices, late arrivals included',
  })
  @ApiPageOrNdjson(
    DeviceChangesPageDto,
    DeviceChangeDto,
    'the stream ends at the newest location when it started',
  )
  changes(
    @Query() query: ChangesQueryDto,
    @AcceptsNdjson() ndjson: boolean,
    @ClientSignal() signal: AbortSignal,
  ): Promise<DeviceChangesPageDto | StreamableFile> {
    return this.records.changes(query, { ndjson, signal });
  }

  @Get()
  @ApiOperation({ summary: 'Known devices with their first and last location and count' })
  @ApiOkResponse({ type: DevicePageDto })
  list(@Query() query: EntityListQueryDto): Promise<DevicePageDto> {
    return this.records.entities(query);
  }

  @Get(':deviceId/latest')
  @DEVICE_ID
  @ApiOperation({ summary: 'The newest location of a device' })
  @ApiOkResponse({ type: DeviceLocationDto })
  @ApiNotFoundResponse({ description: 'no locations stored for this device' })
  latest(@Param('deviceId', DeviceIdPipe) deviceId: string): Promise<DeviceLocationDto> {
    return this.records.latest(deviceId);
  }

  @Get(':deviceId/locations')
  @DEVICE_ID
  @ApiOperation({ summary: "A device's locations in [from, to), ordered by (recordedAt, eventId)" })
  @ApiRangeFormats(
    DeviceLocationPageDto,
    DeviceLocationDto,
    'NDJSON and the files hold the whole range',
  )
  locations(
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Query() query: RangeQueryDto,
    @NegotiatedRangeFormat() format: RangeFormat,
  ): Promise<DeviceLocationPageDto | StreamableFile> {
    return this.records.range(deviceId, query, format);
  }

  @Get(':deviceId/gaps')
  @DEVICE_ID
  @ApiOperation({
    summary: 'Silences longer than minGapSeconds in [from, to): where to ask for a resend',
  })
  @ApiOkResponse({ type: GapReportDto })
  gaps(
    @Param('deviceId', DeviceIdPipe) deviceId: string,
    @Query() query: GapsQueryDto,
  ): Promise<GapReportDto> {
    return this.records.gaps(deviceId, query);
  }
}
