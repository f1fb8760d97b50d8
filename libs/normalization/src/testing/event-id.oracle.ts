/**
 * The event id exactly as the gateway computed it on 2026-12-03 (libs/normalization/src/event-id.ts at
 * 8ae3df2), frozen: the oracle event-id.spec.ts holds every later implementation to, since records
 * already stored carry these ids. Never edit it to make a test pass.
 */
import { hash } from 'node:crypto';

const EVENT_ID_NAMESPACE = 'c8855424-ef02-4afc-99eb-bf0f974cbcb1';

export function oracleEventIdFor(
  source: string,
  entityId: string,
  recordedAt: string,
  reading: unknown,
): string {
  return oracleUuidV5(
    oracleCanonicalJson([source, entityId, recordedAt, reading]),
    EVENT_ID_NAMESPACE,
  );
}

// one reused buffer for namespace + name, and hex rather than Buffer output: allocating a Buffer
// per call costs more than the SHA-1 itself, and this runs once per reading
const scratch = Buffer.alloc(16 * 1024);
let scratchNamespace = '';
const VARIANT = '89ab89ab89ab89ab';

/** RFC 9562 UUID version 5 (SHA-1, name-based). */
export function oracleUuidV5(name: string, namespace: string): string {
  if (namespace !== scratchNamespace) {
    scratch.write(namespace.replace(/-/g, ''), 0, 16, 'hex');
    scratchNamespace = namespace;
  }
  // written straight in: measuring the name first would walk (and flatten) it once more
  let input = scratch;
  let length = scratch.write(name, 16, 'utf8');
  // a write that (nearly) filled the buffer may have been cut short: a long name gets its own
  if (16 + length > scratch.length - 4) {
    length = Buffer.byteLength(name, 'utf8');
    input = Buffer.concat([scratch.subarray(0, 16), Buffer.alloc(length)]);
    input.write(name, 16, length, 'utf8');
  }
  const hex = hash('sha1', input.subarray(0, 16 + length), 'hex');
  // version 5 in the 13th hex digit, variant 10xx in the 17th
  const variant = VARIANT[parseInt(hex[16], 16)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * JSON.stringify with object keys sorted at every level (by UTF-16 code unit), so equal readings
 * serialise equally. Non-JSON values are written as JSON.stringify would write them; a bigint as
 * its decimal string. Recursive: callers bound the nesting first (see MAX_NESTING).
 */
export function oracleCanonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      // String() and JSON.stringify() agree on finite numbers, -0 included
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `"${value}"`;
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value)
        ? canonicalArray(value)
        : canonicalObject(value as Record<string, unknown>);
    default:
      return 'null'; // undefined, functions, symbols (left out of objects below, as JSON.stringify does)
  }
}

function canonicalArray(items: unknown[]): string {
  let json = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) json += ',';
    json += oracleCanonicalJson(items[i]);
  }
  return `${json}]`;
}

function canonicalObject(object: Record<string, unknown>): string {
  const keys = Object.keys(object);
  if (keys.length === 0) return '{}';
  const { sorted, prefixes } = shapeOf(keys);
  let json = '{';
  for (let i = 0; i < sorted.length; i++) {
    const field = object[sorted[i]];
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
    if (json.length > 1) json += ',';
    json += prefixes[i] + oracleCanonicalJson(field);
  }
  return `${json}}`;
}

interface Shape {
  /** the keys in the order Object.keys gave them */
  keys: string[];
  sorted: string[];
  /** `"key":` for each sorted key */
  prefixes: string[];
}

// a sender's readings share a handful of key lists in one order: sorting and quoting them once per
// list rather than once per reading halves the cost of an id. Bounded, so odd payloads only miss.
const SHAPES = 32;
const MAX_SHAPE_KEYS = 64;
const shapes: Shape[] = [];
let nextShape = 0;

function shapeOf(keys: string[]): Shape {
  for (let s = 0; s < shapes.length; s++) {
    const shape = shapes[s];
    if (sameKeys(shape.keys, keys)) return shape;
  }
  const sorted = sortedKeys([...keys]);
  const shape = { keys, sorted, prefixes: sorted.map((key) => `${quote(key)}:`) };
  if (keys.length <= MAX_SHAPE_KEYS) {
    shapes[nextShape] = shape;
    nextShape = (nextShape + 1) % SHAPES;
  }
  return shape;
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// insertion sort: readings have a few dozen keys at most, and this beats Array#sort there by 3x
function sortedKeys(keys: string[]): string[] {
  if (keys.length > 64) return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

// printable ASCII without " and \ needs no escaping
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function quote(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}
