import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { REASON, type Reason } from './contract.fields';
import { isUtcTimestamp, MESSAGES, PATTERN_TWINS } from './record.rules';

/** Reasons a record breaks its contract, in the definition's field order; [] when it keeps it. */
export type ContractCheck<R> = (record: R) => string[];

// keywords that only annotate: they never refuse a value
const ANNOTATIONS = new Set(['description', 'title', 'examples', '$comment', 'contentEncoding']);
const KEYWORDS = new Set([
  ...ANNOTATIONS,
  'type',
  'const',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
]);
// the formats a check asserts; any other format must come with a pattern that implies it
const FORMATS: Record<string, (value: string) => boolean> = { 'date-time': isUtcTimestamp };

/**
 * Compiles a record contract (a closed TypeBox object whose fields are all required) into straight
 * line code that gives one field-specific reason per broken field, the way a hand-written check
 * would: the published JSON Schema and the hot-path check are the same definition. Throws on a
 * keyword it cannot check, so a definition never promises what the check does not hold.
 */
export function compileContract<T extends TObject>(contract: T): ContractCheck<Static<T>> {
  if (contract.additionalProperties !== false)
    throw new Error(`${contract.title}: a record contract is closed (additionalProperties: false)`);
  const names = Object.keys(contract.properties);
  const required = new Set(contract.required ?? []);
  const bound: unknown[] = [];
  // each bound value becomes a const of the factory: the check reads it as a constant
  const bind = (value: unknown): string => `c${bound.push(value) - 1}`;
  const lines = names.map((name) => {
    if (!required.has(name))
      throw new Error(`${contract.title}.${name}: every field of a record contract is present`);
    return fieldCode(name, contract.properties[name], bind);
  });
  const prologue = [
    `const known = ${bind(new Set(names))};`,
    `const unknownProperty = ${bind(MESSAGES.unknownProperty)};`,
    `const codePoints = ${bind(codePointsWithin)};`,
  ];
  const source = [
    ...bound.map((_, i) => `const c${i} = b[${i}];`),
    ...prologue,
    'return function check(r) {',
    '  const reasons = [];',
    '  const keys = Object.keys(r);',
    '  for (let i = 0; i < keys.length; i++)',
    '    if (!known.has(keys[i])) reasons.push(unknownProperty(keys[i]));',
    '  let v;',
    ...lines.flat().map((line) => `  ${line}`),
    '  return reasons;',
    '};',
  ].join('\n');
  // generated code is the point: one straight-line function per contract, from trusted definitions
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('b', source) as (bound: unknown[]) => ContractCheck<Static<T>>;
  return factory(bound);
}

type Bind = (value: unknown) => string;

function fieldCode(name: string, schema: TSchema, bind: Bind): string[] {
  for (const keyword of Object.keys(schema))
    if (!KEYWORDS.has(keyword)) throw new Error(`${name}: keyword ${keyword} is not supported`);
  const property = JSON.stringify(name);
  const types = (schema.type === undefined ? [] : [schema.type].flat()) as string[];
  const nullable = types.includes('null');
  const [type, ...others] = types.filter((t) => t !== 'null');
  if (others.length > 0) throw new Error(`${name}: one type (and null) per field`);
  const own = (schema as { [REASON]?: Reason })[REASON];
  const reason = (fallback: Reason): string => `${bind(own ?? fallback)}(${property}, v)`;

  const read = `v = r[${property}];`;
  if (schema.const !== undefined)
    return [
      read,
      `if (v !== ${bind(schema.const)}) reasons.push(${reason((p) => `${p} must be ${quote(schema.const)}`)});`,
    ];
  if (schema.enum !== undefined)
    return [
      read,
      `if (!${bind(schema.enum)}.includes(v)) reasons.push(${reason((p) => `${p} must be one of ${(schema.enum as unknown[]).map(quote).join(', ')}`)});`,
    ];
  const check = typeCheck(name, type, schema, bind);
  if (check === undefined) return [];
  const rules = [
    `if (${check.refused}) reasons.push(${reason(check.reason(nullable))});`,
    ...check.range.map((rule) => `else ${rule}`),
  ];
  return nullable
    ? [read, 'if (v !== null) {', ...rules.map((rule) => `  ${rule}`), '}']
    : [read, ...rules];
}

const quote = (value: unknown): string =>
  typeof value === 'string' ? `'${value}'` : JSON.stringify(value);

interface TypeCheck {
  /** an expression true when `v` (not null) is refused by its type or any rule but the range */
  refused: string;
  reason: (nullable: boolean) => Reason;
  /** `if (...) reasons.push(...)` for the bounds, each after the last */
  range: string[];
}

function typeCheck(
  name: string,
  type: string | undefined,
  schema: TSchema,
  bind: Bind,
): TypeCheck | undefined {
  const orNull = (nullable: boolean, text: string) => (nullable ? `${text} or null` : text);
  switch (type) {
    case undefined:
      return undefined;
    case 'number':
    case 'integer': {
      const range: string[] = [];
      // !(v >= min) rather than v < min: the same for finite numbers, and says what is wanted
      if (schema.minimum !== undefined)
        range.push(
          `if (!(v >= ${Number(schema.minimum)})) reasons.push(${bind(MESSAGES.min(name, schema.minimum as number))});`,
        );
      if (schema.maximum !== undefined)
        range.push(
          `if (!(v <= ${Number(schema.maximum)})) reasons.push(${bind(MESSAGES.max(name, schema.maximum as number))});`,
        );
      const integer = type === 'integer';
      return {
        refused: `(typeof v !== 'number' || !${integer ? 'Number.isInteger' : 'Number.isFinite'}(v))`,
        reason: (nullable) => (p) =>
          orNull(nullable, integer ? `${p} must be an integer` : `${p} must be a finite number`),
        range,
      };
    }
    case 'string': {
      const rules = ["typeof v !== 'string'"];
      if (schema.minLength !== undefined || schema.maxLength !== undefined)
        rules.push(
          `!codePoints(v, ${Number(schema.minLength ?? 0)}, ${Number(schema.maxLength ?? Infinity)})`,
        );
      const format = schema.format as string | undefined;
      if (format !== undefined && FORMATS[format] !== undefined)
        rules.push(`!${bind(FORMATS[format])}(v)`);
      else if (format !== undefined && schema.pattern === undefined)
        throw new Error(`${name}: format ${format} is checked only through a pattern`);
      const pattern = schema.pattern as string | undefined;
      const twin = pattern === undefined ? undefined : PATTERN_TWINS.get(pattern);
      if (twin !== undefined) rules.push(`!${bind(twin)}(v)`);
      else if (pattern !== undefined) rules.push(`!${bind(patternOf(pattern))}.test(v)`);
      return {
        refused: `(${rules.join(' || ')})`,
        reason: (nullable) => (p, v) =>
          nullable && typeof v !== 'string'
            ? `${p} must be a string or null`
            : typeof v !== 'string'
              ? `${p} must be a string`
              : `${p} must match ${schema.pattern ?? `format ${schema.format}`}`,
        range: [],
      };
    }
    case 'boolean':
      return {
        refused: "typeof v !== 'boolean'",
        reason: (nullable) => (p) => orNull(nullable, `${p} must be a boolean`),
        range: [],
      };
    case 'object':
      if (schema.properties !== undefined || schema.additionalProperties !== undefined)
        throw new Error(`${name}: only open objects are supported as fields`);
      return {
        refused: "(typeof v !== 'object' || v === null || Array.isArray(v))",
        reason: (nullable) => (p) => orNull(nullable, `${p} must be an object`),
        range: [],
      };
    default:
      throw new Error(`${name}: type ${type} is not supported`);
  }
}

// where unicode mode can change what a pattern matches: escapes, negated sets, `.`, non-ASCII
// eslint-disable-next-line no-control-regex -- the ASCII range is the point
const UNICODE_SENSITIVE = /\\[uSWDp]|\[\^|(?<!\\)\.|[^\x00-\x7f]/;

/**
 * JSON Schema patterns are ECMA-262 in unicode mode ([\ud800-\udfff] is a lone surrogate, a pair
 * is one character). A pattern of plain ASCII sets matches the same either way, and V8 runs it
 * faster without the flag.
 */
function patternOf(source: string): RegExp {
  return new RegExp(source, UNICODE_SENSITIVE.test(source) ? 'u' : '');
}

/** JSON Schema counts a string's length in code points: a surrogate pair is one character. */
function codePointsWithin(value: string, min: number, max: number): boolean {
  const units = value.length;
  // code points lie between units / 2 and units
  if (units >= 2 * min && units <= max) return true;
  let count = 0;
  for (let i = 0; i < units; i++, count++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < units) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return count >= min && count <= max;
}
