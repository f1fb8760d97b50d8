import { type Static, Type } from '@sinclair/typebox';
import { JsonObject, NullableNumber, UtcTimestamp, withReason } from './contract.fields';
import {
  DEVICE_ID_PATTERN,
  LOCATION_SCHEMA,
  MESSAGES,
  SOURCE_PATTERN,
  STORABLE_DEVICE_ID_PATTERN,
  UUID_V5_PATTERN,
} from './record.rules';

/**
 * `device-location/v1`, the one definition: the type below, schemas/device-location.v1.json, the
 * hot-path check (checkLocation), the query API's OpenAPI schema, the table binding and the
 * AsyncAPI payload are all derived from it (`npm run contracts:generate` writes the files).
 */
export const DeviceLocationV1Contract = Type.Object(
  {
    schema: Type.Literal(LOCATION_SCHEMA, {
      description: 'Schema name and version of this record.',
    }),
    eventId: withReason(
      Type.String({
        description:
          'Deterministic UUID version 5 over source, device id, recordedAt and the original location: the same location always gets the same id, so use it as the idempotency key (sender retries and redelivery repeat it).',
        format: 'uuid',
        pattern: UUID_V5_PATTERN.source,
        examples: ['7c9e6679-7425-5de9-944b-e07fc1f90ae7'],
      }),
      () => MESSAGES.eventId,
    ),
    source: withReason(
      Type.String({
        description: 'The webhook source that delivered the location, e.g. "weguard".',
        pattern: SOURCE_PATTERN.source,
        examples: ['weguard'],
      }),
      () => MESSAGES.source,
    ),
    deviceId: withReason(
      Type.String({
        description:
          "The sender's device identifier (IMEI, serial number, ...), as a string without leading or trailing white space, 1 to 128 characters, never holding U+0000 or an unpaired UTF-16 surrogate (PostgreSQL cannot store them).",
        minLength: 1,
        maxLength: 128,
        pattern: STORABLE_DEVICE_ID_PATTERN.source,
        examples: ['356938035643809'],
      }),
      // the shape first, then what PostgreSQL cannot store
      (property, value) =>
        typeof value === 'string' && DEVICE_ID_PATTERN.test(value)
          ? MESSAGES.storableText(property)
          : MESSAGES.deviceId,
    ),
    recordedAt: UtcTimestamp({
      description:
        'When the device took the fix, in UTC, as yyyy-mm-ddThh:mm:ss.sssZ, years 1970 to 9999 (times sent with an offset are converted; times without one are taken as UTC).',
      examples: ['2025-03-01T13:00:00.000Z'],
    }),
    receivedAt: UtcTimestamp({
      description:
        'When the gateway received the webhook, in UTC, as yyyy-mm-ddThh:mm:ss.sssZ, years 1970 to 9999.',
      examples: ['2025-03-01T13:00:02.125Z'],
    }),
    latitude: Type.Number({
      description: 'Latitude in decimal degrees (WGS 84).',
      minimum: -90,
      maximum: 90,
      examples: [40.7128],
    }),
    longitude: Type.Number({
      description: 'Longitude in decimal degrees (WGS 84).',
      minimum: -180,
      maximum: 180,
      examples: [-74.006],
    }),
    accuracyM: NullableNumber({
      description: 'Horizontal accuracy radius in metres.',
      minimum: 0,
      examples: [8],
    }),
    speedKph: NullableNumber({
      description:
        'Ground speed in kilometres per hour (converted when the sender gives metres per second).',
      minimum: 0,
      examples: [0],
    }),
    headingDeg: NullableNumber({
      description: 'Bearing in degrees clockwise from true north.',
      minimum: 0,
      maximum: 360,
      examples: [null],
    }),
    altitudeM: NullableNumber({
      description:
        'Altitude in metres as the device reports it (usually above the WGS 84 ellipsoid).',
      examples: [10],
    }),
    batteryPct: NullableNumber({
      description: 'Device battery level in percent.',
      minimum: 0,
      maximum: 100,
      examples: [88],
    }),
    attributes: JsonObject({
      description:
        "Every field of the original location that is not mapped to a property above, with its original name and value, unchanged and in the sender's units.",
      examples: [{ networkType: 'LTE' }],
    }),
  },
  {
    $id: 'urn:fleet-telemetry:schema:device-location:v1',
    title: 'DeviceLocationV1',
    description:
      'One device location, the value of a message on Kafka topic telemetry.location.v1 (message key: the device id). Every property is present on every record; an optional value the sender did not give is null. All timestamps are UTC. Compatible changes within v1 only add properties to `attributes`; anything else is a new version.',
    additionalProperties: false,
  },
);

/** One device location on `telemetry.location.v1`, keyed by device id (see DeviceLocationV1Contract). */
export type DeviceLocationV1 = Static<typeof DeviceLocationV1Contract>;
