import fc from 'fast-check';
import { utcFromEpoch, utcFromMillis, utcFromWallClock } from './timestamps';

const MIN_MS = new Date('0000-01-01T00:00:00.000Z').getTime();
const MAX_MS = new Date('9999-12-31T23:59:59.999Z').getTime();

describe(utcFromMillis.name, () => {
  const sut = utcFromMillis;

  it('writes what Date#toISOString writes, for every instant of years 0000-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_MS, max: MAX_MS }), (millis) => {
        expect(sut(millis)).toBe(new Date(millis).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['the first instant', MIN_MS, '0000-01-01T00:00:00.000Z'],
    ['the last instant', MAX_MS, '9999-12-31T23:59:59.999Z'],
    ['the epoch', 0, '1970-01-01T00:00:00.000Z'],
    ['just before the epoch', -1, '1969-12-31T23:59:59.999Z'],
    ['a leap day', Date.UTC(2000, 1, 29, 12), '2000-02-29T12:00:00.000Z'],
  ])('writes %s', (_case, millis, iso) => {
    expect(sut(millis)).toBe(iso);
  });

  it.each([MIN_MS - 1, MAX_MS + 1, NaN, Infinity, 0.5])('has no answer for %p', (millis) => {
    expect(sut(millis)).toBeUndefined();
  });
});

describe(utcFromWallClock.name, () => {
  const sut = utcFromWallClock;

  it('agrees with Date on any valid wall-clock time and offset', () => {
    const time = fc.record({
      at: fc.integer({
        min: new Date('0001-01-02T00:00:00Z').getTime(),
        max: new Date('9999-12-30T00:00:00Z').getTime(),
      }),
      offset: fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
      separator: fc.constantFrom('T', ' '),
    });
    fc.assert(
      fc.property(time, ({ at, offset, separator }) => {
        // the wall clock that reads `at` shifted by `offset`
        const wall = new Date(at + offset * 60_000)
          .toISOString()
          .slice(0, 23)
          .replace('T', separator);
        const sign = offset < 0 ? '-' : '+';
        const hhmm = `${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;

        expect(sut(`${wall}${sign}${hhmm}`, 0)).toBe(new Date(at).toISOString());
        expect(sut(wall, offset)).toBe(new Date(at).toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with Date on whole-second wall-clock times without an offset (the shape mobway sends)', () => {
    const time = fc.record({
      at: fc.integer({
        min: new Date('0001-01-02T00:00:00Z').getTime(),
        max: new Date('9999-12-30T00:00:00Z').getTime(),
      }),
      offset: fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
      separator: fc.constantFrom('T', 't', ' '),
    });
    fc.assert(
      fc.property(time, ({ at, offset, separator }) => {
        const whole = at - (((at % 1000) + 1000) % 1000);
        const wall = new Date(whole + offset * 60_000)
          .toISOString()
          .slice(0, 19)
          .replace('T', separator);

        expect(sut(wall, offset)).toBe(new Date(whole).toISOString());
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    '2025-02-30 10:00:00',
    '2025-02-29 10:00:00',
    '2025-03-01 24:00:00',
    '2025-03-01 10:60:00',
    '2025-03-01 10:00:60',
    '2025-13-01 10:00:00',
    '2025-00-01 10:00:00',
    '2025-03-00 10:00:00',
    '2025-03-01x10:00:00',
    '2025-03-01 10:00:0a',
    '2025/03/01 10:00:00',
    '２025-03-01 10:00:00',
    '2025-03-01 10-00:00',
  ])('has no answer for %p', (text) => {
    expect(sut(text, 0)).toBeUndefined();
  });

  it('still reads a padded or leap-day time', () => {
    expect(sut(' 2024-02-29 23:59:59 ', -180)).toBe('2024-03-01T02:59:59.000Z');
    expect(sut('2024-02-29 23:59:59', -180)).toBe('2024-03-01T02:59:59.000Z');
  });

  it('reads years 0000-0099 as themselves, not as 1900-1999', () => {
    expect(sut('0042-06-01 00:00:00', 0)).toBe('0042-06-01T00:00:00.000Z');
  });

  it('has no answer when an offset pushes the time out of years 0000-9999', () => {
    expect(sut('9999-12-31 23:00:00', -180)).toBeUndefined();
    expect(sut('0000-01-01 00:00:00+01:00', 0)).toBeUndefined();
  });
});

describe(utcFromEpoch.name, () => {
  const sut = utcFromEpoch;

  it.each([
    [0, '1970-01-01T00:00:00.000Z'],
    [1740834000, '2025-03-01T13:00:00.000Z'],
    [1740834000.0005, '2025-03-01T13:00:00.001Z'],
    [1740834000123, '2025-03-01T13:00:00.123Z'],
    [-86400, '1969-12-31T00:00:00.000Z'],
  ])('reads %p', (epoch, iso) => {
    expect(sut(epoch)).toBe(iso);
  });
});
