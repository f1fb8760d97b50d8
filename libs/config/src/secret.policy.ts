/**
 * What a secret must be to be accepted at boot. A refused secret is named by its variable, never
 * printed. Lengths are in bytes of the UTF-8 text (for Standard Webhooks: of the decoded key).
 */
export const SECRET_MIN_BYTES = {
  /** HMAC-SHA256 keys (mobway, WeGuard, GitHub-style): as long as the digest, per RFC 2104's advice */
  hmac: 32,
  /** a token a sender repeats in a header (bearer-token): the whole secret, sent every time */
  staticToken: 32,
  /** Standard Webhooks `whsec_<base64>`: the decoded key, as the specification requires (24–64 bytes) */
  standardWebhooks: 24,
  /** bearer keys of the query APIs */
  queryApiKey: 16,
  /** the Kafka SASL password */
  kafkaPassword: 16,
} as const;

export type SecretKind = keyof typeof SECRET_MIN_BYTES;

/**
 * Values shipped in examples and templates. A secret is refused when it starts with one of the
 * template words, contains an ellipsis or an `<…>` slot, is one of the common words, or has fewer
 * than 6 distinct characters (`xxxxxxxx…`, `abababab…`).
 */
const PLACEHOLDER_PREFIX =
  /^(change[-_. ]?me|change[-_. ]?it|replace[-_. ]?me|fill[-_. ]?me|your[-_. ]|example|placeholder|todo|xxx)/i;
const PLACEHOLDER_SLOT = /\.\.\.|…|<[^>]*>/;
const PLACEHOLDER_WORDS = new Set([
  'secret',
  'password',
  'passw0rd',
  'changeme',
  'example',
  'test',
  'default',
  'admin',
  'letmein',
  'qwerty',
  'token',
  'key',
]);
const MIN_DISTINCT_CHARACTERS = 6;

/** why the secret is refused, or undefined when it is acceptable; never contains the secret */
export function secretProblem(
  secret: string,
  kind: SecretKind,
  key: Buffer = Buffer.from(secret, 'utf8'),
): string | undefined {
  const bare = secret.replace(/^whsec_/, '');
  if (
    PLACEHOLDER_PREFIX.test(bare) ||
    PLACEHOLDER_SLOT.test(bare) ||
    PLACEHOLDER_WORDS.has(bare.toLowerCase().replace(/[-_. 0-9]+$/, ''))
  ) {
    return 'is a placeholder; set a real secret';
  }
  if (new Set(bare).size < MIN_DISTINCT_CHARACTERS)
    return `has fewer than ${MIN_DISTINCT_CHARACTERS} distinct characters; set a random secret`;
  const min = SECRET_MIN_BYTES[kind];
  if (key.length < min)
    return kind === 'standardWebhooks'
      ? `decodes to fewer than ${min} bytes`
      : `is shorter than ${min} bytes`;
  return undefined;
}
