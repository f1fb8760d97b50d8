import { reasonClass, ReasonClass } from '@app/contracts';

/** a dead letter as the console stores it: the message as received and what the filters read from it */
export interface DeadLetterRow {
  kafkaPartition: number;
  kafkaOffset: string;
  schema: string | null;
  stage: string | null;
  source: string | null;
  reasons: string[];
  reasonClass: ReasonClass;
  entityId: string | null;
  requestId: string | null;
  /** consume stage: the record topic the refused message was read from */
  recordTopic: string | null;
  /** when it was rejected: the letter's occurredAt, else the Kafka timestamp */
  occurredAt: Date;
  /** the Kafka timestamp of the message */
  receivedAt: Date;
  /** the message value, JSON text */
  letter: string;
}

export interface DeadLetterMessage {
  offset: string;
  timestamp: string;
  value: Buffer | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const UTC_MILLIS = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// text columns cannot hold U+0000 (the letter itself is JSON, where it is escaped)
const storable = (text: string): string => text.replaceAll('\0', '\ufffd');
const text = (value: unknown): string | null =>
  typeof value === 'string' ? storable(value) : null;

/**
 * One message of the dead-letter topic as a row. Never throws: a message that is no dead letter
 * (not JSON, not an object) is kept too, as a `malformed` letter holding its bytes in base64, so the
 * consumer never stalls on it and the operator still sees it.
 */
export function toDeadLetterRow(partition: number, message: DeadLetterMessage): DeadLetterRow {
  const receivedAt = kafkaTime(message.timestamp);
  const position = { kafkaPartition: partition, kafkaOffset: message.offset, receivedAt };
  const parsed = parse(message.value);
  if (typeof parsed === 'string') {
    const reasons = [`not a dead letter: ${parsed}`];
    return {
      ...position,
      schema: null,
      stage: null,
      source: null,
      reasons,
      reasonClass: 'malformed',
      entityId: null,
      requestId: null,
      recordTopic: null,
      occurredAt: receivedAt,
      letter: JSON.stringify({
        reasons,
        originalBase64: message.value?.toString('base64') ?? null,
      }),
    };
  }
  const { letter, json } = parsed;
  const reasons = Array.isArray(letter.reasons)
    ? letter.reasons.map((reason) =>
        storable(typeof reason === 'string' ? reason : JSON.stringify(reason)),
      )
    : [];
  return {
    ...position,
    schema: text(letter.schema),
    stage: text(letter.stage),
    source: text(letter.source),
    reasons,
    reasonClass: reasonClass(reasons),
    entityId: text(letter.entityId),
    requestId: text(letter.requestId),
    recordTopic: text(letter.topic),
    occurredAt: utcTime(letter.occurredAt) ?? receivedAt,
    letter: json,
  };
}

/** the letter and its text, or why it is none */
function parse(value: Buffer | null): { letter: Record<string, unknown>; json: string } | string {
  if (value === null) return 'the message has no value';
  let json: string;
  try {
    json = utf8.decode(value);
  } catch {
    return 'the message is not valid UTF-8';
  }
  let letter: unknown;
  try {
    letter = JSON.parse(json);
  } catch {
    return 'the message is not valid JSON';
  }
  if (typeof letter !== 'object' || letter === null || Array.isArray(letter))
    return 'the message is not a JSON object';
  return { letter: letter as Record<string, unknown>, json };
}

function kafkaTime(timestamp: string): Date {
  const millis = Number(timestamp);
  const date = new Date(Number.isFinite(millis) ? millis : Date.now());
  return Number.isNaN(date.getTime()) ? new Date() : date;
}

function utcTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !UTC_MILLIS.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
