/** a keyset position in the newest-first list: the last item's occurredAt and id */
export interface DeadLetterPosition {
  occurredAt: string;
  id: string;
}

const MAX_CURSOR_LENGTH = 256;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UTC_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ID = /^[1-9]\d{0,17}$/;

export function encodeDeadLetterCursor(position: DeadLetterPosition): string {
  return Buffer.from(JSON.stringify([position.occurredAt, position.id]), 'utf8').toString(
    'base64url',
  );
}

/** undefined when the text is not a cursor this API handed out */
export function decodeDeadLetterCursor(cursor: unknown): DeadLetterPosition | undefined {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor))
    return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [occurredAt, id] = value as unknown[];
  if (typeof occurredAt !== 'string' || typeof id !== 'string') return undefined;
  if (!UTC_MILLIS.test(occurredAt) || Number.isNaN(Date.parse(occurredAt)) || !ID.test(id))
    return undefined;
  return { occurredAt, id };
}
