import {
  decodeEntityCursor,
  decodeRangeCursor,
  encodeEntityCursor,
  encodeRangeCursor,
  isSeqCursor,
} from './record-cursor';

const EVENT_ID = '0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b';
const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('range cursor', () => {
  it('round-trips a position, keeping microseconds', () => {
    const position = { recordedAt: '2025-03-01T13:00:00.123456Z', eventId: EVENT_ID };
    const sut = encodeRangeCursor(position);
    expect(sut).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeRangeCursor(sut)).toEqual(position);
  });

  it('is base64url JSON of [recordedAt, eventId]', () => {
    expect(
      JSON.parse(
        Buffer.from(
          encodeRangeCursor({ recordedAt: '2025-03-01T13:00:00.000000Z', eventId: EVENT_ID }),
          'base64url',
        ).toString(),
      ),
    ).toEqual(['2025-03-01T13:00:00.000000Z', EVENT_ID]);
  });

  it('reads an upper-case event id as the lower-case uuid PostgreSQL returns', () => {
    expect(
      decodeRangeCursor(b64(['2025-03-01T13:00:00.000Z', EVENT_ID.toUpperCase()]))?.eventId,
    ).toBe(EVENT_ID);
  });

  it.each([
    ['not base64url', '!!!'],
    ['empty', ''],
    ['not a string', 42],
    ['not JSON', b64('{oops')],
    ['an object', b64({ recordedAt: '2025-03-01T13:00:00.000Z', eventId: EVENT_ID })],
    ['one element', b64(['2025-03-01T13:00:00.000Z'])],
    ['three elements', b64(['2025-03-01T13:00:00.000Z', EVENT_ID, 1])],
    ['a time with an offset', b64(['2025-03-01T13:00:00.000-03:00', EVENT_ID])],
    ['an impossible date', b64(['2025-02-30T13:00:00.000Z', EVENT_ID])],
    ['hour 24', b64(['2025-03-01T24:00:00.000Z', EVENT_ID])],
    ['nanoseconds', b64(['2025-03-01T13:00:00.123456789Z', EVENT_ID])],
    ['not a uuid', b64(['2025-03-01T13:00:00.000Z', 'x'])],
    ['a number as time', b64([1, EVENT_ID])],
    ['year 0, which PostgreSQL does not read', b64(['0000-01-01T00:00:00.000Z', EVENT_ID])],
    ['too long', 'A'.repeat(600)],
  ])('refuses %s', (_case, cursor) => {
    expect(decodeRangeCursor(cursor)).toBeUndefined();
  });
});

describe('entity cursor', () => {
  it.each(['9BWZZZ377VT004251', 'device with spaces/and slashes', 'ç', 'emoji 🚗'])(
    'round-trips %p',
    (id) => {
      expect(decodeEntityCursor(encodeEntityCursor(id))).toBe(id);
    },
  );

  it.each([
    b64([]),
    b64(['']),
    b64([1]),
    b64('x'),
    b64(['a'.repeat(129)]),
    'a b',
    b64(['V\u0000']),
    b64(['\ud800']),
  ])('refuses %p', (cursor) => {
    expect(decodeEntityCursor(cursor)).toBeUndefined();
  });
});

describe(isSeqCursor.name, () => {
  it.each(['0', '1', '42', '9223372036854775807'])('takes %p', (value) =>
    expect(isSeqCursor(value)).toBe(true),
  );
  it.each(['', '-1', '1.5', '1e3', ' 1', '9223372036854775808', '99999999999999999999', 7])(
    'refuses %p',
    (value) => expect(isSeqCursor(value)).toBe(false),
  );
});
