import { daysInMonth } from '@app/contracts';

// mobway's date_time is Brasília wall-clock time without an offset; Brazil has kept UTC−03:00 all
// year since 2019 (the ingest path reads it with the same fixed offset, so the two round-trip)
export const BRASILIA_OFFSET_MS = -3 * 3_600_000;

const MOBWAY_DATE = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/;

/** a UTC instant as mobway writes it: `yyyy-mm-dd hh:mm:ss` in Brasília time (milliseconds dropped) */
export function toBrasiliaDateTime(utc: string | Date): string {
  const millis = typeof utc === 'string' ? Date.parse(utc) : utc.getTime();
  return new Date(Math.floor((millis + BRASILIA_OFFSET_MS) / 1000) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

export interface BrasiliaDate {
  /** the instant, epoch milliseconds */
  at: number;
  /** `yyyy-mm-dd` without a time: the start of that day */
  dateOnly: boolean;
}

/** mobway's request formats, `yyyy-mm-dd hh:mm:ss` or `yyyy-mm-dd`, read as Brasília time */
export function parseBrasiliaDate(text: unknown): BrasiliaDate | undefined {
  const parts = typeof text === 'string' ? MOBWAY_DATE.exec(text.trim()) : null;
  if (!parts) return undefined;
  const dateOnly = parts[4] === undefined;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map((p) => (p === undefined ? 0 : Number(p)));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  // setUTCFullYear, because Date.UTC reads years 0-99 as 1900-1999
  const wallClock = new Date(0);
  wallClock.setUTCFullYear(year, month - 1, day);
  wallClock.setUTCHours(hour, minute, second, 0);
  return { at: wallClock.getTime() - BRASILIA_OFFSET_MS, dateOnly };
}
