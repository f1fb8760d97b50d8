import { VehicleTelemetryV1 } from '@app/contracts';
import { toBrasiliaDateTime } from './brasilia-time';
import { MOBWAY_CATALOGUE } from './mobway.catalogue';

/** a reading as mobway's own API returns it: its field names, date_time in Brasília time, extras as sent */
export type MobwayReading = Record<string, unknown> & {
  vin: string;
  date_time: string;
  flag: Record<string, unknown>;
};

/**
 * A stored record back in mobway's shape. Without `datapoints`: every catalogue datapoint (null when
 * the reading had none), `flag`, then every other field of the original reading as sent. With
 * `datapoints`: only those (null when the reading had none) and their flags. `vin`, `date_time` and
 * `flag` are always there.
 */
export function toMobwayReading(
  record: VehicleTelemetryV1,
  datapoints?: ReadonlySet<string>,
): MobwayReading {
  const wanted = (name: string): boolean => datapoints === undefined || datapoints.has(name);
  const { attributes } = record;
  // no prototype: a reading's field may be called `constructor` or `__proto__`
  const reading = Object.create(null) as Record<string, unknown>;
  reading.vin = record.vin;
  reading.date_time = toBrasiliaDateTime(record.recordedAt);
  for (const { name, field } of MOBWAY_CATALOGUE) {
    if (wanted(name))
      reading[name] =
        field !== undefined
          ? record[field]
          : Object.hasOwn(attributes, name)
            ? attributes[name]
            : null;
  }
  reading.flag =
    datapoints === undefined
      ? record.flags
      : Object.fromEntries(Object.entries(record.flags).filter(([name]) => datapoints.has(name)));
  // attributes never hold a mapped name (the normalizer keeps them apart); mapped fields win anyway
  for (const name of Object.keys(attributes))
    if (wanted(name) && !Object.hasOwn(reading, name)) reading[name] = attributes[name];
  for (const name of datapoints ?? []) if (!Object.hasOwn(reading, name)) reading[name] = null;
  return reading as MobwayReading;
}
