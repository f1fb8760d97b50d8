import { parseBrasiliaDate, toBrasiliaDateTime } from './brasilia-time';

describe(toBrasiliaDateTime.name, () => {
  it.each([
    ['2025-03-01T13:00:00.000Z', '2025-03-01 10:00:00'],
    ['2025-03-01T02:59:59.999Z', '2025-02-28 23:59:59'],
    ['2024-03-01T01:00:00.000Z', '2024-02-29 22:00:00'],
    ['2025-01-01T00:00:00.000Z', '2024-12-31 21:00:00'],
    ['2025-03-01T13:00:00.500Z', '2025-03-01 10:00:00'],
  ])('%s → %s', (utc, expected) => {
    expect(toBrasiliaDateTime(utc)).toBe(expected);
    expect(toBrasiliaDateTime(new Date(utc))).toBe(expected);
  });
});

describe(parseBrasiliaDate.name, () => {
  it.each([
    ['2025-03-01 10:00:00', '2025-03-01T13:00:00.000Z', false],
    ['2025-02-28 23:30:00', '2025-03-01T02:30:00.000Z', false],
    ['2025-03-01', '2025-03-01T03:00:00.000Z', true],
    [' 2024-02-29 ', '2024-02-29T03:00:00.000Z', true],
  ])('%p is %s', (text, utc, dateOnly) => {
    expect(parseBrasiliaDate(text)).toEqual({ at: Date.parse(utc), dateOnly });
  });

  it('round-trips with the formatter', () => {
    expect(toBrasiliaDateTime(new Date(parseBrasiliaDate('2025-07-15 08:09:10')!.at))).toBe('2025-07-15 08:09:10');
  });

  it.each(['2025-02-29', '2025-13-01', '2025-03-01 24:00:00', '2025-03-01 10:00', '2025-03-01T10:00:00', '2025-03-01 10:00:00Z', '01/03/2025', '', 20250301, null])(
    'refuses %p',
    (text) => {
      expect(parseBrasiliaDate(text)).toBeUndefined();
    },
  );
});
