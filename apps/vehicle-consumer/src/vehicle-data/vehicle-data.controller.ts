import { Body, Controller, HttpCode, Post, StreamableFile } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { QueryApi } from '@app/query';
import { MobwayReadingDto, VehicleDataRequestDto } from './vehicle-data.dto';
import { VehicleDataService } from './vehicle-data.service';

@ApiTags('mobway-compatible')
@ApiExtraModels(MobwayReadingDto)
@Controller()
@QueryApi()
export class VehicleDataController {
  constructor(private readonly vehicleData: VehicleDataService) {}

  /** the path and shape of mobway's own endpoint: point a mobway client at us to recover */
  @Post('vehicle-data')
  @HttpCode(200)
  @ApiOperation({ summary: "Readings of up to 20 VINs, shaped like mobway's own POST /vehicle-data" })
  @ApiOkResponse({
    description: 'keyed by VIN (every requested VIN, [] when none), readings in time order with date_time in Brasília time',
    schema: { type: 'object', additionalProperties: { type: 'array', items: { $ref: getSchemaPath(MobwayReadingDto) } } },
  })
  find(@Body() request: VehicleDataRequestDto): Promise<StreamableFile> {
    return this.vehicleData.find(request);
  }
}
