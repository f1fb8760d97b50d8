import { ApiProperty } from '@nestjs/swagger';
import { DeviceLocationV1, LOCATION_SCHEMA } from '@app/contracts';
import { ChangesPageDto, EntityPageDto, RecordPageDto } from '@app/query';

/** one stored location, exactly as `telemetry.location.v1` carries it (schemas/device-location.v1.json) */
export class DeviceLocationDto implements DeviceLocationV1 {
  @ApiProperty({ enum: [LOCATION_SCHEMA] })
  schema: typeof LOCATION_SCHEMA;

  @ApiProperty({ format: 'uuid', description: 'deterministic UUIDv5: the idempotency key' })
  eventId: string;

  @ApiProperty({ example: 'weguard' })
  source: string;

  @ApiProperty({ example: '356938035643809' })
  deviceId: string;

  @ApiProperty({ format: 'date-time', description: 'when the device took the fix, UTC' })
  recordedAt: string;

  @ApiProperty({ format: 'date-time', description: 'when the gateway received the webhook, UTC' })
  receivedAt: string;

  @ApiProperty({ description: 'WGS 84 degrees' })
  latitude: number;

  @ApiProperty({ description: 'WGS 84 degrees' })
  longitude: number;

  @ApiProperty({ type: Number, nullable: true, description: 'horizontal accuracy radius, metres' })
  accuracyM: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'km/h' })
  speedKph: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'degrees clockwise from true north' })
  headingDeg: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'metres, as the device reports it' })
  altitudeM: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'device battery, percent' })
  batteryPct: number | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'fields of the original location not mapped above, unchanged',
  })
  attributes: Record<string, unknown>;
}

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
