import fc from 'fast-check';
import { civilFromDays, daysFromCivil, daysInMonth } from './calendar';

const DAY_MS = 86_400_000;

describe('calendar', () => {
  it.each([
    [2024, 2, 29],
    [2025, 2, 28],
    [1900, 2, 28],
    [2000, 2, 29],
    [2025, 4, 30],
    [2025, 12, 31],
  ])('%i-%i has %i days', (year, month, days) => {
    expect(daysInMonth(year, month)).toBe(days);
  });

  it('counts days as Date.UTC does, both ways, from year 1 to 9999', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
        (date) => {
          const days = Math.floor(date.getTime() / DAY_MS);
          const civil: [number, number, number] = [
            date.getUTCFullYear(),
            date.getUTCMonth() + 1,
            date.getUTCDate(),
          ];
          expect(daysFromCivil(...civil)).toBe(days);
          expect(civilFromDays(days)).toEqual(civil);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
