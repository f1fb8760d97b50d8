/**
 * What a dead letter's reasons are about, as a label value: a bounded set, so a dead-letter series
 * never carries free text (a reason holds values from the request). The first match in this order
 * wins; reasons nobody foresaw are `other`.
 */
export const DEAD_LETTER_REASON_CLASSES = [
  'not-json',
  'too-large',
  'kafka-refused',
  'database-rejected',
  'bad-payload',
  'invalid-field',
  'other',
] as const;
export type DeadLetterReasonClass = (typeof DEAD_LETTER_REASON_CLASSES)[number];

const RULES: readonly [RegExp, DeadLetterReasonClass][] = [
  // the body, or a message's value, could not be read as a JSON object at all
  [
    /^(body|message) is not valid (JSON|UTF-8)|^message has no value|^message is not a JSON object/,
    'not-json',
  ],
  // over MAX_READINGS_PER_REQUEST, or larger than a produce request may be
  [/past MAX_READINGS_PER_REQUEST|larger than one produce request/, 'too-large'],
  // Kafka refused the request's records (the gateway's refused(): never retried)
  [/request was not stored/, 'kafka-refused'],
  [/^rejected by PostgreSQL/, 'database-rejected'],
  // the body's shape is not the sender's format (an object keyed by VIN, a position, …)
  [/payload must be|^(reading|location|position|device) must be an object/, 'bad-payload'],
  // a reading whose fields break the contract or the sender's format
  [/ must | missing|does not match|is not a valid|contract check failed/, 'invalid-field'],
];

// a replayed request's dead letters say so first (libs/kafka messages.ts)
const REPLAY_PREFIX = /^replay [^:]*: /;

export function deadLetterReasonClass(reasons: readonly string[]): DeadLetterReasonClass {
  const first = (reasons[0] ?? '').replace(REPLAY_PREFIX, '');
  for (const [pattern, reasonClass] of RULES) if (pattern.test(first)) return reasonClass;
  return 'other';
}
