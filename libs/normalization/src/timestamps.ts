import { civilFromDays, daysFromCivil, daysInMonth } from '@app/contracts';

// yyyy-mm-dd, 'T' or space, hh:mm[:ss[.fraction]], optional Z or ±hh[[:]mm]
const WALL_CLOCK =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

// below this an epoch number is seconds (1e11 s is the year 5138; 1e11 ms is March 1973)
const EPOCH_SECONDS_BELOW = 1e11;
const DAY_MS = 86_400_000;
// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the years a yyyy timestamp can hold
const MIN_MS = -62_167_219_200_000;
const MAX_MS = 253_402_300_799_999;

/**
 * An ISO-8601-like date and time as a UTC timestamp with milliseconds. A time without an offset is
 * read at `defaultOffsetMinutes` from UTC; an explicit `Z` or offset wins. Undefined when the text is
 * not such a time or names no real instant (Feb 30, hour 24, second 60).
 */
export function utcFromWallClock(text: string, defaultOffsetMinutes: number): string | undefined {
  // mobway's every reading: 'yyyy-mm-dd hh:mm:ss' without an offset, read without the regex
  if (isPlainWallClock(text)) {
    return utcFromParts(
      digits(text, 0, 4),
      digits(text, 5, 2),
      digits(text, 8, 2),
      digits(text, 11, 2),
      digits(text, 14, 2),
      digits(text, 17, 2),
      0,
      defaultOffsetMinutes,
    );
  }
  const parts = WALL_CLOCK.exec(text.trim());
  if (parts === null) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zulu, sign, offsetHours, offsetMinutes = '0'] =
    parts;
  if (+offsetHours > 23 || +offsetMinutes > 59) return undefined;
  const offset = zulu
    ? 0
    : sign
      ? (sign === '-' ? -1 : 1) * (+offsetHours * 60 + +offsetMinutes)
      : defaultOffsetMinutes;
  return utcFromParts(+y, +mo, +d, +h, +mi, +s, +fraction.padEnd(3, '0').slice(0, 3), offset);
}

function utcFromParts(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  offset: number,
): string | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return utcFromMillis(
    daysFromCivil(year, month, day) * DAY_MS +
      ((hour * 60 + minute - offset) * 60 + second) * 1000 +
      millis,
  );
}

// 'yyyy-mm-dd hh:mm:ss' (or with T or t): -1 marks a digit, -2 the separator, else the exact character code
const PLAIN_WALL_CLOCK = [...'dddd-dd-dd_dd:dd:dd'].map((c) =>
  c === 'd' ? -1 : c === '_' ? -2 : c.charCodeAt(0),
);

function isPlainWallClock(text: string): boolean {
  if (text.length !== PLAIN_WALL_CLOCK.length) return false;
  for (let i = 0; i < PLAIN_WALL_CLOCK.length; i++) {
    const code = text.charCodeAt(i);
    const want = PLAIN_WALL_CLOCK[i];
    if (
      want === -1
        ? code < 48 || code > 57
        : want === -2
          ? code !== 32 && code !== 84 && code !== 116
          : code !== want
    )
      return false;
  }
  return true;
}

function digits(text: string, start: number, length: number): number {
  let result = 0;
  for (let i = start; i < start + length; i++) result = result * 10 + text.charCodeAt(i) - 48;
  return result;
}

/** Unix time in seconds (below 1e11) or milliseconds, as a UTC timestamp; sub-millisecond digits are rounded. */
export function utcFromEpoch(epoch: number): string | undefined {
  return utcFromMillis(Math.round(Math.abs(epoch) < EPOCH_SECONDS_BELOW ? epoch * 1000 : epoch));
}

/** A Date as `yyyy-mm-ddThh:mm:ss.sssZ`; undefined for an invalid date or one outside years 0000-9999. */
export function utcFromDate(date: Date): string | undefined {
  return date instanceof Date ? utcFromMillis(date.getTime()) : undefined;
}

/**
 * Unix milliseconds as `yyyy-mm-ddThh:mm:ss.sssZ`, what Date#toISOString gives for years 0000-9999,
 * by integer arithmetic: a Date and its toISOString cost ~0.7 µs, twice per reading.
 */
export function utcFromMillis(millis: number): string | undefined {
  if (!Number.isInteger(millis) || millis < MIN_MS || millis > MAX_MS) return undefined;
  const days = Math.floor(millis / DAY_MS);
  let rest = millis - days * DAY_MS;
  const [year, month, day] = civilFromDays(days);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const ms = rest - second * 1000;
  return `${pad(year, 4)}-${TWO[month]}-${TWO[day]}T${TWO[hour]}:${TWO[minute]}:${TWO[second]}.${pad(ms, 3)}Z`;
}

const TWO = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
