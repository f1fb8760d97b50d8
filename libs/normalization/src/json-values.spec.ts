import fc from 'fast-check';
import { readingFault } from './json-values';
import { STORABLE_ODDITIES, UNSTORABLE_STRINGS } from './testing/unstorable';

describe(readingFault.name, () => {
  const sut = readingFault;

  it.each<[string, unknown, string]>([
    [
      'U+0000 in a value',
      { driver: 'a\u0000b' },
      'holds U+0000 (NUL) in a value at $.driver: PostgreSQL cannot store it',
    ],
    [
      'U+0000 in a key',
      { ['a\u0000']: 1 },
      'holds U+0000 (NUL) in a key at $["a\\u0000"]: PostgreSQL cannot store it',
    ],
    [
      'a lone surrogate deep in a list',
      { a: { b: [1, 'x', ['\ud800']] } },
      'holds an unpaired UTF-16 surrogate in a value at $.a.b[2][0]: PostgreSQL cannot store it',
    ],
    [
      'a lone surrogate in a nested key',
      { extra: { 'tag\udc00': true } },
      'holds an unpaired UTF-16 surrogate in a key at $.extra["tag\\udc00"]: PostgreSQL cannot store it',
    ],
    [
      'an overflowing number',
      { odometer: JSON.parse('1e400') as number },
      "holds a number outside float8's range (read as Infinity) at $.odometer: PostgreSQL cannot store it",
    ],
    [
      'an overflowing negative number in a list',
      { n: [JSON.parse('-1e400')] },
      "holds a number outside float8's range (read as -Infinity) at $.n[0]: PostgreSQL cannot store it",
    ],
    [
      'a key with spaces on the way',
      { 'my key': { x: '\u0000' } },
      'holds U+0000 (NUL) in a value at $["my key"].x: PostgreSQL cannot store it',
    ],
  ])('names %s and where it is', (_case, reading, fault) => {
    expect(sut(reading)).toBe(fault);
  });

  it('cuts a long key short in the path', () => {
    expect(sut({ ['k'.repeat(100)]: '\u0000' })).toBe(
      `holds U+0000 (NUL) in a value at $["${'k'.repeat(40)}…"]: PostgreSQL cannot store it`,
    );
  });

  it('finds every unstorable string, as a value and as a key, at any depth up to the limit', () => {
    const depth = fc.integer({ min: 0, max: 30 });
    fc.assert(
      fc.property(
        fc.constantFrom(...UNSTORABLE_STRINGS),
        depth,
        fc.boolean(),
        (text, levels, asKey) => {
          let reading: unknown = asKey ? { [text]: 1 } : { v: text };
          for (let i = 0; i < levels; i++) reading = i % 2 ? [reading] : { nested: reading };
          expect(sut(reading)).toMatch(
            /^holds (U\+0000 \(NUL\)|an unpaired UTF-16 surrogate) in a (key|value) at \$/,
          );
        },
      ),
    );
  });

  it('finds nothing in readings of storable text, finite numbers and the other JSON values', () => {
    const text = fc.oneof(fc.string(), fc.constantFrom(...STORABLE_ODDITIES));
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v')),
        fc.dictionary(text, tie('v')),
      ),
    })).v;
    fc.assert(
      fc.property(fc.dictionary(text, value), (reading) => expect(sut(reading)).toBeUndefined()),
      { numRuns: 2000 },
    );
  });

  it('refuses nesting past the limit, whatever it holds, before any JSON.stringify could overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];

    expect(sut({ deep })).toBe('is nested deeper than 32 levels');
    expect(sut([[['x']]], 2)).toBe('is nested deeper than 2 levels');
    expect(sut([['x']], 2)).toBeUndefined();
  });
});
