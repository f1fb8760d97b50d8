import { vehicleDataWindow, WindowOutcome } from './vehicle-data.window';

const NOW = Date.parse('2025-03-10T12:00:00.400Z');
const at = (iso: string): number => Date.parse(iso);
const isoOf = (outcome: WindowOutcome): unknown =>
  'problem' in outcome
    ? outcome
    : {
        from: outcome.window.from && new Date(outcome.window.from).toISOString(),
        to: outcome.window.to && new Date(outcome.window.to).toISOString(),
      };

describe(vehicleDataWindow.name, () => {
  it.each([
    [
      'no dates: the last 24 h up to now, its second included',
      undefined,
      undefined,
      { from: '2025-03-09T12:00:00.000Z', to: '2025-03-10T12:00:01.000Z' },
    ],
    [
      'start only: the 24 h after it, both ends included',
      '2025-03-01T03:00:00Z',
      undefined,
      { from: '2025-03-01T03:00:00.000Z', to: '2025-03-02T03:00:01.000Z' },
    ],
    [
      'start only, in the future: still the 24 h after it',
      '2025-04-01T03:00:00Z',
      undefined,
      { from: '2025-04-01T03:00:00.000Z', to: '2025-04-02T03:00:01.000Z' },
    ],
    [
      'end only: the 24 h before it, both ends included',
      undefined,
      '2025-03-05T13:00:00Z',
      { from: '2025-03-04T13:00:00.000Z', to: '2025-03-05T13:00:01.000Z' },
    ],
    [
      'both: from the start to the end second',
      '2025-03-01T03:00:00Z',
      '2025-03-02T03:00:00Z',
      { from: '2025-03-01T03:00:00.000Z', to: '2025-03-02T03:00:01.000Z' },
    ],
    [
      'one instant',
      '2025-03-01T13:00:00Z',
      '2025-03-01T13:00:00Z',
      { from: '2025-03-01T13:00:00.000Z', to: '2025-03-01T13:00:01.000Z' },
    ],
    [
      'exactly the maximum',
      '2025-01-01T03:00:00Z',
      '2025-02-01T03:00:00Z',
      { from: '2025-01-01T03:00:00.000Z', to: '2025-02-01T03:00:01.000Z' },
    ],
    [
      'a start before year 0001 in UTC: no lower bound',
      '0000-12-31T19:00:00Z',
      undefined,
      { from: undefined, to: '0001-01-01T19:00:01.000Z' },
    ],
    [
      'an end after year 9999 in UTC: no upper bound',
      undefined,
      '+010000-01-01T02:59:59Z',
      { from: '9999-12-31T02:59:59.000Z', to: undefined },
    ],
  ])('%s', (_case, start, end, expected) => {
    expect(
      isoOf(
        vehicleDataWindow(
          start === undefined ? undefined : at(start),
          end === undefined ? undefined : at(end),
          NOW,
          31,
        ),
      ),
    ).toEqual(expected);
  });

  it('refuses an end before the start', () => {
    expect(
      vehicleDataWindow(at('2025-03-02T03:00:00Z'), at('2025-03-02T02:59:59Z'), NOW, 31),
    ).toEqual({ problem: 'end_date must not be before start_date' });
  });

  it('refuses a span over the maximum, by a second or by 30 years', () => {
    const problem =
      'end_date must be at most 31 days after start_date (ask for a longer span in parts)';
    expect(
      vehicleDataWindow(at('2025-01-01T03:00:00Z'), at('2025-02-01T03:00:01Z'), NOW, 31),
    ).toEqual({ problem });
    expect(
      vehicleDataWindow(at('1995-01-01T03:00:00Z'), at('2025-01-01T03:00:00Z'), NOW, 31),
    ).toEqual({ problem });
    expect(
      vehicleDataWindow(at('2025-03-01T03:00:00Z'), at('2025-03-03T03:00:00Z'), NOW, 1),
    ).toEqual({
      problem: 'end_date must be at most 1 day after start_date (ask for a longer span in parts)',
    });
  });
});
