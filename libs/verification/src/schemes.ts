import { hmacHeaderScheme } from './hmac-header.scheme';
import { standardWebhooksScheme } from './standard-webhooks.scheme';
import { staticTokenScheme } from './static-token.scheme';
import { SchemeName, VerificationScheme } from './verification.types';

// statuses are what each sender documents; see README.md for the table
export const SCHEMES: Readonly<Record<SchemeName, VerificationScheme>> = Object.freeze({
  mobway: hmacHeaderScheme({
    header: 'x-signature',
    prefix: '',
    encoding: 'hex',
    statusOnMissing: 403,
    statusOnMismatch: 403,
  }),
  weguard: hmacHeaderScheme({
    header: 'x-weguard-signature',
    prefix: '',
    encoding: 'hex',
    statusOnMissing: 401,
    statusOnMismatch: 401,
    extraHeaders: { 'x-webhook-source': 'Weguard' },
  }),
  github: hmacHeaderScheme({
    header: 'x-hub-signature-256',
    prefix: 'sha256=',
    encoding: 'hex',
    statusOnMissing: 400,
    statusOnMismatch: 401,
  }),
  'standard-webhooks': standardWebhooksScheme,
  // for senders that cannot sign, such as Traccar's position forwarding (forward.header); see README.md
  'bearer-token': staticTokenScheme({
    header: 'authorization',
    prefix: 'Bearer ',
    minSecretBytes: 32,
    statusOnMissing: 401,
    statusOnMismatch: 401,
  }),
});

export const SCHEME_NAMES: readonly SchemeName[] = Object.freeze([
  'mobway',
  'weguard',
  'standard-webhooks',
  'github',
  'bearer-token',
] as const);

export function isSchemeName(value: unknown): value is SchemeName {
  return typeof value === 'string' && Object.hasOwn(SCHEMES, value);
}
