import type { NormalizerName } from '@app/normalization';
import type { SchemeName } from '@app/verification';

/**
 * What an authenticated request gets for a problem that retrying cannot fix: a body that is not
 * JSON, more readings than MAX_READINGS_PER_REQUEST, records Kafka refuses. 'acknowledge': the
 * problem goes to the dead-letter topic and the answer is 200; 'refuse': a 4xx that names the
 * problem (400, 413, 422).
 */
export type UnfixablePolicy = 'acknowledge' | 'refuse';

/** a sender served without WEBHOOK_SOURCES: its secrets come from a variable of its own */
export interface BuiltInSource {
  name: string;
  scheme: SchemeName;
  normalizer: NormalizerName;
  unfixable: UnfixablePolicy;
  /** comma-separated secrets (several = key rotation); also read from `<variable>_FILE` */
  secretVariable: string;
}

/** the built-in senders, as data; every other sender is an entry of WEBHOOK_SOURCES */
export const BUILT_IN_SOURCES: readonly BuiltInSource[] = Object.freeze([
  // mobway retries every non-200 and then interrupts delivery for the whole account
  {
    name: 'mobway',
    scheme: 'mobway',
    normalizer: 'mobway',
    unfixable: 'acknowledge',
    secretVariable: 'MOBWAY_SIGN_SECRET',
  },
  {
    name: 'weguard',
    scheme: 'weguard',
    normalizer: 'weguard',
    unfixable: 'refuse',
    secretVariable: 'WEGUARD_SECRET',
  },
]);
