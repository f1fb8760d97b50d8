import { BrasiliaDate } from './brasilia-time';

export const DEFAULT_WINDOW_MS = 24 * 3_600_000;

/** the half-open UTC range [from, to) a /vehicle-data request asks for */
export interface VehicleDataWindow {
  from: number;
  to: number;
}

/**
 * mobway's dates are inclusive: an end with a time takes in its whole second, a date-only end its
 * whole day; a date-only start is that day's midnight. Defaults: end = now, start = end − 24 h.
 * undefined when the start is not before the end.
 */
export function vehicleDataWindow(start: BrasiliaDate | undefined, end: BrasiliaDate | undefined, now: number): VehicleDataWindow | undefined {
  const to = end === undefined ? now : end.at + (end.dateOnly ? 86_400_000 : 1000);
  const from = start === undefined ? to - DEFAULT_WINDOW_MS : start.at;
  return from < to ? { from, to } : undefined;
}
