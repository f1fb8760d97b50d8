import { Body, Controller, HttpCode, Post, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueryApi } from '@app/query';
import { MOBWAY_READING_SCHEMA, VehicleDataRequestDto } from './vehicle-data.dto';
import { VehicleDataService } from './vehicle-data.service';

@ApiTags('mobway-compatible')
@Controller()
@QueryApi()
export class VehicleDataController {
  constructor(private readonly vehicleData: VehicleDataService) {}

  /** the path and shape of mobway's own endpoint: point a mobway client at us to recover */
  @Post('vehicle-data')
  @HttpCode(200)
  @ApiOperation({
    summary: "Readings of up to 20 VINs, shaped like mobway's own POST /vehicle-data",
    description:
      "Takes what a mobway client sends (dates in each of mobway's forms, both ends inclusive, 24 h by default) and answers with each reading as mobway sent it to the webhook: " +
      'every catalogue datapoint under its mobway name (null when the reading had none), `flag`, and any other field it carried. ' +
      'A span over VEHICLE_DATA_MAX_WINDOW_DAYS (default 31) days, or a date that names no real instant, is a 400 naming the parameter.',
  })
  @ApiOkResponse({
    description:
      'keyed by VIN (every requested VIN, [] when none), readings in time order with date_time in Brasília time',
    schema: {
      type: 'object',
      additionalProperties: { type: 'array', items: MOBWAY_READING_SCHEMA },
    },
  })
  find(@Body() request: VehicleDataRequestDto): Promise<StreamableFile> {
    return this.vehicleData.find(request);
  }
}
