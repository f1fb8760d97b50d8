import { checkAgainstPublishedVector, expectedEventId, uuidV5 } from './independent-event-id';

describe('the audit’s own UUIDv5', () => {
  it('matches published vectors: RFC 9562 A.4 and Python’s uuid5 docs', () => {
    expect(() => checkAgainstPublishedVector()).not.toThrow();
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  it('gives the event id the pipeline documents for a reading (libs/normalization’s stability vector)', () => {
    const reading = {
      vin: '9BWZZZ377VT004251',
      speed: 62.5,
      flag: { speed: null, b: [1, { y: 1, x: 2 }] },
    };
    expect(
      expectedEventId('mobway', '9BWZZZ377VT004251', '2025-03-01T13:00:00.000Z', reading),
    ).toBe('c5e54619-2b53-5c96-8808-e9f778a1b38a');
  });

  it('ignores key order and keeps a __proto__ key', () => {
    const a = JSON.parse('{"b":1,"__proto__":{"x":1},"a":[{"d":1,"c":2}]}') as unknown;
    const b = JSON.parse('{"a":[{"c":2,"d":1}],"__proto__":{"x":1},"b":1}') as unknown;
    expect(expectedEventId('s', 'e', 't', a)).toBe(expectedEventId('s', 'e', 't', b));
    expect(expectedEventId('s', 'e', 't', a)).not.toBe(
      expectedEventId('s', 'e', 't', { a: [{ c: 2, d: 1 }], b: 1 }),
    );
  });
});
