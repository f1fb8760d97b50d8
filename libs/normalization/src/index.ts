export type { NormalizeContext, NormalizeOutcome, Normalizer, Rejection } from './normalizer';
export { MobwayNormalizer } from './mobway.normalizer';
export { WeguardNormalizer } from './weguard.normalizer';
export { TraccarNormalizer } from './traccar.normalizer';
export {
  NORMALIZERS,
  NORMALIZER_NAMES,
  NORMALIZER_FOR_RECORDS,
  isNormalizerName,
  normalizerNamed,
} from './normalizers';
export type { NormalizerName, RecordNormalizer } from './normalizers';
export { eventIdFor, EVENT_ID_NAMESPACE } from './event-id';
