import { canonicalJson, eventIdFor, uuidV5 } from './event-id';

describe(eventIdFor.name, () => {
  const sut = eventIdFor;
  const reading = { vin: '9BWZZZ377VT004251', speed: 62.5, flag: { speed: null, b: [1, { y: 1, x: 2 }] } };

  it('is a version 5 UUID', () => {
    expect(sut('mobway', 'V', '2025-03-01T13:00:00.000Z', reading)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is stable across releases (changing it breaks deduplication of redelivered readings)', () => {
    expect(sut('mobway', '9BWZZZ377VT004251', '2025-03-01T13:00:00.000Z', reading)).toBe('c5e54619-2b53-5c96-8808-e9f778a1b38a');
  });

  it('ignores key order at every level', () => {
    const reordered = { flag: { b: [1, { x: 2, y: 1 }], speed: null }, speed: 62.5, vin: '9BWZZZ377VT004251' };

    expect(sut('mobway', 'V', 'T', reordered)).toBe(sut('mobway', 'V', 'T', reading));
  });

  it.each<[string, Parameters<typeof eventIdFor>]>([
    ['source', ['acme', 'V', 'T', reading]],
    ['entity id', ['mobway', 'W', 'T', reading]],
    ['recordedAt', ['mobway', 'V', 'U', reading]],
    ['a value', ['mobway', 'V', 'T', { ...reading, speed: 62.50001 }]],
    ['array order', ['mobway', 'V', 'T', { ...reading, flag: { speed: null, b: [{ y: 1, x: 2 }, 1] } }]],
    ['a type', ['mobway', 'V', 'T', { ...reading, speed: '62.5' }]],
  ])('changes with the %s', (_case, args) => {
    expect(sut(...args)).not.toBe(sut('mobway', 'V', 'T', reading));
  });

  it('cannot be forged by moving text between its parts', () => {
    expect(sut('mob', 'way', 'T', reading)).not.toBe(sut('mobw', 'ay', 'T', reading));
  });
});

describe(uuidV5.name, () => {
  it('matches the RFC / Python reference for python.org in the DNS namespace', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
});

describe(canonicalJson.name, () => {
  it.each([
    [{ b: 1, a: { d: [3, { f: 1, e: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"b":1}'],
    [{ a: undefined, b: () => 1, c: 'x' }, '{"c":"x"}'],
    [[undefined, NaN, -0, Infinity], '[null,null,0,null]'],
    [10n, '"10"'],
    ['"quoted"\n', '"\\"quoted\\"\\n"'],
    [JSON.parse('{"__proto__":1,"constructor":2}'), '{"__proto__":1,"constructor":2}'],
  ])('writes %p as %s', (value, json) => {
    expect(canonicalJson(value)).toBe(json);
  });
});
