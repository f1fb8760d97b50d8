import {
  BRASILIA_OFFSET_MINUTES,
  checkVehicle,
  type RecordType,
  VEHICLE_SCHEMA,
  VehicleTelemetryV1,
} from '@app/contracts';
import { eventIdFor } from './event-id';
import {
  finiteNumber,
  isJsonObject,
  JsonObject,
  kindOf,
  own,
  quoted,
  readingFault,
  unmapped,
} from './json-values';
import { NormalizeContext, NormalizeOutcome, Normalizer } from './normalizer';
import { emptyOutcome, ReadingResult, rejection, settle } from './reading-result';
import { utcFromDate, utcFromWallClock } from './timestamps';

type NumericField =
  | 'latitude'
  | 'longitude'
  | 'speedKph'
  | 'headingDeg'
  | 'odometerKm'
  | 'fuelLevelPct'
  | 'engineRpm'
  | 'lvBatteryVoltageV'
  | 'hvBatterySocPct';

// mobway field -> record field; the units already match (km/h, km, %, V)
const NUMERIC_FIELDS: ReadonlyArray<readonly [string, NumericField]> = [
  ['latitude', 'latitude'],
  ['longitude', 'longitude'],
  ['speed', 'speedKph'],
  ['heading', 'headingDeg'],
  ['odometer', 'odometerKm'],
  ['fuel_level', 'fuelLevelPct'],
  ['rpm', 'engineRpm'],
  ['lv_battery_voltage', 'lvBatteryVoltageV'],
  ['hv_battery_soc', 'hvBatterySocPct'],
];

// a placeholder until flagsOf and unmapped fill the record in
const EMPTY: Record<string, unknown> = Object.freeze({});

const MAPPED: ReadonlySet<string> = new Set([
  'vin',
  'date_time',
  'event',
  'flag',
  ...NUMERIC_FIELDS.map(([field]) => field),
]);

/**
 * mobway: an object keyed by VIN, each value one reading or a list of readings. A bare reading
 * (an object with a string `date_time`) is taken as a payload of one. See README.md for the mapping.
 */
export class MobwayNormalizer implements Normalizer<VehicleTelemetryV1> {
  readonly recordType: RecordType = 'vehicle';

  /** @param check the contract check run on every record (compiled from the definition) */
  constructor(private readonly check: (record: VehicleTelemetryV1) => string[] = checkVehicle) {}

  normalize(payload: unknown, ctx: NormalizeContext): NormalizeOutcome<VehicleTelemetryV1> {
    const outcome = emptyOutcome<VehicleTelemetryV1>();
    // an invalid receivedAt becomes '' and fails the contract check on every record
    const receivedAt = utcFromDate(ctx.receivedAt) ?? '';
    if (!isJsonObject(payload)) {
      outcome.rejected.push(
        rejection(
          [`mobway payload must be an object keyed by VIN, got ${kindOf(payload)}`],
          payload,
        ).rejection,
      );
      return outcome;
    }
    if (typeof own(payload, 'date_time') === 'string') {
      settle(outcome, payload, () => this.reading(undefined, payload, ctx.source, receivedAt));
      return outcome;
    }
    for (const [key, value] of Object.entries(payload)) {
      for (const reading of Array.isArray(value) ? value : [value]) {
        settle(
          outcome,
          reading,
          () => this.reading(key, reading, ctx.source, receivedAt),
          ctx.maxReadings,
        );
      }
    }
    return outcome;
  }

  private reading(
    key: string | undefined,
    reading: unknown,
    source: string,
    receivedAt: string,
  ): ReadingResult<VehicleTelemetryV1> {
    const keyVin = key?.trim().toUpperCase();
    if (!isJsonObject(reading))
      return rejection([`reading must be an object, got ${kindOf(reading)}`], reading, keyVin);
    const fault = readingFault(reading);
    if (fault !== undefined) return rejection([`reading ${fault}`], reading, keyVin);

    const reasons: string[] = [];
    // every field in the definition's order, filled below by plain stores: one object shape for all
    // records (Object.assign with a spread costs ten times more)
    const record: VehicleTelemetryV1 = {
      schema: VEHICLE_SCHEMA,
      eventId: '',
      source,
      vin: '',
      recordedAt: '',
      receivedAt,
      latitude: null,
      longitude: null,
      speedKph: null,
      headingDeg: null,
      odometerKm: null,
      fuelLevelPct: null,
      engineRpm: null,
      lvBatteryVoltageV: null,
      hvBatterySocPct: null,
      event: null,
      flags: EMPTY,
      attributes: EMPTY,
    };
    const vin = vinOf(keyVin, reading, reasons);
    const recordedAt = recordedAtOf(reading, reasons);
    for (const [field, target] of NUMERIC_FIELDS)
      record[target] = numberOf(reading, field, reasons);
    record.event = eventOf(reading, reasons);
    record.flags = flagsOf(reading, reasons);
    if (reasons.length > 0 || vin === undefined || recordedAt === undefined)
      return rejection(reasons, reading, vin ?? keyVin);

    record.vin = vin;
    record.recordedAt = recordedAt;
    record.eventId = eventIdFor(source, vin, recordedAt, reading);
    record.attributes = unmapped(reading, MAPPED);
    const broken = this.check(record);
    return broken.length > 0 ? rejection(broken, reading, vin) : { record };
  }
}

/** The reading's `vin`, else its key; trimmed and upper-cased. The two must agree when both are given. */
function vinOf(
  keyVin: string | undefined,
  reading: JsonObject,
  reasons: string[],
): string | undefined {
  const value = own(reading, 'vin');
  if (value === undefined || value === null) {
    if (keyVin === undefined)
      reasons.push('vin missing: the reading has none and is not keyed by one');
    return keyVin;
  }
  if (typeof value !== 'string') {
    reasons.push(`vin must be a string, got ${kindOf(value)}`);
    return keyVin;
  }
  const vin = value.trim().toUpperCase();
  if (keyVin !== undefined && keyVin !== vin)
    reasons.push(`vin ${quoted(vin)} does not match its key ${quoted(keyVin)}`);
  return vin;
}

function recordedAtOf(reading: JsonObject, reasons: string[]): string | undefined {
  const value = own(reading, 'date_time');
  if (typeof value !== 'string') {
    reasons.push(`date_time must be a string 'yyyy-mm-dd hh:mm:ss', got ${kindOf(value)}`);
    return undefined;
  }
  // mobway sends Brasília local time without an offset
  const recordedAt = utcFromWallClock(value, BRASILIA_OFFSET_MINUTES);
  if (recordedAt === undefined)
    reasons.push(`date_time ${quoted(value)} is not a valid 'yyyy-mm-dd hh:mm:ss' time`);
  return recordedAt;
}

// mobway reports an invalid value as null plus an entry in `flag`: null stays null
function numberOf(reading: JsonObject, field: string, reasons: string[]): number | null {
  const value = own(reading, field);
  if (value === undefined || value === null) return null;
  const number = finiteNumber(value);
  if (number === undefined) {
    reasons.push(
      `${field} must be a finite number or a numeric string, got ${typeof value === 'string' ? quoted(value) : kindOf(value)}`,
    );
    return null;
  }
  return number;
}

function eventOf(reading: JsonObject, reasons: string[]): string | null {
  const value = own(reading, 'event');
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  // event codes may arrive as numbers: the contract carries them as text
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  reasons.push(`event must be a string or a number, got ${kindOf(value)}`);
  return null;
}

function flagsOf(reading: JsonObject, reasons: string[]): Record<string, unknown> {
  const value = own(reading, 'flag');
  if (value === undefined || value === null) return {};
  if (isJsonObject(value)) return value;
  reasons.push(`flag must be an object, got ${kindOf(value)}`);
  return {};
}
