import { JsonBody } from './json-body';
import { isoFromPgTimestamp, RecordRow } from './record.mapper';
import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * A float8 as PostgreSQL prints it, as JSON.stringify prints the same double. PostgreSQL (12 and
 * later, extra_float_digits ≥ 1 as by default) prints the shortest digits that read back exactly,
 * as JS does, so plain decimal text passes as it is; its exponent form ('1e-05', '1e+15', '1e-07',
 * where JS writes 0.00001, 1000000000000000, 1e-7), '-0' (JSON: 0) and NaN, ±Infinity (JSON: null)
 * go through Number.
 */
export function jsonFromFloat8(text: string): string {
  return plainDecimal(text) ? text : JSON.stringify(Number(text));
}

/** digits, '.' and '-' only, and not '-0' */
function plainDecimal(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > NINE || c === 0x2f || c < MINUS) return false;
  }
  return text !== '-0';
}

/**
 * jsonb as PostgreSQL prints it, written as JSON.stringify(JSON.parse(text)) prints it, without
 * parsing: the spaces PostgreSQL puts after ':' and ',' go (any whitespace outside strings does,
 * so json text compacts too), and strings pass as they are (PostgreSQL escapes exactly the
 * characters JSON.stringify does, alike). Numbers pass unless they might differ from a double's
 * JS form (numeric keeps trailing zeros, more digits than a double holds, and prints 1e21 or 1e-7
 * in full); an object with an integer-like key is the one case left to JSON.parse: JS orders such
 * keys first, where jsonb orders by length.
 */
export function writeJsonb(body: JsonBody, text: string): void {
  const start = body.size;
  const length = text.length;
  let from = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = text.indexOf('"', i + 1);
      while (end > 0 && escaped(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) throw new Error('unterminated string in jsonb text');
      if (text.charCodeAt(end + 1) === COLON && integerLike(text, i + 1, end)) {
        body.truncate(start);
        body.text(JSON.stringify(JSON.parse(text)));
        return;
      }
      i = end;
    } else if (c <= SPACE) {
      body.text(text, from, i);
      from = i + 1;
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      let end = i + 1;
      while (end < length && numberPart(text.charCodeAt(end))) end++;
      if (!jsNumberForm(text, i, end)) {
        body.text(text, from, i);
        body.text(JSON.stringify(Number(text.slice(i, end))));
        from = end;
      }
      i = end - 1;
    }
  }
  body.text(text, from, length);
}

/** the quote at `at` is escaped: an odd run of backslashes before it */
function escaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
  return backslashes % 2 === 1;
}

/** digits only: a key JS would put first (conservative: any all-digit key) */
function integerLike(text: string, start: number, end: number): boolean {
  if (start === end) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

function numberPart(c: number): boolean {
  return (
    (c >= ZERO && c <= NINE) || c === DOT || c === MINUS || c === 0x2b || c === 0x65 || c === 0x45
  );
}

/**
 * numeric text that JSON.stringify(Number(text)) gives back unchanged: up to 15 characters (so at
 * most 15 digits, which a double keeps exactly, and below 1e21), no exponent, no trailing zero in a
 * fraction, not '-0', and not below 1e-6 (JS switches to exponent form there)
 */
function jsNumberForm(text: string, start: number, end: number): boolean {
  if (end - start > 15) return false;
  let dot = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) dot = i;
    else if (c === MINUS ? i !== start : c < ZERO || c > NINE) return false;
  }
  const negative = text.charCodeAt(start) === MINUS;
  if (negative && end - start === 2 && text.charCodeAt(start + 1) === ZERO) return false;
  if (dot < 0) return true;
  if (text.charCodeAt(end - 1) === ZERO) return false;
  // '0.000000…' or '-0.000000…': below 1e-6
  return !(
    dot === start + (negative ? 2 : 1) &&
    text.charCodeAt(dot - 1) === ZERO &&
    text.startsWith('000000', dot + 1)
  );
}

const enum Kind {
  Text,
  Time,
  Float,
  Json,
}

const NULL = Buffer.from('null');
const SEQ = Buffer.from(',"seq":');

/**
 * Rows to items' JSON, driven by the table binding: the bytes JSON.stringify gives for the
 * RecordMapper's object of the same row (keys in contract order), written into the page's body
 * from the column texts PostgreSQL sent, so no row pays for parseFloat, JSON.parse, an object, its
 * serialization, nor even a string of its own. Every page and stream of the API writes its items here.
 */
export class RecordItemWriter<R extends QueryableRecord> {
  /** `{"schema":"…"` */
  private readonly head: Buffer;
  /** `,"field":` of each column, in binding order */
  private readonly keys: Buffer[];
  private readonly kinds: Kind[];

  constructor(definition: RecordQueryDefinition<R>) {
    this.head = Buffer.from(`{"schema":${JSON.stringify(definition.schema)}`);
    this.keys = definition.table.columns.map((c) => Buffer.from(`,${JSON.stringify(c.field)}:`));
    this.kinds = definition.table.columns.map((c) =>
      c.pgType === 'timestamptz'
        ? Kind.Time
        : c.pgType === 'float8'
          ? Kind.Float
          : c.pgType === 'jsonb'
            ? Kind.Json
            : Kind.Text,
    );
  }

  /** the row as the next item of `body` */
  record(body: JsonBody, row: RecordRow): void {
    body.beginItem();
    this.object(body, row);
  }

  /** the row as a JSON object where `body` expects a value, not as an item of its array */
  object(body: JsonBody, row: RecordRow): void {
    this.fields(body, row);
    body.byte(0x7d);
  }

  /** the row and its seq, last, as the next item of `body` */
  change(body: JsonBody, row: RecordRow): void {
    body.beginItem();
    this.fields(body, row);
    body.raw(SEQ);
    body.string(row[0]!);
    body.byte(0x7d);
  }

  private fields(body: JsonBody, row: RecordRow): void {
    const { keys, kinds } = this;
    body.raw(this.head);
    for (let i = 0; i < kinds.length; i++) {
      body.raw(keys[i]);
      // row[0] is seq; the binding's columns follow
      const text = row[i + 1];
      if (text === null) body.raw(NULL);
      else if (kinds[i] === Kind.Float) body.text(jsonFromFloat8(text));
      else if (kinds[i] === Kind.Text) body.string(text);
      else if (kinds[i] === Kind.Time) writeTime(body, text);
      else writeJsonb(body, text);
    }
  }
}

/** a UTC timestamp's text as isoFromPgTimestamp(text, 3) gives it, quoted, without making the string */
function writeTime(body: JsonBody, text: string): void {
  // 'YYYY-MM-DD HH:MI:SS[.f…]': a four-digit year; anything else the general way
  if (text.length < 19 || text.charCodeAt(10) !== SPACE) {
    const iso = isoFromPgTimestamp(text, 3);
    if (iso === null) body.raw(NULL);
    else body.string(iso);
    return;
  }
  body.byte(QUOTE);
  body.text(text, 0, 10);
  body.byte(0x54);
  body.text(text, 11, 19);
  body.byte(DOT);
  // milliseconds cut, not rounded, and padded
  for (let i = 20; i < 23; i++) body.byte(i < text.length ? text.charCodeAt(i) : ZERO);
  body.byte(0x5a);
  body.byte(QUOTE);
}
