const DAY_MS = 86_400_000;
// the instants a stored reading can have: years 0001 to 9999 (PostgreSQL has no year 0, ISO text no year 10000)
const FIRST_STORABLE_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_STORABLE_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** the half-open UTC range [from, to) a /vehicle-data request asks for; no bound where it reaches past what can be stored */
export interface VehicleDataWindow {
  from?: number;
  to?: number;
}

export type WindowOutcome = { window: VehicleDataWindow } | { problem: string };

/**
 * mobway's rules: both ends inclusive (`end_date >= date_time >= start_date`); neither given, the
 * last 24 hours up to now; only a start, the 24 hours after it; only an end, the 24 hours before it.
 * date_time is whole seconds, so the end's whole second is in. At most `maxDays` from start to end.
 */
export function vehicleDataWindow(
  start: number | undefined,
  end: number | undefined,
  now: number,
  maxDays: number,
): WindowOutcome {
  const endAt = end ?? (start === undefined ? Math.floor(now / 1000) * 1000 : start + DAY_MS);
  const startAt = start ?? endAt - DAY_MS;
  if (endAt < startAt) return { problem: 'end_date must not be before start_date' };
  if (endAt - startAt > maxDays * DAY_MS)
    return {
      problem: `end_date must be at most ${maxDays} day${maxDays === 1 ? '' : 's'} after start_date (ask for a longer span in parts)`,
    };
  const to = endAt + 1000;
  return {
    window: {
      from: startAt > FIRST_STORABLE_MS ? startAt : undefined,
      to: to <= LAST_STORABLE_MS ? to : undefined,
    },
  };
}
