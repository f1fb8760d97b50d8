import { daysInMonth, isStorableText } from '@app/contracts';

/** a keyset position in one entity's time range: the last row's recorded_at (to the microsecond) and event id */
export interface RangePosition {
  recordedAt: string;
  eventId: string;
}

// PostgreSQL keeps microseconds: a cursor cut to milliseconds would return the row it stands on again
const CURSOR_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CURSOR_LENGTH = 512;
// bigint identity: the largest seq PostgreSQL can hand out
const MAX_SEQ = 9223372036854775807n;

const encode = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function decode(cursor: unknown): unknown {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor))
    return undefined;
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export function encodeRangeCursor(position: RangePosition): string {
  return encode([position.recordedAt, position.eventId]);
}

/** undefined when the text is not a cursor this API handed out */
export function decodeRangeCursor(cursor: unknown): RangePosition | undefined {
  const value = decode(cursor);
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [recordedAt, eventId] = value as unknown[];
  if (
    typeof recordedAt !== 'string' ||
    typeof eventId !== 'string' ||
    !isCursorTime(recordedAt) ||
    !UUID.test(eventId)
  )
    return undefined;
  return { recordedAt, eventId: eventId.toLowerCase() };
}

export function encodeEntityCursor(entityId: string): string {
  return encode([entityId]);
}

export function decodeEntityCursor(cursor: unknown): string | undefined {
  const value = decode(cursor);
  if (!Array.isArray(value) || value.length !== 1) return undefined;
  const [entity] = value as unknown[];
  return typeof entity === 'string' &&
    entity.length > 0 &&
    entity.length <= 128 &&
    isStorableText(entity)
    ? entity
    : undefined;
}

/** the changes feed's cursor is the ingestion sequence itself, as decimal text */
export function isSeqCursor(value: unknown): value is string {
  return typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_SEQ;
}

function isCursorTime(text: string): boolean {
  const parts = CURSOR_TIME.exec(text);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number);
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}
