import type { DeviceLocationV1, RecordType, VehicleTelemetryV1 } from '@app/contracts';
import { MobwayNormalizer } from './mobway.normalizer';
import { Normalizer } from './normalizer';
import { WeguardNormalizer } from './weguard.normalizer';

/** The normalizer for each record type; generic sources reuse the mobway and WeGuard shapes. */
export const NORMALIZERS: Readonly<
  Record<RecordType, Normalizer<VehicleTelemetryV1 | DeviceLocationV1>>
> = Object.freeze({
  vehicle: new MobwayNormalizer(),
  location: new WeguardNormalizer(),
});
