import { parseMobwayDate, toBrasiliaDateTime } from './brasilia-time';

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

describe(parseMobwayDate.name, () => {
  it.each([
    // mobway's three forms
    ['2025-03-01', '2025-03-01T03:00:00.000Z'],
    ['2025-03-01T10:00:00', '2025-03-01T13:00:00.000Z'],
    ['2025-03-01T10:00:00-03:00', '2025-03-01T13:00:00.000Z'],
    ['2025-03-01T09:00:00-04:00', '2025-03-01T13:00:00.000Z'],
    ['2025-03-01T23:30:00-05:00', '2025-03-02T04:30:00.000Z'],
    // date_time's own form, and the other offsets ISO 8601 allows
    ['2025-03-01 10:00:00', '2025-03-01T13:00:00.000Z'],
    ['2025-02-28 23:30:00', '2025-03-01T02:30:00.000Z'],
    ['2025-03-01T13:00:00Z', '2025-03-01T13:00:00.000Z'],
    ['2025-03-01T18:30:00+05:30', '2025-03-01T13:00:00.000Z'],
    ['2025-03-02T03:00:00+14:00', '2025-03-01T13:00:00.000Z'],
    ['2025-03-01T01:00:00-12:00', '2025-03-01T13:00:00.000Z'],
    [' 2024-02-29 ', '2024-02-29T03:00:00.000Z'],
    ['0001-01-01', '0001-01-01T03:00:00.000Z'],
    ['9999-12-31T23:59:59', '10000-01-01T02:59:59.000Z'],
  ])('%p is %s', (text, utc) => {
    expect(parseMobwayDate(text)).toEqual({
      at: utc.startsWith('10000') ? Date.parse(`+0${utc}`) : Date.parse(utc),
    });
  });

  it('round-trips with the formatter', () => {
    const date = parseMobwayDate('2025-07-15 08:09:10');
    expect('at' in date && toBrasiliaDateTime(new Date(date.at))).toBe('2025-07-15 08:09:10');
  });

  it.each([
    ['01/03/2025', 'format'],
    ['', 'format'],
    [20250301, 'format'],
    [null, 'format'],
    [['2025-03-01'], 'format'],
    ['2025-03-01 10:00', 'format'],
    ['2025-03-01T10:00:00.000', 'format'],
    ['2025-03-01T10:00:00-0300', 'format'],
    ['2025-03-01T10:00:00-03', 'format'],
    ['2025-03-01\u0000', 'format'],
    ['2025-03-01T10:00:00\u0000-03:00', 'format'],
    ['+02025-03-01', 'format'],
    ['0000-01-01T00:00:00', 'years'],
    ['0000-01-01', 'years'],
    ['2025-02-29', 'calendar'],
    ['2025-13-01', 'calendar'],
    ['2025-04-31', 'calendar'],
    ['2025-03-01 24:00:00', 'time'],
    ['2025-03-01T10:60:00', 'time'],
    ['2025-03-01T10:00:60', 'time'],
    ['2025-03-01T10:00:00+23:59', 'offset'],
    ['2025-03-01T10:00:00+14:01', 'offset'],
    ['2025-03-01T10:00:00-12:30', 'offset'],
    ['2025-03-01T10:00:00+05:60', 'offset'],
  ])('refuses %p (%s)', (text, kind) => {
    const expected = {
      format:
        "must be 'yyyy-mm-dd', 'yyyy-mm-ddThh:mm:ss' or 'yyyy-mm-dd hh:mm:ss' (Brasília time, UTC−03:00), or 'yyyy-mm-ddThh:mm:ss-03:00' or '…Z' (the offset given)",
      years: 'must be in the years 0001 to 9999',
      calendar: 'must be a real calendar date',
      time: 'must be a real time of day, 00:00:00 to 23:59:59',
      offset: 'must have an offset from -12:00 to +14:00',
    }[kind];
    expect(parseMobwayDate(text)).toEqual({ problem: expected });
  });
});
