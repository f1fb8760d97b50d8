import { Controller, Get, Param, Query, StreamableFile } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { VehicleTelemetryV1 } from '@app/contracts';
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
  VehicleChangeDto,
  VehicleChangesPageDto,
  VehiclePageDto,
  VehicleTelemetryDto,
  VehicleTelemetryPageDto,
} from './vehicle.dto';
import { VinPipe } from './vehicle-query.definition';

const VIN = ApiParam({
  name: 'vin',
  description: '17 characters, no I, O or Q; trimmed and upper-cased',
  example: '9BWZZZ377VT004251',
});

@ApiTags('vehicles')
@Controller('v1/vehicles')
@QueryApi()
export class VehiclesController {
  constructor(private readonly records: RecordQueryService<VehicleTelemetryV1, 'vin'>) {}

  // static paths first: `telemetry/changes` must never be read as a VIN
  @Get('telemetry/changes')
  @ApiOperation({
    summary: 'Every reading in ingestion order after a cursor, across VINs, late arrivals included',
  })
  @ApiPageOrNdjson(
    VehicleChangesPageDto,
    VehicleChangeDto,
    'the stream ends at the newest reading when it started',
  )
  changes(
    @Query() query: ChangesQueryDto,
    @AcceptsNdjson() ndjson: boolean,
    @ClientSignal() signal: AbortSignal,
  ): Promise<VehicleChangesPageDto | StreamableFile> {
    return this.records.changes(query, { ndjson, signal });
  }

  @Get()
  @ApiOperation({ summary: 'Known VINs with their first and last reading and count' })
  @ApiOkResponse({ type: VehiclePageDto })
  list(@Query() query: EntityListQueryDto): Promise<VehiclePageDto> {
    return this.records.entities(query);
  }

  @Get(':vin/latest')
  @VIN
  @ApiOperation({ summary: 'The newest reading of a VIN' })
  @ApiOkResponse({ type: VehicleTelemetryDto })
  @ApiNotFoundResponse({ description: 'no readings stored for this VIN' })
  latest(@Param('vin', VinPipe) vin: string): Promise<VehicleTelemetryDto> {
    return this.records.latest(vin);
  }

  @Get(':vin/telemetry')
  @VIN
  @ApiOperation({ summary: "A VIN's readings in [from, to), ordered by (recordedAt, eventId)" })
  @ApiRangeFormats(
    VehicleTelemetryPageDto,
    VehicleTelemetryDto,
    'NDJSON and the files hold the whole range',
  )
  telemetry(
    @Param('vin', VinPipe) vin: string,
    @Query() query: RangeQueryDto,
    @NegotiatedRangeFormat() format: RangeFormat,
  ): Promise<VehicleTelemetryPageDto | StreamableFile> {
    return this.records.range(vin, query, format);
  }

  @Get(':vin/gaps')
  @VIN
  @ApiOperation({
    summary: 'Silences longer than minGapSeconds in [from, to): where to ask for a resend',
  })
  @ApiOkResponse({ type: GapReportDto })
  gaps(@Param('vin', VinPipe) vin: string, @Query() query: GapsQueryDto): Promise<GapReportDto> {
    return this.records.gaps(vin, query);
  }
}
