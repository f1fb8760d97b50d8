import { Equals, IsUUID, Matches } from 'class-validator';
import { DEVICE_ID_PATTERN, LOCATION_SCHEMA, MESSAGES, SOURCE_PATTERN } from './record.rules';
import { IsUtcTimestamp, NumberField, PlainObject, StorableText } from './validation.decorators';

/**
 * One device location on `telemetry.location.v1`, keyed by device id. Every field is present on
 * every record; an optional value the sender did not give is `null`. Times are UTC.
 * Machine-readable form: schemas/device-location.v1.json.
 */
export class DeviceLocationV1 {
  @Equals(LOCATION_SCHEMA, { message: MESSAGES.schema(LOCATION_SCHEMA) })
  schema: typeof LOCATION_SCHEMA;

  /** deterministic UUIDv5 of source, device id, recordedAt and the original reading: the idempotency key */
  @IsUUID('5', { message: MESSAGES.eventId })
  eventId: string;

  /** the webhook source that delivered the location, e.g. `weguard` */
  @Matches(SOURCE_PATTERN, { message: MESSAGES.source })
  source: string;

  /** the sender's device identifier (IMEI, serial, ...), trimmed, 1-128 characters, storable text */
  // decorators apply bottom-up: the pattern is checked first
  @StorableText()
  @Matches(DEVICE_ID_PATTERN, { message: MESSAGES.deviceId })
  deviceId: string;

  /** when the device took the fix, UTC, `yyyy-mm-ddThh:mm:ss.sssZ`, years 1970-9999 */
  @IsUtcTimestamp()
  recordedAt: string;

  /** when the gateway received the webhook, UTC, `yyyy-mm-ddThh:mm:ss.sssZ` */
  @IsUtcTimestamp()
  receivedAt: string;

  /** WGS 84 degrees */
  @NumberField({ min: -90, max: 90 })
  latitude: number;

  /** WGS 84 degrees */
  @NumberField({ min: -180, max: 180 })
  longitude: number;

  /** horizontal accuracy radius, metres */
  @NumberField({ min: 0, nullable: true })
  accuracyM: number | null;

  /** km/h */
  @NumberField({ min: 0, nullable: true })
  speedKph: number | null;

  /** degrees clockwise from true north */
  @NumberField({ min: 0, max: 360, nullable: true })
  headingDeg: number | null;

  /** metres, as the device reports it (usually above the WGS 84 ellipsoid) */
  @NumberField({ nullable: true })
  altitudeM: number | null;

  /** device battery, percent */
  @NumberField({ min: 0, max: 100, nullable: true })
  batteryPct: number | null;

  /** every field of the original location that is not mapped above, unchanged (units as sent) */
  @PlainObject()
  attributes: Record<string, unknown>;
}
