import { ApiProperty } from '@nestjs/swagger';
import { VEHICLE_SCHEMA, VehicleTelemetryV1 } from '@app/contracts';
import { ChangesPageDto, EntityPageDto, RecordPageDto } from '@app/query';

/** one stored reading, exactly as `telemetry.vehicle.v1` carries it (schemas/vehicle-telemetry.v1.json) */
export class VehicleTelemetryDto implements VehicleTelemetryV1 {
  @ApiProperty({ enum: [VEHICLE_SCHEMA] })
  schema: typeof VEHICLE_SCHEMA;

  @ApiProperty({ format: 'uuid', description: 'deterministic UUIDv5: the idempotency key' })
  eventId: string;

  @ApiProperty({ example: 'mobway' })
  source: string;

  @ApiProperty({ example: '9BWZZZ377VT004251' })
  vin: string;

  @ApiProperty({ format: 'date-time', description: 'when the vehicle took the reading, UTC' })
  recordedAt: string;

  @ApiProperty({ format: 'date-time', description: 'when the gateway received the webhook, UTC' })
  receivedAt: string;

  @ApiProperty({ type: Number, nullable: true, description: 'WGS 84 degrees' })
  latitude: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'WGS 84 degrees' })
  longitude: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'km/h' })
  speedKph: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'degrees clockwise from true north' })
  headingDeg: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'km' })
  odometerKm: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'percent of tank' })
  fuelLevelPct: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'revolutions per minute' })
  engineRpm: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'low-voltage battery, volts' })
  lvBatteryVoltageV: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'traction battery state of charge, percent',
  })
  hvBatterySocPct: number | null;

  @ApiProperty({ type: String, nullable: true })
  event: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "the sender's flag object as received",
  })
  flags: Record<string, unknown>;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'fields of the original reading not mapped above, unchanged',
  })
  attributes: Record<string, unknown>;
}

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
