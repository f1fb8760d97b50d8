import { createHash, timingSafeEqual } from 'node:crypto';
import { readSingleHeader } from './header';
import { fail, NO_SECRET_CONFIGURED } from './verification-failure';
import {
  FailureStatus,
  VerificationRequest,
  VerificationResult,
  VerificationScheme,
} from './verification.types';

/**
 * A sender that cannot sign and only repeats a fixed token in a header (Traccar's `forward.header`).
 * Weaker than an HMAC: the token does not depend on the body, so whoever sees one request (a proxy
 * log, a capture) can send any body until the token is rotated; and a request carries no time, so
 * nothing bounds a replay but the gateway's replay window on the exact body. Use it over HTTPS only.
 */
export interface StaticTokenSchemeDefinition {
  header: string;
  // e.g. "Bearer " for the Authorization header (matched without regard to case, as RFC 9110 says)
  prefix: string;
  // the token must be as hard to guess as an HMAC key: it is the whole secret, sent every time
  minSecretBytes: number;
  statusOnMissing: FailureStatus;
  statusOnMismatch: FailureStatus;
}

// visible ASCII only: the token must survive a header line as it is
const TOKEN = /^[\x21-\x7e]+$/;

export function staticTokenScheme(definition: StaticTokenSchemeDefinition): VerificationScheme {
  const { header, prefix, minSecretBytes, statusOnMissing, statusOnMismatch } = definition;
  const lowerPrefix = prefix.toLowerCase();

  return {
    isValidSecret: (secret) => TOKEN.test(secret) && Buffer.byteLength(secret) >= minSecretBytes,

    verify(secrets: readonly string[], req: VerificationRequest): VerificationResult {
      if (secrets.length === 0) return fail(statusOnMismatch, NO_SECRET_CONFIGURED);
      const value = readSingleHeader(req.headers, header);
      if (value.kind === 'missing') return fail(statusOnMissing, `missing ${header} header`);
      if (value.kind === 'duplicate') return fail(statusOnMissing, `repeated ${header} header`);
      if (!value.value.toLowerCase().startsWith(lowerPrefix))
        return fail(statusOnMissing, `malformed ${header} header`);
      const given = value.value.slice(prefix.length).trim();
      if (!TOKEN.test(given)) return fail(statusOnMissing, `malformed ${header} header`);

      // equal-length digests: the comparison time says nothing about the token or its length
      const digest = sha256(given);
      let matched = false;
      for (const secret of secrets) matched = timingSafeEqual(sha256(secret), digest) || matched;
      return matched ? { ok: true } : fail(statusOnMismatch, 'token mismatch');
    },

    sign: (secret: string): Record<string, string> => ({ [header]: `${prefix}${secret}` }),
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
