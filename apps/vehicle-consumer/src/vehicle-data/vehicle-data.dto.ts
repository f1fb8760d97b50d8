import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';
import { VIN_PATTERN } from '@app/contracts';
import { normalizeVin } from '../query/vehicle-query.definition';
import { parseMobwayDate } from './brasilia-time';
import { MOBWAY_CATALOGUE } from './mobway.catalogue';

export const MAX_VINS = 20;
const MAX_DATAPOINTS = 100;
const DATAPOINT = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * One rule per parameter, so each bad parameter gets one message: `problem` says what is wrong
 * (the text after the parameter's name), undefined when the value is fine.
 */
const Rule = (name: string, problem: (value: unknown) => string | undefined): PropertyDecorator =>
  ValidateBy({
    name,
    validator: {
      validate: (value) => problem(value) === undefined,
      defaultMessage: (args) => `${args?.property} ${problem(args?.value)}`,
    },
  });

const firstBad = (values: unknown[], valid: (value: unknown) => boolean): number =>
  values.findIndex((value) => !valid(value));

function vinsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'must be a list of VINs';
  if (value.length === 0) return 'must contain at least 1 VIN';
  if (value.length > MAX_VINS) return `must contain at most ${MAX_VINS} VINs`;
  const bad = firstBad(value, (vin) => typeof vin === 'string' && VIN_PATTERN.test(vin));
  return bad < 0
    ? undefined
    : `must hold VINs, 17 characters of the VIN alphabet (no I, O, Q); entry ${bad} is not one`;
}

function datapointsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return 'must be a list of field names';
  if (value.length > MAX_DATAPOINTS) return `must contain at most ${MAX_DATAPOINTS} names`;
  const bad = firstBad(value, (name) => typeof name === 'string' && DATAPOINT.test(name));
  return bad < 0
    ? undefined
    : `must hold field names such as speed or fuel_level (letters, digits, '_', '.', '-'); entry ${bad} is not one`;
}

function dateProblem(value: unknown): string | undefined {
  const date = parseMobwayDate(value);
  return 'problem' in date ? date.problem : undefined;
}

const DATE_FORMS_DOC =
  "`yyyy-mm-dd` (that day's 00:00:00 in Brasília, UTC−03:00), `yyyy-mm-ddThh:mm:ss` (Brasília wall-clock time), `yyyy-mm-ddThh:mm:ss-03:00` (the offset given, −12:00 to +14:00, or Z), or `yyyy-mm-dd hh:mm:ss` as date_time is written (Brasília). Years 0001-9999";

/** the body of mobway's own `POST /vehicle-data`, so a client written against mobway works unchanged */
export class VehicleDataRequestDto {
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: MAX_VINS,
    example: ['9BWZZZ377VT004251'],
    description: 'trimmed and upper-cased; duplicates count once',
  })
  @Transform(({ value }: { value: unknown }) =>
    Array.isArray(value)
      ? value.map((vin: unknown) => (typeof vin === 'string' ? normalizeVin(vin) : vin))
      : value,
  )
  @Rule('isVinList', vinsProblem)
  vins: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_DATAPOINTS,
    example: ['speed', 'latitude', 'longitude', 'left_front_tire_pressure'],
    description: `mobway datapoint names (${MOBWAY_CATALOGUE.map(({ name }) => name).join(', ')}) or any other field the readings carried. Default (unlike mobway, where it is required): every catalogue datapoint plus every other field the reading carried. With datapoints, \`flag\` keeps only their entries; a name a reading lacks comes back null`,
  })
  @IsOptional()
  @Rule('isDatapointList', datapointsProblem)
  datapoints?: string[];

  @ApiPropertyOptional({
    example: '2025-03-01T00:00:00',
    description: `inclusive (date_time >= start_date). ${DATE_FORMS_DOC}. Default: end_date − 24 h (no end_date either: now − 24 h)`,
  })
  @IsOptional()
  @Rule('isMobwayDate', dateProblem)
  start_date?: string;

  @ApiPropertyOptional({
    example: '2025-03-01T23:59:59',
    description: `inclusive (date_time <= end_date; a date alone is that day's 00:00:00, as at mobway). ${DATE_FORMS_DOC}. Default: start_date + 24 h (no start_date either: now). At most VEHICLE_DATA_MAX_WINDOW_DAYS (default 31) days after start_date`,
  })
  @IsOptional()
  @Rule('isMobwayDate', dateProblem)
  end_date?: string;
}

/** OpenAPI for one reading of the answer, derived from the catalogue */
export const MOBWAY_READING_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['vin', 'date_time', 'flag'],
  properties: {
    vin: { type: 'string', example: '9BWZZZ377VT004251' },
    date_time: {
      type: 'string',
      example: '2025-03-01 10:00:00',
      description: 'yyyy-mm-dd hh:mm:ss, Brasília time (UTC−03:00)',
    },
    ...Object.fromEntries(
      MOBWAY_CATALOGUE.map(({ name, type, description }) => [
        name,
        type === undefined
          ? {
              nullable: true,
              description: `${description ? `${description}; ` : ''}as the reading sent it (any JSON value); null when it had none`,
            }
          : { type, nullable: true, description },
      ]),
    ),
    flag: {
      type: 'object',
      additionalProperties: true,
      example: { speed: { value: 512.5, flag: 'out of range' } },
      description: "mobway's flag entries as sent (with datapoints: only theirs)",
    },
  },
  additionalProperties: { description: 'every other field the reading carried, as sent' },
};
