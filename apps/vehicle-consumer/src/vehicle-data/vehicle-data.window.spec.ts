import { parseBrasiliaDate } from './brasilia-time';
import { vehicleDataWindow } from './vehicle-data.window';

const NOW = Date.parse('2025-03-10T12:00:00.000Z');
const at = (text: string) => parseBrasiliaDate(text);
const iso = (window: { from: number; to: number } | undefined) => window && { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() };

describe(vehicleDataWindow.name, () => {
  it.each([
    ['no dates: the last 24 h', undefined, undefined, { from: '2025-03-09T12:00:00.000Z', to: '2025-03-10T12:00:00.000Z' }],
    ['start only: until now', '2025-03-01 00:00:00', undefined, { from: '2025-03-01T03:00:00.000Z', to: '2025-03-10T12:00:00.000Z' }],
    ['end only: the 24 h before it, end second included', undefined, '2025-03-05 10:00:00', { from: '2025-03-04T13:00:01.000Z', to: '2025-03-05T13:00:01.000Z' }],
    ['dates only: whole days, both included', '2025-03-01', '2025-03-02', { from: '2025-03-01T03:00:00.000Z', to: '2025-03-03T03:00:00.000Z' }],
    ['one day', '2025-03-01', '2025-03-01', { from: '2025-03-01T03:00:00.000Z', to: '2025-03-02T03:00:00.000Z' }],
    ['one second', '2025-03-01 10:00:00', '2025-03-01 10:00:00', { from: '2025-03-01T13:00:00.000Z', to: '2025-03-01T13:00:01.000Z' }],
  ])('%s', (_case, start, end, expected) => {
    expect(iso(vehicleDataWindow(start === undefined ? undefined : at(start), end === undefined ? undefined : at(end), NOW))).toEqual(expected);
  });

  it('has no window when the start is after the end, or in the future without an end', () => {
    expect(vehicleDataWindow(at('2025-03-02'), at('2025-03-01'), NOW)).toBeUndefined();
    expect(vehicleDataWindow(at('2025-03-11'), undefined, NOW)).toBeUndefined();
  });
});
