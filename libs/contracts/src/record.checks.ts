import { DeviceLocationV1 } from './device-location.v1';
import {
  DEVICE_ID_PATTERN,
  isStorableText,
  isTimestampInRange,
  isUtcTimestamp,
  LOCATION_SCHEMA,
  MESSAGES,
  SOURCE_PATTERN,
  UUID_V5_PATTERN,
  VEHICLE_SCHEMA,
  VIN_PATTERN,
} from './record.rules';
import { VehicleTelemetryV1 } from './vehicle-telemetry.v1';

// hand-written twins of validateVehicle/validateLocation for the hot path: the same rules and the
// same reasons in the same order (record.checks.spec.ts proves it on random records), straight-line
// code because class-validator's generic executor is what costs

// declaration order of the classes: class-validator reports fields in that order
const VEHICLE_FIELDS: ReadonlySet<string> = new Set<keyof VehicleTelemetryV1>([
  'schema', 'eventId', 'source', 'vin', 'recordedAt', 'receivedAt', 'latitude', 'longitude', 'speedKph', 'headingDeg',
  'odometerKm', 'fuelLevelPct', 'engineRpm', 'lvBatteryVoltageV', 'hvBatterySocPct', 'event', 'flags', 'attributes',
]); // prettier-ignore

const LOCATION_FIELDS: ReadonlySet<string> = new Set<keyof DeviceLocationV1>([
  'schema', 'eventId', 'source', 'deviceId', 'recordedAt', 'receivedAt', 'latitude', 'longitude', 'accuracyM',
  'speedKph', 'headingDeg', 'altitudeM', 'batteryPct', 'attributes',
]); // prettier-ignore

/** Same rules and reasons as validateVehicle, without class-validator. Accepts plain objects too. */
export function checkVehicle(record: VehicleTelemetryV1): string[] {
  const reasons: string[] = [];
  unknownFields(record, VEHICLE_FIELDS, reasons);
  if (record.schema !== VEHICLE_SCHEMA) reasons.push(MESSAGES.schema(VEHICLE_SCHEMA));
  if (!matches(record.eventId, UUID_V5_PATTERN)) reasons.push(MESSAGES.eventId);
  if (!matches(record.source, SOURCE_PATTERN)) reasons.push(MESSAGES.source);
  if (!matches(record.vin, VIN_PATTERN)) reasons.push(MESSAGES.vin);
  timestamp(record.recordedAt, 'recordedAt', reasons);
  timestamp(record.receivedAt, 'receivedAt', reasons);
  nullableNumber(record.latitude, 'latitude', -90, 90, reasons);
  nullableNumber(record.longitude, 'longitude', -180, 180, reasons);
  nullableNumber(record.speedKph, 'speedKph', 0, 500, reasons);
  nullableNumber(record.headingDeg, 'headingDeg', 0, 360, reasons);
  nullableNumber(record.odometerKm, 'odometerKm', 0, undefined, reasons);
  nullableNumber(record.fuelLevelPct, 'fuelLevelPct', 0, 100, reasons);
  nullableNumber(record.engineRpm, 'engineRpm', 0, undefined, reasons);
  nullableNumber(record.lvBatteryVoltageV, 'lvBatteryVoltageV', undefined, undefined, reasons);
  nullableNumber(record.hvBatterySocPct, 'hvBatterySocPct', 0, 100, reasons);
  if (record.event !== null && typeof record.event !== 'string')
    reasons.push(MESSAGES.nullableString('event'));
  else if (record.event !== null && !isStorableText(record.event))
    reasons.push(MESSAGES.storableText('event'));
  if (!isObject(record.flags)) reasons.push(MESSAGES.object('flags'));
  if (!isObject(record.attributes)) reasons.push(MESSAGES.object('attributes'));
  return reasons;
}

/** Same rules and reasons as validateLocation, without class-validator. Accepts plain objects too. */
export function checkLocation(record: DeviceLocationV1): string[] {
  const reasons: string[] = [];
  unknownFields(record, LOCATION_FIELDS, reasons);
  if (record.schema !== LOCATION_SCHEMA) reasons.push(MESSAGES.schema(LOCATION_SCHEMA));
  if (!matches(record.eventId, UUID_V5_PATTERN)) reasons.push(MESSAGES.eventId);
  if (!matches(record.source, SOURCE_PATTERN)) reasons.push(MESSAGES.source);
  if (!matches(record.deviceId, DEVICE_ID_PATTERN)) reasons.push(MESSAGES.deviceId);
  else if (!isStorableText(record.deviceId)) reasons.push(MESSAGES.storableText('deviceId'));
  timestamp(record.recordedAt, 'recordedAt', reasons);
  timestamp(record.receivedAt, 'receivedAt', reasons);
  requiredNumber(record.latitude, 'latitude', -90, 90, reasons);
  requiredNumber(record.longitude, 'longitude', -180, 180, reasons);
  nullableNumber(record.accuracyM, 'accuracyM', 0, undefined, reasons);
  nullableNumber(record.speedKph, 'speedKph', 0, undefined, reasons);
  nullableNumber(record.headingDeg, 'headingDeg', 0, 360, reasons);
  nullableNumber(record.altitudeM, 'altitudeM', undefined, undefined, reasons);
  nullableNumber(record.batteryPct, 'batteryPct', 0, 100, reasons);
  if (!isObject(record.attributes)) reasons.push(MESSAGES.object('attributes'));
  return reasons;
}

function unknownFields(record: object, fields: ReadonlySet<string>, reasons: string[]): void {
  for (const key of Object.keys(record)) {
    if (!fields.has(key)) reasons.push(MESSAGES.unknownProperty(key));
  }
}

function timestamp(value: unknown, property: string, reasons: string[]): void {
  if (!isUtcTimestamp(value)) reasons.push(MESSAGES.timestamp(property));
  else if (!isTimestampInRange(value)) reasons.push(MESSAGES.timestampRange(property));
}

function matches(value: unknown, pattern: RegExp): boolean {
  return typeof value === 'string' && pattern.test(value);
}

// class-validator's isObject: functions count, arrays do not
function isObject(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    !Array.isArray(value)
  );
}

function nullableNumber(
  value: unknown,
  property: string,
  min: number | undefined,
  max: number | undefined,
  reasons: string[],
): void {
  if (value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value))
    reasons.push(MESSAGES.nullableNumber(property));
  else range(value, property, min, max, reasons);
}

function requiredNumber(
  value: unknown,
  property: string,
  min: number,
  max: number,
  reasons: string[],
): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) reasons.push(MESSAGES.number(property));
  else range(value, property, min, max, reasons);
}

function range(
  value: number,
  property: string,
  min: number | undefined,
  max: number | undefined,
  reasons: string[],
): void {
  if (min !== undefined && !(value >= min)) reasons.push(MESSAGES.min(property, min));
  else if (max !== undefined && !(value <= max)) reasons.push(MESSAGES.max(property, max));
}
