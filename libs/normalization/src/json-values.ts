// reading parsed JSON safely: only own keys (a reading may carry `__proto__` or `constructor`),
// no assignment from sender-controlled keys onto existing objects

export type JsonObject = Record<string, unknown>;

/** readings nested deeper than this are refused: recursive code downstream (JSON.stringify) would overflow */
export const MAX_NESTING = 32;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** True when `value` holds objects or arrays more than `limit` levels deep; stops as soon as it knows. */
export function nestingExceeds(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  // indexes and keys rather than Object.values: no array per object, and this sees every reading
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestingExceeds(value[i], limit - 1)) return true;
    return false;
  }
  const object = value as JsonObject;
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) if (nestingExceeds(object[keys[i]], limit - 1)) return true;
  return false;
}

// decimal only: Number() would also take '', ' ', '0x1f', '0b1' and 'Infinity'
const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite number, or a string holding one; undefined for anything else. */
export function finiteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!NUMERIC.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

/** The reading's own fields whose keys are not in `used`, unchanged; a fresh object, safe for any key. */
export function unmapped(reading: JsonObject, used: ReadonlySet<string>): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const key of Object.keys(reading)) {
    if (used.has(key)) continue;
    // assigning `__proto__` would set the prototype: that key is defined as an ordinary own field
    if (key === '__proto__') Object.defineProperty(rest, key, { value: reading[key], enumerable: true, writable: true, configurable: true });
    else rest[key] = reading[key];
  }
  return rest;
}

/** A short, safe description of a value for a reason: its type, never its (sender-sized) content. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'undefined') return 'nothing';
  return `a ${typeof value}`;
}

/** A sender-supplied string for a reason, cut short. */
export function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
