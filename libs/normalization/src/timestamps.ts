import { daysInMonth, isUtcTimestamp } from '@app/contracts';

// yyyy-mm-dd, 'T' or space, hh:mm[:ss[.fraction]], optional Z or ±hh[[:]mm]
const WALL_CLOCK =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

// below this an epoch number is seconds (1e11 s is the year 5138; 1e11 ms is March 1973)
const EPOCH_SECONDS_BELOW = 1e11;

/**
 * An ISO-8601-like date and time as a UTC timestamp with milliseconds. A time without an offset is
 * read at `defaultOffsetMinutes` from UTC; an explicit `Z` or offset wins. Undefined when the text is
 * not such a time or names no real instant (Feb 30, hour 24, second 60).
 */
export function utcFromWallClock(text: string, defaultOffsetMinutes: number): string | undefined {
  const parts = WALL_CLOCK.exec(text.trim());
  if (parts === null) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', zulu, sign, offsetHours, offsetMinutes = '0'] = parts;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || +offsetHours > 23 || +offsetMinutes > 59) return undefined;
  const offset = zulu
    ? 0
    : sign
      ? (sign === '-' ? -1 : 1) * (+offsetHours * 60 + +offsetMinutes)
      : defaultOffsetMinutes;
  // setUTCFullYear, because Date.UTC reads years 0-99 as 1900-1999
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, +fraction.padEnd(3, '0').slice(0, 3));
  return utcFromMillis(local.getTime() - offset * 60_000);
}

/** Unix time in seconds (below 1e11) or milliseconds, as a UTC timestamp; sub-millisecond digits are rounded. */
export function utcFromEpoch(epoch: number): string | undefined {
  return utcFromMillis(Math.round(Math.abs(epoch) < EPOCH_SECONDS_BELOW ? epoch * 1000 : epoch));
}

/** A Date as `yyyy-mm-ddThh:mm:ss.sssZ`; undefined for an invalid date or one outside years 0000-9999. */
export function utcFromDate(date: Date): string | undefined {
  return date instanceof Date ? utcFromMillis(date.getTime()) : undefined;
}

function utcFromMillis(millis: number): string | undefined {
  // ±8.64e15 ms is the range a Date can hold
  if (!Number.isFinite(millis) || Math.abs(millis) > 8.64e15) return undefined;
  const iso = new Date(millis).toISOString();
  return isUtcTimestamp(iso) ? iso : undefined;
}
