import { BRASILIA_OFFSET_MINUTES, daysInMonth } from '@app/contracts';

// mobway's date_time is Brasília wall-clock time without an offset (the ingest path reads it with
// the same fixed offset, so the two round-trip)
const BRASILIA_OFFSET_MS = BRASILIA_OFFSET_MINUTES * 60_000;

// the offsets in use on Earth run from −12:00 to +14:00
const MAX_WEST_MINUTES = 12 * 60;
const MAX_EAST_MINUTES = 14 * 60;

// yyyy-mm-dd, optionally with 'T' or ' ' hh:mm:ss, optionally with Z or ±hh:mm (mobway's forms and
// its date_time's; no fractions: mobway's times are whole seconds)
const MOBWAY_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})?)?$/;

const MOBWAY_DATE_FORMS =
  "'yyyy-mm-dd', 'yyyy-mm-ddThh:mm:ss' or 'yyyy-mm-dd hh:mm:ss' (Brasília time, UTC−03:00), or 'yyyy-mm-ddThh:mm:ss-03:00' or '…Z' (the offset given)";

/** a UTC instant as mobway writes it: `yyyy-mm-dd hh:mm:ss` in Brasília time (milliseconds dropped) */
export function toBrasiliaDateTime(utc: string | Date): string {
  const millis = typeof utc === 'string' ? Date.parse(utc) : utc.getTime();
  return new Date(Math.floor((millis + BRASILIA_OFFSET_MS) / 1000) * 1000)
    .toISOString()
    .slice(0, 19)
    .replace('T', ' ');
}

/** an instant in epoch milliseconds, or why the text names none (the part after the parameter's name) */
export type MobwayDate = { at: number } | { problem: string };

/**
 * mobway's request dates: `yyyy-mm-dd` is that day's 00:00:00 and `yyyy-mm-ddThh:mm:ss` (or with a
 * space, as date_time is written) that wall-clock time, both in Brasília; with `Z` or `±hh:mm`, at
 * that offset. Years 0001 to 9999, real calendar days and times, offsets from −12:00 to +14:00.
 */
export function parseMobwayDate(text: unknown): MobwayDate {
  const parts = typeof text === 'string' ? MOBWAY_DATE.exec(text.trim()) : null;
  if (!parts) return { problem: `must be ${MOBWAY_DATE_FORMS}` };
  const [year, month, day, hour, minute, second] = parts
    .slice(1, 7)
    .map((p) => (p === undefined ? 0 : Number(p)));
  // PostgreSQL has no year 0, and 10000 has no yyyy
  if (year < 1) return { problem: 'must be in the years 0001 to 9999' };
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return { problem: 'must be a real calendar date' };
  if (hour > 23 || minute > 59 || second > 59)
    return { problem: 'must be a real time of day, 00:00:00 to 23:59:59' };
  const offsetMinutes = offsetOf(parts[7]);
  if (offsetMinutes === undefined) return { problem: 'must have an offset from -12:00 to +14:00' };
  // setUTCFullYear, because Date.UTC reads years 0-99 as 1900-1999
  const wallClock = new Date(0);
  wallClock.setUTCFullYear(year, month - 1, day);
  wallClock.setUTCHours(hour, minute, second, 0);
  return { at: wallClock.getTime() - offsetMinutes * 60_000 };
}

function offsetOf(text: string | undefined): number | undefined {
  if (text === undefined) return BRASILIA_OFFSET_MINUTES;
  if (text === 'Z') return 0;
  const hours = Number(text.slice(1, 3));
  const minutes = Number(text.slice(4, 6));
  if (minutes > 59) return undefined;
  const offset = (text[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  return offset < -MAX_WEST_MINUTES || offset > MAX_EAST_MINUTES ? undefined : offset;
}
