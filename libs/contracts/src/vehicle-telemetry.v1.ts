import { type Static, Type } from '@sinclair/typebox';
import {
  JsonObject,
  NullableNumber,
  NullableString,
  UtcTimestamp,
  withReason,
} from './contract.fields';
import {
  MESSAGES,
  SOURCE_PATTERN,
  STORABLE_TEXT_PATTERN,
  UUID_V5_PATTERN,
  VEHICLE_SCHEMA,
  VIN_PATTERN,
} from './record.rules';

/**
 * `vehicle-telemetry/v1`, the one definition: the type below, schemas/vehicle-telemetry.v1.json,
 * the hot-path check (checkVehicle), the query API's OpenAPI schema, the table binding and the
 * AsyncAPI payload are all derived from it (`npm run contracts:generate` writes the files).
 * A new field is a line here, the normalizer line that fills it and a migration.
 */
export const VehicleTelemetryV1Contract = Type.Object(
  {
    schema: Type.Literal(VEHICLE_SCHEMA, {
      description: 'Schema name and version of this record.',
    }),
    eventId: withReason(
      Type.String({
        description:
          'Deterministic UUID version 5 over source, VIN, recordedAt and the original reading: the same reading always gets the same id, so use it as the idempotency key (sender retries and redelivery repeat it).',
        format: 'uuid',
        pattern: UUID_V5_PATTERN.source,
        examples: ['0d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60'],
      }),
      () => MESSAGES.eventId,
    ),
    source: withReason(
      Type.String({
        description: 'The webhook source that delivered the reading, e.g. "mobway".',
        pattern: SOURCE_PATTERN.source,
        examples: ['mobway'],
      }),
      () => MESSAGES.source,
    ),
    vin: withReason(
      Type.String({
        description:
          'Vehicle identification number (ISO 3779): 17 upper-case characters, never I, O or Q.',
        pattern: VIN_PATTERN.source,
        examples: ['9BWZZZ377VT004251'],
      }),
      () => MESSAGES.vin,
    ),
    recordedAt: UtcTimestamp({
      description:
        "When the vehicle took the reading, in UTC, as yyyy-mm-ddThh:mm:ss.sssZ, years 1970 to 9999 (senders' local times, e.g. mobway's Brasília time, are converted).",
      examples: ['2025-03-01T13:00:00.000Z'],
    }),
    receivedAt: UtcTimestamp({
      description:
        'When the gateway received the webhook, in UTC, as yyyy-mm-ddThh:mm:ss.sssZ, years 1970 to 9999.',
      examples: ['2025-03-01T13:00:02.125Z'],
    }),
    latitude: NullableNumber({
      description: 'Latitude in decimal degrees (WGS 84), null without a position fix.',
      minimum: -90,
      maximum: 90,
      examples: [-23.5505],
    }),
    longitude: NullableNumber({
      description: 'Longitude in decimal degrees (WGS 84), null without a position fix.',
      minimum: -180,
      maximum: 180,
      examples: [-46.6333],
    }),
    speedKph: NullableNumber({
      description: 'Vehicle speed in kilometres per hour.',
      minimum: 0,
      maximum: 500,
      examples: [62.5],
    }),
    headingDeg: NullableNumber({
      description: 'Heading in degrees clockwise from true north.',
      minimum: 0,
      maximum: 360,
      examples: [181],
    }),
    odometerKm: NullableNumber({
      description: 'Odometer reading in kilometres.',
      minimum: 0,
      examples: [48211.4],
    }),
    fuelLevelPct: NullableNumber({
      description: 'Fuel level in percent of tank capacity.',
      minimum: 0,
      maximum: 100,
      examples: [57],
    }),
    engineRpm: NullableNumber({
      description: 'Engine speed in revolutions per minute.',
      minimum: 0,
      examples: [2100],
    }),
    lvBatteryVoltageV: NullableNumber({
      description: 'Low-voltage (12/24 V) battery voltage in volts.',
      examples: [13.9],
    }),
    hvBatterySocPct: NullableNumber({
      description:
        'High-voltage traction battery state of charge in percent; null for vehicles without one.',
      minimum: 0,
      maximum: 100,
      examples: [null],
    }),
    event: withReason(
      NullableString({
        description:
          "The sender's event name or code, as a string; null when the reading names none. Never holds U+0000 or an unpaired UTF-16 surrogate (PostgreSQL cannot store them).",
        pattern: STORABLE_TEXT_PATTERN.source,
        examples: ['ignition_on'],
      }),
      (property, value) =>
        typeof value === 'string'
          ? MESSAGES.storableText(property)
          : MESSAGES.nullableString(property),
    ),
    flags: JsonObject({
      description:
        'The sender\'s flag object as received. mobway reports an invalid value as null in its field plus an entry here, e.g. {"speed": {"value": 512.5, "flag": "out of range"}}; the flagged value is in the sender\'s unit (km/h for speed).',
      examples: [{}],
    }),
    attributes: JsonObject({
      description:
        "Every field of the original reading that is not mapped to a property above, with its original name and value, unchanged and in the sender's units (e.g. mobway tire pressures in psi).",
      examples: [{ tire_pressure_fl: 34 }],
    }),
  },
  {
    $id: 'urn:fleet-telemetry:schema:vehicle-telemetry:v1',
    title: 'VehicleTelemetryV1',
    description:
      'One vehicle reading, the value of a message on Kafka topic telemetry.vehicle.v1 (message key: the VIN). Every property is present on every record; a value the sender did not give, or flagged as invalid, is null. All timestamps are UTC. Compatible changes within v1 only add properties to `attributes` or `flags`; anything else is a new version.',
    additionalProperties: false,
  },
);

/** One vehicle reading on `telemetry.vehicle.v1`, keyed by VIN (see VehicleTelemetryV1Contract). */
export type VehicleTelemetryV1 = Static<typeof VehicleTelemetryV1Contract>;
