// the rules the contract definitions are written with: the published patterns, the reasons a
// record is refused for, and the checks a JSON Schema pattern cannot say (a real calendar date)

import { daysInMonth } from './calendar';

export const VEHICLE_SCHEMA = 'vehicle-telemetry/v1';
export const LOCATION_SCHEMA = 'device-location/v1';
export const DEAD_LETTER_SCHEMA = 'dead-letter/v1';

// ISO 3779: 17 characters, letters I, O and Q are never used
export const VIN_PATTERN = /^[A-HJ-NPR-Z0-9]{17}$/;
export const SOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// trimmed, 1..128 characters (code points, as JSON Schema's maxLength counts them); \s is the same
// set String.prototype.trim removes
export const DEVICE_ID_PATTERN = /^(?=[\s\S]{1,128}$)\S(?:[\s\S]*\S)?$/u;
// the published form of a device id: DEVICE_ID_PATTERN and storable text in one expression
// eslint-disable-next-line no-control-regex -- U+0000 is what it refuses
export const STORABLE_DEVICE_ID_PATTERN = /^(?![\s\S]*[\u0000\ud800-\udfff])\S([\s\S]*\S)?$/u;
// the same set as validator.js's isUUID(value, '5'), spelt without the i flag JSON Schema lacks
export const UUID_V5_PATTERN =
  /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-5[0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$/;
// yyyy-mm-ddThh:mm:ss.sssZ from 1970 on: the years a timestamp's format check leaves to the pattern
// (no capturing group: the same language, and a regex that records no captures runs faster)
export const TIMESTAMP_PATTERN = /^(?:19[7-9]|[2-9]\d\d)\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\dZ$/;
// text without U+0000 or an unpaired surrogate, as a JSON Schema pattern (unicode mode)
// eslint-disable-next-line no-control-regex -- U+0000 is what it refuses
export const STORABLE_TEXT_PATTERN = /^[^\u0000\ud800-\udfff]*$/u;
// U+0000 and unpaired UTF-16 surrogates: PostgreSQL's text and jsonb cannot hold them (UTF-8 has no
// encoding for a lone surrogate). With the u flag a surrogate pair is one code point: it never matches
export const UNSTORABLE_TEXT = /[\0\ud800-\udfff]/u;
// the contract's times: from the Unix epoch to the last instant a four-digit year writes. PostgreSQL
// (4713 BC to 294276 AD) stores them all, the query API's from/to name them all; year 0 it has not
export const EARLIEST_TIMESTAMP = '1970-01-01T00:00:00.000Z';
export const LATEST_TIMESTAMP = '9999-12-31T23:59:59.999Z';

// layout of yyyy-mm-ddThh:mm:ss.sssZ: -1 marks a digit, anything else the exact character code
const UTC_LAYOUT = [...'dddd-dd-ddTdd:dd:dd.dddZ'].map((c) => (c === 'd' ? -1 : c.charCodeAt(0)));

/** `yyyy-mm-ddThh:mm:ss.sssZ` naming a real instant (no Feb 30, no hour 24, no second 60). */
export function isUtcTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== UTC_LAYOUT.length) return false;
  // character codes rather than a regex and a Date round trip: this runs twice per record
  for (let i = 0; i < UTC_LAYOUT.length; i++) {
    const code = value.charCodeAt(i);
    if (UTC_LAYOUT[i] === -1 ? code < 48 || code > 57 : code !== UTC_LAYOUT[i]) return false;
  }
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    digits(value, 11, 2) <= 23 &&
    digits(value, 14, 2) <= 59 &&
    digits(value, 17, 2) <= 59
  );
}

/** Text PostgreSQL stores unchanged: no U+0000, no unpaired surrogate. */
export function isStorableText(value: string): boolean {
  // the same test as UNSTORABLE_TEXT, natively: twice as fast on a reading's keys and values
  return (
    value.indexOf('\0') === -1 && (value as string & { isWellFormed(): boolean }).isWellFormed()
  );
}

// no white space at either end, 1 character or more (the storable-text test makes it well-formed)
const TRIMMED = /^\S(?:[\s\S]*\S)?$/;

/**
 * Native twins of published patterns, for the compiled checks: the same answer as the pattern in
 * unicode mode (record.rules.spec.ts holds them to it), at a fraction of a regex's cost.
 */
export const PATTERN_TWINS: ReadonlyMap<string, (value: string) => boolean> = new Map([
  [STORABLE_TEXT_PATTERN.source, isStorableText],
  [
    STORABLE_DEVICE_ID_PATTERN.source,
    (value: string) => isStorableText(value) && TRIMMED.test(value),
  ],
]);

/** What in unstorable text PostgreSQL refuses, for a reason. */
export function unstorableTextKind(value: string): string {
  return value.includes('\0') ? 'U+0000 (NUL)' : 'an unpaired UTF-16 surrogate';
}

/** A `yyyy-mm-ddThh:mm:ss.sssZ` timestamp between EARLIEST_TIMESTAMP and LATEST_TIMESTAMP (the layout orders as text). */
export function isTimestampInRange(value: string): boolean {
  return value >= EARLIEST_TIMESTAMP && value <= LATEST_TIMESTAMP;
}

function digits(value: string, start: number, length: number): number {
  let result = 0;
  for (let i = start; i < start + length; i++) result = result * 10 + value.charCodeAt(i) - 48;
  return result;
}

export const MESSAGES = {
  schema: (schema: string) => `schema must be '${schema}'`,
  eventId: 'eventId must be a UUID (version 5)',
  source: 'source must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit',
  vin: 'vin must be 17 characters of the VIN alphabet (no I, O, Q)',
  deviceId: 'deviceId must be a trimmed, non-empty string of at most 128 characters',
  timestamp: (property: string) =>
    `${property} must be an ISO-8601 UTC timestamp with milliseconds (yyyy-mm-ddThh:mm:ss.sssZ)`,
  timestampRange: (property: string) =>
    `${property} must be between ${EARLIEST_TIMESTAMP} and ${LATEST_TIMESTAMP}`,
  storableText: (property: string) =>
    `${property} must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them`,
  number: (property: string) => `${property} must be a finite number`,
  nullableNumber: (property: string) => `${property} must be a finite number or null`,
  // class-validator's own wording for @Min and @Max
  min: (property: string, min: number) => `${property} must not be less than ${min}`,
  max: (property: string, max: number) => `${property} must not be greater than ${max}`,
  nullableString: (property: string) => `${property} must be a string or null`,
  object: (property: string) => `${property} must be an object`,
  // class-validator's own wording for forbidNonWhitelisted
  unknownProperty: (property: string) => `property ${property} should not exist`,
} as const;
