import type { DeviceLocationV1, RecordType, VehicleTelemetryV1 } from '@app/contracts';
import { MobwayNormalizer } from './mobway.normalizer';
import { Normalizer } from './normalizer';
import { TraccarNormalizer } from './traccar.normalizer';
import { WeguardNormalizer } from './weguard.normalizer';

export type RecordNormalizer = Normalizer<VehicleTelemetryV1 | DeviceLocationV1>;

/**
 * Every body shape the gateway reads, by name. A source names its shape (`"normalizer": "traccar"`
 * in WEBHOOK_SOURCES); a new shape is a normalizer file, its tests and a line here.
 */
export const NORMALIZERS = Object.freeze({
  mobway: new MobwayNormalizer(),
  weguard: new WeguardNormalizer(),
  traccar: new TraccarNormalizer(),
} satisfies Record<string, RecordNormalizer>);

export type NormalizerName = keyof typeof NORMALIZERS;

export const NORMALIZER_NAMES: readonly NormalizerName[] = Object.freeze(
  Object.keys(NORMALIZERS) as NormalizerName[],
);

export function isNormalizerName(value: unknown): value is NormalizerName {
  return typeof value === 'string' && Object.hasOwn(NORMALIZERS, value);
}

/** the normalizer registered under a name checked at boot */
export function normalizerNamed(name: NormalizerName): RecordNormalizer {
  return NORMALIZERS[name];
}

/** what a source that names only its record type (`"records": "vehicle"`) is read with */
export const NORMALIZER_FOR_RECORDS: Readonly<Record<RecordType, NormalizerName>> = Object.freeze({
  vehicle: 'mobway',
  location: 'weguard',
});
