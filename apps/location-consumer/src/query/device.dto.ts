import { ApiProperty } from '@nestjs/swagger';
import { DeviceLocationV1Contract } from '@app/contracts';
import { ChangesPageDto, ContractDto, EntityPageDto, RecordPageDto } from '@app/query';

/** one stored location, exactly as `telemetry.location.v1` carries it: the contract's own schema */
export class DeviceLocationDto extends ContractDto(DeviceLocationV1Contract) {}

export class DeviceChangeDto extends DeviceLocationDto {
  @ApiProperty({
    description: 'ingestion sequence (decimal text); pass the last one as `after` to resume',
  })
  seq: string;
}

export class DeviceSummaryDto {
  @ApiProperty()
  deviceId: string;

  @ApiProperty({ format: 'date-time' })
  firstRecordedAt: string;

  @ApiProperty({ format: 'date-time' })
  lastRecordedAt: string;

  @ApiProperty()
  recordCount: number;
}

export class DeviceLocationPageDto extends RecordPageDto(DeviceLocationDto) {}
export class DeviceChangesPageDto extends ChangesPageDto(DeviceChangeDto) {}
export class DevicePageDto extends EntityPageDto(DeviceSummaryDto) {}
