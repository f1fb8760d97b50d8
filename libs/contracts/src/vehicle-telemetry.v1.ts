import { Equals, IsUUID, Matches } from 'class-validator';
import { MESSAGES, SOURCE_PATTERN, VEHICLE_SCHEMA, VIN_PATTERN } from './record.rules';
import { IsUtcTimestamp, NullableString, NumberField, PlainObject } from './validation.decorators';

/**
 * One vehicle reading on `telemetry.vehicle.v1`, keyed by VIN. Every field is present on every
 * record; a value the sender did not give (or flagged invalid) is `null`. Times are UTC.
 * Machine-readable form: schemas/vehicle-telemetry.v1.json.
 */
export class VehicleTelemetryV1 {
  @Equals(VEHICLE_SCHEMA, { message: MESSAGES.schema(VEHICLE_SCHEMA) })
  schema: typeof VEHICLE_SCHEMA;

  /** deterministic UUIDv5 of source, VIN, recordedAt and the original reading: the idempotency key */
  @IsUUID('5', { message: MESSAGES.eventId })
  eventId: string;

  /** the webhook source that delivered the reading, e.g. `mobway` */
  @Matches(SOURCE_PATTERN, { message: MESSAGES.source })
  source: string;

  /** upper-case, 17 characters, no I, O or Q */
  @Matches(VIN_PATTERN, { message: MESSAGES.vin })
  vin: string;

  /** when the vehicle took the reading, UTC, `yyyy-mm-ddThh:mm:ss.sssZ`, years 1970-9999 */
  @IsUtcTimestamp()
  recordedAt: string;

  /** when the gateway received the webhook, UTC, `yyyy-mm-ddThh:mm:ss.sssZ` */
  @IsUtcTimestamp()
  receivedAt: string;

  /** WGS 84 degrees */
  @NumberField({ min: -90, max: 90, nullable: true })
  latitude: number | null;

  /** WGS 84 degrees */
  @NumberField({ min: -180, max: 180, nullable: true })
  longitude: number | null;

  /** km/h */
  @NumberField({ min: 0, max: 500, nullable: true })
  speedKph: number | null;

  /** degrees clockwise from true north */
  @NumberField({ min: 0, max: 360, nullable: true })
  headingDeg: number | null;

  /** km */
  @NumberField({ min: 0, nullable: true })
  odometerKm: number | null;

  /** percent of tank */
  @NumberField({ min: 0, max: 100, nullable: true })
  fuelLevelPct: number | null;

  /** revolutions per minute */
  @NumberField({ min: 0, nullable: true })
  engineRpm: number | null;

  /** low-voltage (12/24 V) battery, volts */
  @NumberField({ nullable: true })
  lvBatteryVoltageV: number | null;

  /** traction battery state of charge, percent */
  @NumberField({ min: 0, max: 100, nullable: true })
  hvBatterySocPct: number | null;

  /** the sender's event name or code, as a string PostgreSQL can store */
  @NullableString()
  event: string | null;

  /** the sender's flag object as received, e.g. `{"speed":{"value":512.5,"flag":"out of range"}}` */
  @PlainObject()
  flags: Record<string, unknown>;

  /** every field of the original reading that is not mapped above, unchanged (units as sent) */
  @PlainObject()
  attributes: Record<string, unknown>;
}
