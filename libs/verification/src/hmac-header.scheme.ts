import { decodeBase64Digest, decodeHexDigest, digestEquals, hmacSha256 } from './crypto';
import { readSingleHeader } from './header';
import { fail, NO_SECRET_CONFIGURED } from './verification-failure';
import {
  FailureStatus,
  VerificationRequest,
  VerificationResult,
  VerificationScheme,
} from './verification.types';

// a sender that puts HMAC-SHA256(secret, rawBody) in one header; senders differ only in this data
export interface HmacHeaderSchemeDefinition {
  header: string;
  // e.g. "sha256=" for github; '' when the header holds the bare digest
  prefix: string;
  encoding: 'hex' | 'base64';
  // also used for a malformed or repeated header: senders document one status for both
  statusOnMissing: FailureStatus;
  statusOnMismatch: FailureStatus;
  // informational headers the sender adds, so sign() output looks like a real delivery
  extraHeaders?: Readonly<Record<string, string>>;
}

export function hmacHeaderScheme(definition: HmacHeaderSchemeDefinition): VerificationScheme {
  const { header, prefix, encoding, statusOnMissing, statusOnMismatch } = definition;
  const decodeDigest = encoding === 'hex' ? decodeHexDigest : decodeBase64Digest;

  return {
    // the secret is used as utf-8 key bytes; an empty key or stray whitespace is a configuration slip
    isValidSecret: (secret) => secret.length > 0 && secret.trim() === secret,

    verify(secrets: readonly string[], req: VerificationRequest): VerificationResult {
      if (secrets.length === 0) return fail(statusOnMismatch, NO_SECRET_CONFIGURED);
      const signature = readSingleHeader(req.headers, header);
      if (signature.kind === 'missing') return fail(statusOnMissing, `missing ${header} header`);
      if (signature.kind === 'duplicate') return fail(statusOnMissing, `repeated ${header} header`);
      if (!signature.value.startsWith(prefix))
        return fail(statusOnMissing, `malformed ${header} header`);
      const given = decodeDigest(signature.value.slice(prefix.length));
      if (!given) return fail(statusOnMissing, `malformed ${header} header`);

      for (const secret of secrets) {
        if (digestEquals(hmacSha256(secret, req.rawBody), given)) return { ok: true };
      }
      return fail(statusOnMismatch, 'signature mismatch');
    },

    sign(secret: string, rawBody: Buffer): Record<string, string> {
      const digest = hmacSha256(secret, rawBody).toString(encoding);
      return { ...definition.extraHeaders, [header]: `${prefix}${digest}` };
    },
  };
}
