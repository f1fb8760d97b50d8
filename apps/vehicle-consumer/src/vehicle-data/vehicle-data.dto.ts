import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsOptional, Matches, ValidateBy } from 'class-validator';
import { VIN_PATTERN } from '@app/contracts';
import { normalizeVin } from '../query/vehicle-query.definition';
import { parseBrasiliaDate } from './brasilia-time';

export const MAX_VINS = 20;
const DATAPOINT = /^[A-Za-z0-9_.-]{1,64}$/;

const IsMobwayDate = (): PropertyDecorator =>
  ValidateBy({
    name: 'isMobwayDate',
    validator: {
      validate: (value: unknown) => parseBrasiliaDate(value) !== undefined,
      defaultMessage: (args) => `${args?.property} must be 'yyyy-mm-dd hh:mm:ss' or 'yyyy-mm-dd' (Brasília time, UTC−03:00)`,
    },
  });

/** the body of mobway's own `POST /vehicle-data`, so a client written against mobway works unchanged */
export class VehicleDataRequestDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: MAX_VINS, example: ['9BWZZZ377VT004251'], description: 'trimmed and upper-cased; duplicates count once' })
  @Transform(({ value }) => (Array.isArray(value) ? value.map((vin) => (typeof vin === 'string' ? normalizeVin(vin) : vin)) : value))
  @IsArray({ message: 'vins must be a list of VINs' })
  @ArrayNotEmpty({ message: 'vins must contain at least 1 VIN' })
  @ArrayMaxSize(MAX_VINS, { message: `vins must contain at most ${MAX_VINS} VINs` })
  @Matches(VIN_PATTERN, { each: true, message: 'each value in vins must be 17 characters of the VIN alphabet (no I, O, Q)' })
  vins: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['speed', 'latitude', 'longitude'],
    description: 'mobway field names (speed, latitude, longitude, heading, odometer, fuel_level, lv_battery_voltage, hv_battery_soc, rpm, event, or any extra field the readings carried); default: all. With datapoints, `flag` keeps only their entries',
  })
  @IsOptional()
  @IsArray({ message: 'datapoints must be a list of field names' })
  @ArrayMaxSize(100, { message: 'datapoints must contain at most 100 names' })
  @Matches(DATAPOINT, { each: true, message: 'each value in datapoints must be a field name such as speed or fuel_level' })
  datapoints?: string[];

  @ApiPropertyOptional({ example: '2025-03-01 00:00:00', description: "Brasília time; 'yyyy-mm-dd' is that day's 00:00:00. Default: end_date − 24 h" })
  @IsOptional()
  @IsMobwayDate()
  start_date?: string;

  @ApiPropertyOptional({ example: '2025-03-01 23:59:59', description: "Brasília time, inclusive; 'yyyy-mm-dd' includes that whole day. Default: now" })
  @IsOptional()
  @IsMobwayDate()
  end_date?: string;
}

/** one reading as mobway returns it; fields the original reading had beyond these come back too */
export class MobwayReadingDto {
  @ApiProperty() vin: string;
  @ApiProperty({ example: '2025-03-01 10:00:00', description: 'Brasília time (UTC−03:00)' }) date_time: string;
  @ApiProperty({ type: Number, nullable: true, description: 'km/h' }) speed: number | null;
  @ApiProperty({ type: Number, nullable: true }) latitude: number | null;
  @ApiProperty({ type: Number, nullable: true }) longitude: number | null;
  @ApiProperty({ type: Number, nullable: true }) heading: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'km' }) odometer: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '%' }) fuel_level: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'V' }) lv_battery_voltage: number | null;
  @ApiProperty({ type: Number, nullable: true, description: '%' }) hv_battery_soc: number | null;
  @ApiProperty({ type: Number, nullable: true }) rpm: number | null;
  @ApiProperty({ type: String, nullable: true }) event: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { speed: { value: 512.5, flag: 'out of range' } } }) flag: Record<string, unknown>;
}
