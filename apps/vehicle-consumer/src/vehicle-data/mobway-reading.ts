import { VehicleTelemetryV1 } from '@app/contracts';
import { toBrasiliaDateTime } from './brasilia-time';

/** a reading as mobway's own API returns it: its field names, date_time in Brasília time, extras as sent */
export type MobwayReading = Record<string, unknown> & { vin: string; date_time: string; flag: Record<string, unknown> };

type MappedField = 'speedKph' | 'latitude' | 'longitude' | 'headingDeg' | 'odometerKm' | 'fuelLevelPct' | 'lvBatteryVoltageV' | 'hvBatterySocPct' | 'engineRpm' | 'event';

// mobway name -> record field, in the order mobway's payloads list them; the inverse of
// MobwayNormalizer's mapping (units already match: km/h, km, %, V)
export const MOBWAY_FIELDS: ReadonlyArray<readonly [string, MappedField]> = [
  ['speed', 'speedKph'],
  ['latitude', 'latitude'],
  ['longitude', 'longitude'],
  ['heading', 'headingDeg'],
  ['odometer', 'odometerKm'],
  ['fuel_level', 'fuelLevelPct'],
  ['lv_battery_voltage', 'lvBatteryVoltageV'],
  ['hv_battery_soc', 'hvBatterySocPct'],
  ['rpm', 'engineRpm'],
  ['event', 'event'],
];

/**
 * A stored record back in mobway's shape. Without `datapoints` every mapped field is present (null
 * when unknown) and every unmapped field of the original reading comes back as sent. With
 * `datapoints`, only those fields (null when the reading had none) and their flags; `vin`,
 * `date_time` and `flag` are always there.
 */
export function toMobwayReading(record: VehicleTelemetryV1, datapoints?: ReadonlySet<string>): MobwayReading {
  const wanted = (name: string): boolean => datapoints === undefined || datapoints.has(name);
  const reading: Record<string, unknown> = { vin: record.vin, date_time: toBrasiliaDateTime(record.recordedAt) };
  for (const [name, field] of MOBWAY_FIELDS) if (wanted(name)) reading[name] = record[field];
  reading.flag = datapoints === undefined ? record.flags : Object.fromEntries(Object.entries(record.flags).filter(([name]) => datapoints.has(name)));
  // attributes never hold a mapped name (the normalizer keeps them apart); mapped fields win anyway
  for (const [name, value] of Object.entries(record.attributes)) if (wanted(name) && !(name in reading)) reading[name] = value;
  for (const name of datapoints ?? []) if (!(name in reading)) reading[name] = null;
  return reading as MobwayReading;
}
