import { StreamableFile } from '@nestjs/common';
import { JsonBody } from './json-body';

async function bytes(file: StreamableFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of file.getStream()) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function page(items: unknown[], expectedItems: number): Promise<{ body: Buffer; file: StreamableFile }> {
  const sut = new JsonBody('{"items":[', expectedItems);
  for (const item of items) sut.item(JSON.stringify(item));
  const file = sut.end(`],"nextCursor":${JSON.stringify(null)}}`);
  return { body: await bytes(file), file };
}

describe(JsonBody.name, () => {
  it('writes the bytes JSON.stringify gives for the whole page, sized and typed', async () => {
    const items = [{ a: 1, s: 'plain' }, { a: 2.5, s: 'ção — "quoted" \u0001 \ud83d\ude97' }, { a: null, s: '' }];
    const { body, file } = await page(items, 3);
    expect(body.toString()).toBe(JSON.stringify({ items, nextCursor: null }));
    expect(file.getHeaders()).toMatchObject({ type: 'application/json; charset=utf-8', length: body.length });
  });

  it('holds an empty page', async () => {
    expect((await page([], 1000)).body.toString()).toBe('{"items":[],"nextCursor":null}');
  });

  it('grows past its estimate when later items are larger', async () => {
    const items = [{ s: 'x' }, ...Array.from({ length: 50 }, (_, i) => ({ i, s: 'é'.repeat(5000) }))];
    expect((await page(items, 2)).body.toString()).toBe(JSON.stringify({ items, nextCursor: null }));
  });

  it('counts its items', () => {
    const sut = new JsonBody('[', 2);
    sut.item('1');
    sut.item('2');
    expect(sut.items).toBe(2);
  });
});
