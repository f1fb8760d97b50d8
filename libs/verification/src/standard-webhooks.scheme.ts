import { randomBytes } from 'node:crypto';
import { decodeBase64Digest, decodeStrictBase64, digestEquals, hmacSha256 } from './crypto';
import { readSingleHeader } from './header';
import { fail, NO_SECRET_CONFIGURED } from './verification-failure';
import {
  SignOptions,
  VerificationFailure,
  VerificationRequest,
  VerificationResult,
  VerificationScheme,
} from './verification.types';

export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 300;
// the spec sets no bound; real ids are ~30 characters (msg_<ksuid>). The id is kept as an idempotency key and a Kafka header
export const STANDARD_WEBHOOKS_MAX_ID_BYTES = 256;

const SECRET_PREFIX = 'whsec_';
const SIGNATURE_VERSION = 'v1';
const UNIX_SECONDS = /^\d{1,15}$/;
// "<version>,<signature>"; versions other than v1 are skipped, not rejected, so senders can add new ones
const VERSIONED_SIGNATURE = /^([^,]+),([^,]+)$/;

// like the reference library: "whsec_<base64>", or the bare base64 part
export function decodeStandardWebhooksSecret(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = decodeStrictBase64(encoded);
  return key && key.length > 0 ? key : undefined;
}

function keyOf(secret: string): Buffer {
  const key = decodeStandardWebhooksSecret(secret);
  if (!key) throw new Error('invalid standard-webhooks secret');
  return key;
}

// the signed content is "<id>.<timestamp>.<raw body bytes>"; the body is never decoded as text
function signedContent(key: Buffer, id: string, timestamp: string, rawBody: Buffer): Buffer {
  return hmacSha256(key, Buffer.from(`${id}.${timestamp}.`, 'utf8'), rawBody);
}

type RequiredHeaders = { ok: true; id: string; timestamp: string; signature: string };

function readRequiredHeaders(req: VerificationRequest): RequiredHeaders | VerificationFailure {
  const values: string[] = [];
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const header = readSingleHeader(req.headers, name);
    if (header.kind === 'missing') return fail(400, `missing ${name} header`);
    if (header.kind === 'duplicate') return fail(400, `repeated ${name} header`);
    values.push(header.value);
  }
  const [id, timestamp, signature] = values;
  return { ok: true, id, timestamp, signature };
}

export const standardWebhooksScheme: VerificationScheme = {
  isValidSecret: (secret) => decodeStandardWebhooksSecret(secret) !== undefined,

  verify(secrets: readonly string[], req: VerificationRequest): VerificationResult {
    if (secrets.length === 0) return fail(401, NO_SECRET_CONFIGURED);

    const headers = readRequiredHeaders(req);
    if (!headers.ok) return headers;
    const { id, timestamp, signature } = headers;

    // syntax first (400), then freshness and authenticity (401)
    if (Buffer.byteLength(id, 'utf8') > STANDARD_WEBHOOKS_MAX_ID_BYTES)
      return fail(400, `webhook-id header longer than ${STANDARD_WEBHOOKS_MAX_ID_BYTES} bytes`);
    if (!UNIX_SECONDS.test(timestamp)) return fail(400, 'malformed webhook-timestamp header');
    const entries = signature.split(/\s+/).map((entry) => VERSIONED_SIGNATURE.exec(entry));
    if (entries.every((entry) => entry === null))
      return fail(400, 'malformed webhook-signature header');

    const nowSeconds = Math.floor((req.now ?? new Date()).getTime() / 1000);
    // written so that an invalid now (NaN) fails closed
    if (!(Math.abs(nowSeconds - Number(timestamp)) <= STANDARD_WEBHOOKS_TOLERANCE_SECONDS)) {
      return fail(401, 'webhook-timestamp outside tolerance');
    }

    const candidates = entries
      .filter((entry): entry is RegExpExecArray => entry?.[1] === SIGNATURE_VERSION)
      .map((entry) => decodeBase64Digest(entry[2]))
      .filter((digest): digest is Buffer => digest !== undefined);
    if (candidates.length === 0) return fail(401, 'no v1 signature');

    for (const secret of secrets) {
      const expected = signedContent(keyOf(secret), id, timestamp, req.rawBody);
      if (candidates.some((given) => digestEquals(expected, given)))
        return { ok: true, idempotencyKey: id };
    }
    return fail(401, 'signature mismatch');
  },

  sign(secret: string, rawBody: Buffer, opts: SignOptions = {}): Record<string, string> {
    const id = opts.id ?? `msg_${randomBytes(16).toString('hex')}`;
    const seconds = Math.floor((opts.timestamp ?? new Date()).getTime() / 1000);
    if (!Number.isSafeInteger(seconds) || seconds < 0)
      throw new RangeError('timestamp must be a valid date after 1970');
    const timestamp = String(seconds);
    const digest = signedContent(keyOf(secret), id, timestamp, rawBody).toString('base64');
    return {
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `${SIGNATURE_VERSION},${digest}`,
    };
  },
};
