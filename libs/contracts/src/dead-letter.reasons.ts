/**
 * A dead letter's reasons are free text; its reason class is one of a few names, for filters and
 * metric labels (bounded: never a value from the letter). In precedence order: a letter with
 * several reasons takes the class of the first that appears in this list.
 */
export const REASON_CLASSES = [
  /** the message or body as a whole is not what a sender or topic carries: not JSON, not an object, no value */
  'malformed',
  /** bigger than a produce request, or past MAX_READINGS_PER_REQUEST */
  'too_large',
  /** PostgreSQL refused the row (a consumer's statement failed for its values) */
  'database_rejected',
  /** text PostgreSQL cannot hold: U+0000, an unpaired surrogate */
  'unstorable_text',
  /** a required field is absent */
  'missing_field',
  /** the VIN, device id or event id is malformed, or disagrees with its key */
  'invalid_id',
  /** a time that cannot be read, or outside the years the records hold */
  'invalid_time',
  /** a number beyond its range (latitude above 90, a negative speed) */
  'out_of_range',
  /** a field of the wrong type or shape */
  'invalid_value',
  /** a field the contract does not know */
  'unknown_field',
  'other',
] as const;

export type ReasonClass = (typeof REASON_CLASSES)[number];

// each reason is matched against these in order; the wording is the normalizers', the contract
// checks' (record.rules MESSAGES), the decoder's and the publishers'
const PATTERNS: readonly (readonly [ReasonClass, RegExp])[] = [
  [
    'malformed',
    /not valid JSON|not valid UTF-8|not a JSON object|has no value|payload must be|^(reading|location|position|message|body) must be an object|not serialisable|contract check failed/i,
  ],
  ['too_large', /larger than one produce request|past MAX_READINGS_PER_REQUEST/i],
  ['database_rejected', /rejected by PostgreSQL/i],
  ['unstorable_text', /U\+0000|surrogate/i],
  ['missing_field', /\bmissing\b/i],
  [
    'invalid_time',
    /date_?time|timestamp|recordedAt|receivedAt|occurredAt|fixTime|deviceTime|\btime\b/i,
  ],
  ['invalid_id', /\bvin\b|deviceId|device id|eventId|uniqueId|does not match its key/i],
  ['out_of_range', /less than|greater than|must be between/i],
  ['unknown_field', /should not exist/i],
  ['invalid_value', /\bmust be\b|\bgot\b|\bnot a\b|\bneither\b/i],
];

// said after the reasons when the original was too large to carry: not why the letter exists
const ANNOTATION = /^original omitted/i;
// a replay's dead letters start with `replay <id>: `
const REPLAY_PREFIX = /^replay [^:]{1,80}: /;

function classOf(reason: string): ReasonClass {
  const text = reason.replace(REPLAY_PREFIX, '');
  for (const [name, pattern] of PATTERNS) if (pattern.test(text)) return name;
  return 'other';
}

/** the reason class of a dead letter's reasons (see REASON_CLASSES); `other` when none is known */
export function reasonClass(reasons: readonly unknown[]): ReasonClass {
  let best = REASON_CLASSES.length - 1;
  for (const reason of reasons) {
    if (typeof reason !== 'string' || ANNOTATION.test(reason)) continue;
    best = Math.min(best, REASON_CLASSES.indexOf(classOf(reason)));
  }
  return REASON_CLASSES[best];
}

export function isReasonClass(value: unknown): value is ReasonClass {
  return (REASON_CLASSES as readonly unknown[]).includes(value);
}
