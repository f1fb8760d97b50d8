import type { DeadLetterV1 } from '@app/contracts';

export type Rejected = Pick<
  DeadLetterV1,
  'reasons' | 'source' | 'entityId' | 'original' | 'originalBase64'
>;
export type Decoded<R> =
  { record: R; rejected?: undefined } | { record?: undefined; rejected: Rejected };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A Kafka message value to a record that passed the contract, or the reasons it did not with what
 * the dead letter should carry: the parsed JSON when there was some, else the raw bytes.
 */
export function decodeRecord<R>(
  value: Buffer | null,
  check: (record: R) => string[],
  entityField: keyof R,
): Decoded<R> {
  if (value === null) return { rejected: { reasons: ['message has no value'], source: null } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(value));
  } catch (error) {
    const reason =
      error instanceof SyntaxError
        ? `message is not valid JSON: ${error.message}`
        : 'message is not valid UTF-8';
    return {
      rejected: { reasons: [reason], source: null, originalBase64: value.toString('base64') },
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return {
      rejected: { reasons: ['message is not a JSON object'], source: null, original: parsed },
    };
  }
  let reasons: string[];
  try {
    reasons = check(parsed as R);
  } catch (error) {
    // a check that throws must not hold the partition up: the message is set aside like any other
    reasons = [`contract check failed: ${(error as Error).message}`];
  }
  if (reasons.length === 0) return { record: parsed as R };
  const { source } = parsed as { source?: unknown };
  const entityId = (parsed as Record<keyof R, unknown>)[entityField];
  return {
    rejected: {
      reasons,
      source: typeof source === 'string' ? source : null,
      ...(typeof entityId === 'string' && { entityId }),
      original: parsed,
    },
  };
}
