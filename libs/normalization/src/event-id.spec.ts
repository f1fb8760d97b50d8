import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson, EVENT_ID_NAMESPACE, eventIdFor, uuidV5 } from './event-id';
import { MobwayNormalizer } from './mobway.normalizer';
import { WeguardNormalizer } from './weguard.normalizer';
import { oracleCanonicalJson, oracleEventIdFor, oracleUuidV5 } from './testing/event-id.oracle';

describe(eventIdFor.name, () => {
  const sut = eventIdFor;
  const reading = {
    vin: '9BWZZZ377VT004251',
    speed: 62.5,
    flag: { speed: null, b: [1, { y: 1, x: 2 }] },
  };

  it('is a version 5 UUID', () => {
    expect(sut('mobway', 'V', '2025-03-01T13:00:00.000Z', reading)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('is stable across releases (changing it breaks deduplication of redelivered readings)', () => {
    expect(sut('mobway', '9BWZZZ377VT004251', '2025-03-01T13:00:00.000Z', reading)).toBe(
      'c5e54619-2b53-5c96-8808-e9f778a1b38a',
    );
  });

  it('ignores key order at every level', () => {
    const reordered = {
      flag: { b: [1, { x: 2, y: 1 }], speed: null },
      speed: 62.5,
      vin: '9BWZZZ377VT004251',
    };

    expect(sut('mobway', 'V', 'T', reordered)).toBe(sut('mobway', 'V', 'T', reading));
  });

  it.each<[string, Parameters<typeof eventIdFor>]>([
    ['source', ['acme', 'V', 'T', reading]],
    ['entity id', ['mobway', 'W', 'T', reading]],
    ['recordedAt', ['mobway', 'V', 'U', reading]],
    ['a value', ['mobway', 'V', 'T', { ...reading, speed: 62.50001 }]],
    [
      'array order',
      ['mobway', 'V', 'T', { ...reading, flag: { speed: null, b: [{ y: 1, x: 2 }, 1] } }],
    ],
    ['a type', ['mobway', 'V', 'T', { ...reading, speed: '62.5' }]],
  ])('changes with the %s', (_case, args) => {
    expect(sut(...args)).not.toBe(sut('mobway', 'V', 'T', reading));
  });

  // computed before the key-shape cache went in: however the id is computed, these must not change
  it.each([
    [
      'mobway.json',
      'mobway',
      new MobwayNormalizer(),
      [
        'bdb4e9f8-f1dc-53d0-bd14-77a42a341dbe',
        'a5a0913d-fb53-54dc-b7b1-ad1111038074',
        '05beb2e8-96c3-5b8c-b38b-106cdd06d0db',
        'dfbee592-e7a8-534b-9446-453ab483d15e',
        'cc628322-375b-5f83-a53e-f03a59958c2a',
        'b7cee1d2-5784-5b86-8ff3-6ce039dac846',
        'adfe0889-af69-5402-a1da-fe1b0bbafc14',
        '39cb7c8a-59f8-5343-a624-0fefa493c143',
        'b0befdcc-331e-54a3-a075-4a29747f4042',
        'bae25c61-d650-5101-a247-075a623ed689',
      ],
    ],
    [
      'weguard.json',
      'weguard',
      new WeguardNormalizer(),
      [
        '47a8cd88-fa97-5ac8-a197-98ff3f25dcf6',
        'b080057d-b6b8-59e0-a6b7-18799f7b3fa1',
        '1a78709e-bddb-5d84-a602-a1c46b5d10aa',
      ],
    ],
  ])('keeps the ids of samples/%s', (sample, source, normalizer, ids) => {
    const payload = JSON.parse(
      readFileSync(join(__dirname, '../../../samples', sample), 'utf8'),
    ) as unknown;
    // twice: the second pass goes through the cached key shapes
    for (let pass = 0; pass < 2; pass++)
      expect(
        normalizer
          .normalize(payload, { source, receivedAt: new Date('2025-03-01T13:00:00Z') })
          .records.map((r) => r.eventId),
      ).toEqual(ids);
  });

  it('cannot be forged by moving text between its parts', () => {
    expect(sut('mob', 'way', 'T', reading)).not.toBe(sut('mobw', 'ay', 'T', reading));
  });
});

describe(uuidV5.name, () => {
  it('matches the RFC / Python reference for python.org in the DNS namespace', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  // the name is written into a 16 KiB scratch buffer: names that fill it, or overflow it in the
  // middle of a multi-byte character, hash whole
  it.each([
    ['ASCII', 'a'],
    ['2-byte', 'é'],
    ['3-byte', '€'],
    ['4-byte', '😀'],
  ])('hashes %s names around the scratch buffer size whole', (_case, unit) => {
    const namespace = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    const reference = (name: string): string => {
      const hex = createHash('sha1')
        .update(
          Buffer.concat([
            Buffer.from(namespace.replace(/-/g, ''), 'hex'),
            Buffer.from(name, 'utf8'),
          ]),
        )
        .digest('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${'89ab89ab89ab89ab'[parseInt(hex[16], 16)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    };
    const unitBytes = Buffer.byteLength(unit);
    for (let bytes = 16 * 1024 - 16 - 12; bytes <= 16 * 1024 - 16 + 12; bytes++) {
      const name = 'x'.repeat(bytes % unitBytes) + unit.repeat(Math.floor(bytes / unitBytes));
      expect(uuidV5(name, namespace)).toBe(reference(name));
    }
  });
});

describe(canonicalJson.name, () => {
  it.each([
    [
      { b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } },
      '{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}',
    ],
    [{ a: undefined, b: () => 1, c: 'x' }, '{"c":"x"}'],
    [[undefined, NaN, -0, Infinity], '[null,null,0,null]'],
    [10n, '"10"'],
    ['"quoted"\n', '"\\"quoted\\"\\n"'],
    [JSON.parse('{"__proto__":1,"constructor":2}'), '{"__proto__":1,"constructor":2}'],
  ])('writes %p as %s', (value, json) => {
    expect(canonicalJson(value)).toBe(json);
  });
});

describe(`${canonicalJson.name} against a plain reference`, () => {
  // the definition: JSON.stringify with every object's keys sorted by UTF-16 code unit
  const reference = (value: unknown): string =>
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
    );

  it('agrees on many readings sharing, reordering and outnumbering the cached key shapes', () => {
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const names = [
      'vin',
      'speed',
      'b',
      'a',
      'Z',
      'é',
      'ß',
      '"q"',
      'date_time',
      'flag',
      'x1',
      'x10',
      'x2',
      '',
      '__proto__',
    ];
    const valueOf = (depth: number): unknown => {
      const pick = random();
      if (depth < 2 && pick < 0.15) return objectOf(depth + 1);
      if (depth < 2 && pick < 0.25) return [valueOf(depth + 1), valueOf(depth + 1)];
      if (pick < 0.5) return Math.round(random() * 1e6) / 100;
      if (pick < 0.6) return null;
      if (pick < 0.65) return random() < 0.5;
      return names[Math.floor(random() * names.length)] + '\n✓'.repeat(Math.floor(random() * 2));
    };
    const objectOf = (depth: number): Record<string, unknown> => {
      const keys = names.filter(() => random() < 0.5);
      if (random() < 0.5) keys.reverse();
      return JSON.parse(
        `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(valueOf(depth))}`).join(',')}}`,
      ) as Record<string, unknown>;
    };
    for (let i = 0; i < 2000; i++) {
      const reading = objectOf(0);
      expect(canonicalJson(reading)).toBe(reference(reading));
    }
  });

  it('skips undefined fields in a cached shape', () => {
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    expect(canonicalJson({ b: undefined, a: 2 })).toBe('{"a":2}');
    expect(canonicalJson({ b: 1, a: undefined })).toBe('{"b":1}');
  });
});

describe('event ids of large readings', () => {
  it('are the UUIDv5 of the whole canonical JSON, beyond the reused buffer and after it', () => {
    const big = { text: 'ü✓'.repeat(20_000), list: Array.from({ length: 3000 }, (_, i) => i / 7) };
    const json = canonicalJson(['s', 'e', 't', big]);
    expect(json.length).toBeGreaterThan(60_000);
    expect(eventIdFor('s', 'e', 't', big)).toBe(uuidV5(json, EVENT_ID_NAMESPACE));
    expect(
      eventIdFor('mobway', '9BWZZZ377VT004251', '2025-03-01T13:00:00.000Z', {
        vin: '9BWZZZ377VT004251',
        speed: 62.5,
        flag: { speed: null, b: [1, { y: 1, x: 2 }] },
      }),
    ).toBe('c5e54619-2b53-5c96-8808-e9f778a1b38a');
  });
});

describe(`${eventIdFor.name} against the ids already stored (a frozen copy of the 2026-12-03 implementation)`, () => {
  // keys readings really carry, the ones that trip naive code, and a few to outnumber the key-shape cache
  const key = fc.oneof(
    fc.constantFrom(
      'vin',
      'date_time',
      'speed',
      'flag',
      'value',
      '__proto__',
      'constructor',
      'toString',
      '',
      'é',
      'Z',
      '10',
      '2',
      '"q"',
      'a\\b',
      '\u2028',
    ),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'grapheme', maxLength: 4 }),
  );
  const leaf = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.constantFrom(0, -0, 1e21, 5e-7, Number.MAX_VALUE, Number.MIN_VALUE),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.boolean(),
    fc.constant(null),
  );
  // objects built from entries, so `__proto__` is an ordinary field as JSON.parse makes it
  const json = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 4 }),
      fc
        .uniqueArray(fc.tuple(key, tie('value')), { selector: ([k]) => k, maxLength: 8 })
        .map((entries) => {
          const object: Record<string, unknown> = {};
          for (const [k, v] of entries)
            Object.defineProperty(object, k, {
              value: v,
              enumerable: true,
              writable: true,
              configurable: true,
            });
          return object;
        }),
    ),
  })).value;
  const text = fc.string({ unit: 'binary', maxLength: 24 });

  it('gives every JSON reading the id it was given before', () => {
    fc.assert(
      fc.property(text, text, text, json, (source, entityId, recordedAt, reading) => {
        expect(eventIdFor(source, entityId, recordedAt, reading)).toBe(
          oracleEventIdFor(source, entityId, recordedAt, reading),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('writes every value, JSON or not, as before', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withSparseArray: true,
          withTypedArray: true,
          withObjectString: true,
        }),
        (value) => {
          expect(canonicalJson(value)).toBe(oracleCanonicalJson(value));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives mobway-shaped readings, their keys in any order, the ids they were given before', () => {
    const reading = fc
      .record({
        vin: fc.constantFrom('9BWZZZ377VT004251', '9bwzzz377vt004251 '),
        date_time: fc.constantFrom('2025-03-01 10:00:00', '2025-12-31 23:59:59'),
        speed: fc.option(fc.double({ min: 0, max: 300, noNaN: true })),
        latitude: fc.double({ min: -90, max: 90, noNaN: true }),
        longitude: fc.double({ min: -180, max: 180, noNaN: true }),
        odometer: fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.string()),
        fuel_level: fc.option(fc.integer({ min: 0, max: 100 })),
        event: fc.option(fc.oneof(fc.string(), fc.integer())),
        seat_belt_status: fc.string({ unit: 'grapheme' }),
        flag: fc.dictionary(fc.string(), fc.record({ value: fc.integer(), flag: fc.string() })),
      })
      .chain((fields) =>
        fc.shuffledSubarray(Object.keys(fields), { minLength: 1 }).map((keys) => {
          const shuffled: Record<string, unknown> = {};
          for (const k of keys) shuffled[k] = fields[k as keyof typeof fields];
          return shuffled;
        }),
      );
    fc.assert(
      fc.property(reading, (r) => {
        expect(eventIdFor('mobway', 'V', '2025-03-01T13:00:00.000Z', r)).toBe(
          oracleEventIdFor('mobway', 'V', '2025-03-01T13:00:00.000Z', r),
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('hashes any name, long ones included, as before', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.string({ unit: 'grapheme', minLength: 5000, maxLength: 9000 }),
        ),
        fc.uuid(),
        (name, namespace) => {
          expect(uuidV5(name, namespace)).toBe(oracleUuidV5(name, namespace));
        },
      ),
      { numRuns: 500 },
    );
  });
});
