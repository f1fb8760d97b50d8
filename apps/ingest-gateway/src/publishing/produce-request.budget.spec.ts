import { messageBytes, splitToBudget } from './produce-request.budget';

const item = (bytes: number, key = 'k') => ({
  message: { key, value: Buffer.alloc(bytes), headers: { schema: 'x' } },
});

describe(splitToBudget.name, () => {
  it('keeps a request that fits in one chunk', () => {
    const items = [item(100), item(200)];
    expect(splitToBudget(items, { maxBytes: 10_000, maxRecords: 10 })).toEqual({
      chunks: [{ items, bytes: messageBytes(items[0].message) + messageBytes(items[1].message) }],
      oversized: [],
    });
  });

  it('cuts in order at the byte budget and at the record limit, never above either', () => {
    const items = Array.from({ length: 1000 }, (_, i) => item(i % 7 === 0 ? 5000 : 300, String(i)));
    const budget = { maxBytes: 64 * 1024, maxRecords: 100 };
    const { chunks, oversized } = splitToBudget(items, budget);
    expect(oversized).toEqual([]);
    expect(chunks.flatMap((c) => c.items)).toEqual(items);
    for (const chunk of chunks) {
      expect(chunk.bytes).toBeLessThanOrEqual(budget.maxBytes);
      expect(chunk.items.length).toBeLessThanOrEqual(budget.maxRecords);
      expect(chunk.bytes).toBe(chunk.items.reduce((n, i) => n + messageBytes(i.message), 0));
    }
    // full chunks: each was cut only because the next item did not fit
    for (let i = 0; i < chunks.length - 1; i++) {
      const next = messageBytes(chunks[i + 1].items[0].message);
      expect(
        chunks[i].bytes + next > budget.maxBytes || chunks[i].items.length === budget.maxRecords,
      ).toBe(true);
    }
  });

  it('hands back a message that cannot fit a request on its own and keeps the rest', () => {
    const huge = item(70 * 1024);
    const { chunks, oversized } = splitToBudget([item(10), huge, item(20)], {
      maxBytes: 64 * 1024,
      maxRecords: 10,
    });
    expect(oversized).toEqual([huge]);
    expect(chunks.flatMap((c) => c.items.map((i) => i.message.value.length))).toEqual([10, 20]);
  });
});

describe(messageBytes.name, () => {
  it('counts key, value and headers in bytes, with room for the record framing', () => {
    const plain = messageBytes({ key: 'k', value: 'v' });
    expect(messageBytes({ key: 'k', value: 'é' })).toBe(plain + 1);
    expect(messageBytes({ key: 'k', value: 'v', headers: { ab: 'cd' } })).toBeGreaterThan(
      plain + 4,
    );
    expect(plain).toBeGreaterThan(2);
  });
});
