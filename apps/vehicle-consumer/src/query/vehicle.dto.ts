import { ApiProperty } from '@nestjs/swagger';
import { VehicleTelemetryV1Contract } from '@app/contracts';
import { ChangesPageDto, ContractDto, EntityPageDto, RecordPageDto } from '@app/query';

/** one stored reading, exactly as `telemetry.vehicle.v1` carries it: the contract's own schema */
export class VehicleTelemetryDto extends ContractDto(VehicleTelemetryV1Contract) {}

export class VehicleChangeDto extends VehicleTelemetryDto {
  @ApiProperty({
    description: 'ingestion sequence (decimal text); pass the last one as `after` to resume',
  })
  seq: string;
}

export class VehicleSummaryDto {
  @ApiProperty()
  vin: string;

  @ApiProperty({ format: 'date-time' })
  firstRecordedAt: string;

  @ApiProperty({ format: 'date-time' })
  lastRecordedAt: string;

  @ApiProperty()
  recordCount: number;
}

export class VehicleTelemetryPageDto extends RecordPageDto(VehicleTelemetryDto) {}
export class VehicleChangesPageDto extends ChangesPageDto(VehicleChangeDto) {}
export class VehiclePageDto extends EntityPageDto(VehicleSummaryDto) {}
