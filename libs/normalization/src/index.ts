export type { NormalizeContext, NormalizeOutcome, Normalizer, Rejection } from './normalizer';
export { MobwayNormalizer } from './mobway.normalizer';
export { WeguardNormalizer } from './weguard.normalizer';
export { NORMALIZERS } from './normalizers';
export { eventIdFor, EVENT_ID_NAMESPACE } from './event-id';
