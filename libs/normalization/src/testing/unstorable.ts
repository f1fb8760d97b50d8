// inputs for tests here and elsewhere (fuzz bodies, corpus runs): what PostgreSQL cannot store,
// and what looks as if it could not but can. `import { UNSTORABLE_STRINGS } from '@app/normalization/testing/unstorable'`

/**
 * Strings PostgreSQL's text and jsonb refuse: U+0000 (SQLSTATE 22021 in text, 22P05 in jsonb) and
 * unpaired UTF-16 surrogates (UTF-8 cannot encode them: jsonb refuses the escape, 22P02/22P05, and
 * a text column would silently get U+FFFD). A signed reading holding one anywhere, as a value or a
 * key at any depth, must be dead-lettered at ingest. JSON.stringify writes them as `\u0000`, `\ud800`.
 */
export const UNSTORABLE_STRINGS: readonly string[] = [
  '\u0000',
  'before\u0000after',
  'trailing\u0000',
  '\ud800',
  'lone high surrogate at the end \ud83d',
  '\udc00 lone low surrogate first',
  'pair reversed \ude97\ud83d',
  'two highs \ud83d\ud83d\ude97',
  '\u0000\ud800',
];

/** Strings that look hostile but PostgreSQL stores unchanged: readings holding them must be accepted. */
export const STORABLE_ODDITIES: readonly string[] = [
  '',
  ' ',
  'ção São Paulo — 🚚',
  '\ud83d\ude97',
  '\u0001\u0008\u001f\u007f\u0080\u009f',
  '\\u0000',
  '\\ud800',
  '\\N',
  'NULL',
  '\ufffd\ufeff\ufffe\uffff',
  '\u2028\u2029',
  'quote " backslash \\ tab \t newline \n',
  '{"a":1}',
  '\udbff\udfff',
  'x'.repeat(3000),
];

/** JSON number texts JSON.parse reads as ±Infinity (float8 and JSON have no infinity): unstorable. */
export const OUT_OF_RANGE_NUMBER_TEXTS: readonly string[] = [
  '1e400',
  '-1e400',
  '1.8e308',
  '-2e308',
  '1' + '0'.repeat(400),
];

/** Numbers at float8's edges, storable as they are. */
export const EDGE_NUMBERS: readonly number[] = [
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  2.2250738585072014e-308,
  Number.MAX_SAFE_INTEGER + 2,
  1e21,
  1e-7,
  -0,
  0,
];

/**
 * mobway wall-clock times (Brasília, UTC−03:00) that the contract refuses: before
 * 1970-01-01T00:00:00.000Z, year 0 (PostgreSQL has none), or past 9999 once converted to UTC.
 */
export const OUT_OF_RANGE_WALL_CLOCKS: readonly string[] = [
  '0000-01-01 00:00:00',
  '0001-01-01 00:00:00',
  '1900-01-01 00:00:00',
  '1969-12-31 20:59:59',
  '9999-12-31 21:00:00',
];

/** mobway wall-clock times on the inside edges of the accepted range. */
export const EDGE_WALL_CLOCKS: readonly string[] = [
  '1969-12-31 21:00:00',
  '9999-12-31 20:59:59',
  '2000-02-29 00:00:00',
];

/** WeGuard times (ISO text and epoch numbers) outside the accepted range. */
export const OUT_OF_RANGE_TIMES: readonly (string | number)[] = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:00:00.000+00:01',
  '9999-12-31T23:59:59-00:01',
  -1,
  -62_135_596_800,
  -8_640_000_000_000_000,
];

/**
 * A JSON text with `{"x": <number text>}` spliced into an object literal, for the number texts
 * JSON.stringify cannot write (it writes Infinity as null).
 */
export function withRawNumber(json: string, key: string, numberText: string): string {
  const body = json.trimEnd();
  if (!body.endsWith('}')) throw new Error('not a JSON object text');
  const inner = body.slice(0, -1).trimEnd();
  return `${inner}${inner.endsWith('{') ? '' : ','}${JSON.stringify(key)}:${numberText}}`;
}
