import fc from 'fast-check';
import {
  isStorableText,
  isTimestampInRange,
  isUtcTimestamp,
  PATTERN_TWINS,
  UNSTORABLE_TEXT,
} from './record.rules';

// the reference: what Date reads and writes back unchanged
function roundTrips(text: string): boolean {
  const time = Date.parse(text);
  return !Number.isNaN(time) && new Date(time).toISOString() === text;
}

describe(isUtcTimestamp.name, () => {
  const sut = isUtcTimestamp;
  const digit = fc.constantFrom(...'0123456789');
  const twoDigits = fc.string({ unit: digit, minLength: 2, maxLength: 2 });
  // right layout, any digits: months 00-99, days 00-99, hours 00-99, ...
  const layoutShaped = fc
    .tuple(
      fc.string({ unit: digit, minLength: 4, maxLength: 4 }),
      twoDigits,
      twoDigits,
      twoDigits,
      twoDigits,
      twoDigits,
      fc.string({ unit: digit, minLength: 3, maxLength: 3 }),
    )
    .map(([y, mo, d, h, mi, s, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);

  it('accepts what Date#toISOString writes for years 0000-9999', () => {
    const instant = fc.integer({
      min: Date.parse('0000-01-01T00:00:00.000Z'),
      max: Date.parse('9999-12-31T23:59:59.999Z'),
    });
    fc.assert(
      fc.property(instant, (millis) => expect(sut(new Date(millis).toISOString())).toBe(true)),
      { numRuns: 5000 },
    );
  });

  it('accepts exactly the layout-shaped strings that name a real instant', () => {
    fc.assert(
      fc.property(layoutShaped, (text) => expect(sut(text)).toBe(roundTrips(text))),
      { numRuns: 20_000 },
    );
  });

  it.each([
    '2025-03-01T13:00:00Z',
    '2025-03-01T13:00:00.000+00:00',
    '2025-03-01 13:00:00.000Z',
    '2025-03-01T13:00:00.000z',
    '+02025-03-01T13:00:00.000Z',
    '2025-3-01T13:00:00.000Z',
    '２025-03-01T13:00:00.000Z',
    '',
  ])('refuses %j', (text) => {
    expect(sut(text)).toBe(false);
  });

  it.each([null, undefined, 0, new Date(0), ['2025-03-01T13:00:00.000Z']])(
    'refuses %p',
    (value) => {
      expect(sut(value)).toBe(false);
    },
  );
});

describe(isStorableText.name, () => {
  const sut = isStorableText;

  it.each([
    '',
    'plain',
    'ção — 🚚',
    '\ud83d\ude97',
    '\udbff\udfff',
    '\u0001\u001f\u007f',
    '\\u0000',
    '\ufffd\ufeff\uffff',
  ])('accepts %j', (text) => {
    expect(sut(text)).toBe(true);
  });

  it.each([
    '\u0000',
    'a\u0000b',
    '\ud800',
    'end \ud83d',
    '\ude97 start',
    '\ude97\ud83d',
    '\ud83d\ud83d\ude97',
  ])('refuses %j', (text) => {
    expect(sut(text)).toBe(false);
  });

  it('accepts exactly the strings UTF-8 round-trips and that hold no U+0000', () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 8 }), (text) => {
        expect(sut(text)).toBe(
          !text.includes('\0') && Buffer.from(text, 'utf8').toString('utf8') === text,
        );
        expect(sut(text)).toBe(!UNSTORABLE_TEXT.test(text));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe(isTimestampInRange.name, () => {
  it.each([
    ['1970-01-01T00:00:00.000Z', true],
    ['9999-12-31T23:59:59.999Z', true],
    ['2025-03-01T13:00:00.000Z', true],
    ['1969-12-31T23:59:59.999Z', false],
    ['0000-01-01T00:00:00.000Z', false],
    ['0001-01-01T00:00:00.000Z', false],
  ])('%s: %p', (text, inRange) => {
    expect(isTimestampInRange(text)).toBe(inRange);
  });
});

describe('PATTERN_TWINS', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({
      unit: fc.constantFrom('a', ' ', '\t', '\u0000', '\ud800', '\udc00', '🚚', '\u00a0'),
    }),
  );

  it.each([...PATTERN_TWINS.keys()])(
    '%s: the twin answers as the pattern in unicode mode',
    (source) => {
      const sut = PATTERN_TWINS.get(source)!;
      const pattern = new RegExp(source, 'u');
      fc.assert(
        fc.property(text, (value) =>
          expect({ value, ok: sut(value) }).toEqual({ value, ok: pattern.test(value) }),
        ),
        { numRuns: 20000 },
      );
    },
  );
});
