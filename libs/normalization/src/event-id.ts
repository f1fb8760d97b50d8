import { createHash } from 'node:crypto';

// fixed for ever: changing it changes every event id and breaks deduplication across versions
export const EVENT_ID_NAMESPACE = 'c8855424-ef02-4afc-99eb-bf0f974cbcb1';

/**
 * The record's idempotency key: a UUIDv5 over source, entity id, recordedAt and the canonical
 * (key-sorted) JSON of the original reading. The same reading gives the same id however its keys
 * are ordered and whenever it arrives; any other reading gives another id.
 */
export function eventIdFor(source: string, entityId: string, recordedAt: string, reading: unknown): string {
  return uuidV5(canonicalJson([source, entityId, recordedAt, reading]), EVENT_ID_NAMESPACE);
}

/** RFC 9562 UUID version 5 (SHA-1, name-based). */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * JSON.stringify with object keys sorted at every level (by UTF-16 code unit), so equal readings
 * serialise equally. Non-JSON values are written as JSON.stringify would write them; a bigint as
 * its decimal string. Recursive: callers bound the nesting first (see MAX_NESTING).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      break;
    default:
      return 'null'; // undefined, functions, symbols (omitted in objects below)
  }
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (let i = 0; i < value.length; i++) items.push(canonicalJson(value[i]));
    return `[${items.join(',')}]`;
  }
  const fields: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    fields.push(`${JSON.stringify(key)}:${canonicalJson(field)}`);
  }
  return `{${fields.join(',')}}`;
}
