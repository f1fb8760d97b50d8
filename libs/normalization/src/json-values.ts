// reading parsed JSON safely: only own keys (a reading may carry `__proto__` or `constructor`),
// no assignment from sender-controlled keys onto existing objects
import { isStorableText, unstorableTextKind } from '@app/contracts';

export type JsonObject = Record<string, unknown>;

/** readings nested deeper than this are refused: recursive code downstream (JSON.stringify) would overflow */
export const MAX_NESTING = 32;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/**
 * Why a reading cannot become a record as it is, as the rest of a sentence about it ("is nested
 * deeper than 32 levels", "holds U+0000 (NUL) in a key at $.a[2]: …"), or undefined when it can.
 * One walk over every key and value at every depth, stopping at the first fault: recursive code
 * downstream (JSON.stringify) overflows on deep nesting; PostgreSQL's text and jsonb refuse U+0000
 * and unpaired surrogates and have no infinity (what JSON.parse makes of 1e400). Checked here, once
 * per reading, whatever part of it ends up stored (a mapped field, flags, attributes).
 */
export function readingFault(value: unknown, limit: number = MAX_NESTING): string | undefined {
  const fault = faultIn(value, limit);
  if (fault === undefined) return undefined;
  if (fault.kind === 'depth') return `is nested deeper than ${limit} levels`;
  const path = pathText(fault.path);
  if (fault.kind === 'number')
    return `holds a number outside float8's range (read as ${fault.detail}) at ${path}: PostgreSQL cannot store it`;
  return `holds ${fault.detail} in a ${fault.kind} at ${path}: PostgreSQL cannot store it`;
}

interface Fault {
  kind: 'depth' | 'key' | 'value' | 'number';
  detail: string;
  /** keys and indexes from the fault out to the reading, innermost first */
  path: (string | number)[];
}

// indexes and keys rather than Object.entries: no array per key, and this sees every reading
function faultIn(value: unknown, limit: number): Fault | undefined {
  if (typeof value === 'string')
    return isStorableText(value)
      ? undefined
      : { kind: 'value', detail: unstorableTextKind(value), path: [] };
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : { kind: 'number', detail: String(value), path: [] };
  if (typeof value !== 'object' || value === null) return undefined;
  if (limit === 0) return { kind: 'depth', detail: '', path: [] };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const fault = faultIn(value[i], limit - 1);
      if (fault !== undefined) {
        fault.path.push(i);
        return fault;
      }
    }
    return undefined;
  }
  const object = value as JsonObject;
  const keys = Object.keys(object);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!isStorableText(key)) return { kind: 'key', detail: unstorableTextKind(key), path: [key] };
    const fault = faultIn(object[key], limit - 1);
    if (fault !== undefined) {
      fault.path.push(key);
      return fault;
    }
  }
  return undefined;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

// $.a["b c"][2]; keys are cut short and escaped (a NUL shows as \u0000)
function pathText(path: (string | number)[]): string {
  let text = '$';
  for (let i = path.length - 1; i >= 0; i--) {
    const step = path[i];
    text +=
      typeof step === 'number'
        ? `[${step}]`
        : PLAIN_KEY.test(step) && step.length <= 40
          ? `.${step}`
          : `[${quoted(step)}]`;
  }
  return text;
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

/**
 * The reading's own fields whose keys are not in `used`, unchanged, written into `rest` (a fresh
 * object unless given; a key already there is overwritten), safe for any key.
 */
export function unmapped(
  reading: JsonObject,
  used: ReadonlySet<string>,
  rest: Record<string, unknown> = {},
): Record<string, unknown> {
  for (const key of Object.keys(reading)) {
    if (used.has(key)) continue;
    // assigning `__proto__` would set the prototype: that key is defined as an ordinary own field
    if (key === '__proto__')
      Object.defineProperty(rest, key, {
        value: reading[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
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
