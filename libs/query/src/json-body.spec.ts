import { StreamableFile } from '@nestjs/common';
import { JsonBody } from './json-body';

async function bytes(file: StreamableFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of file.getStream()) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function page(
  items: unknown[],
  expectedItems: number,
): Promise<{ body: Buffer; file: StreamableFile }> {
  const sut = new JsonBody('{"items":[', expectedItems);
  for (const item of items) sut.item(JSON.stringify(item));
  const file = sut.end(`],"nextCursor":${JSON.stringify(null)}}`);
  return { body: await bytes(file), file };
}

describe(JsonBody.name, () => {
  it('writes the bytes JSON.stringify gives for the whole page, sized and typed', async () => {
    const items = [
      { a: 1, s: 'plain' },
      { a: 2.5, s: 'ção — "quoted" \u0001 \ud83d\ude97' },
      { a: null, s: '' },
    ];
    const { body, file } = await page(items, 3);
    expect(body.toString()).toBe(JSON.stringify({ items, nextCursor: null }));
    expect(file.getHeaders()).toMatchObject({
      type: 'application/json; charset=utf-8',
      length: body.length,
    });
  });

  it('holds an empty page', async () => {
    expect((await page([], 1000)).body.toString()).toBe('{"items":[],"nextCursor":null}');
  });

  it('grows past its estimate when later items are larger', async () => {
    const items = [
      { s: 'x' },
      ...Array.from({ length: 50 }, (_, i) => ({ i, s: 'é'.repeat(5000) })),
    ];
    expect((await page(items, 2)).body.toString()).toBe(
      JSON.stringify({ items, nextCursor: null }),
    );
  });

  it('counts its items', () => {
    const sut = new JsonBody('[', 2);
    sut.item('1');
    sut.item('2');
    expect(sut.items).toBe(2);
  });

  it.each([
    ['plain'],
    [''],
    ['say "hi"'],
    ['back\\slash'],
    ['\t\n\r\b\f\u0000\u001f\u007f'],
    ['ção — 🚗'],
    ['lone \ud83d surrogate'],
    ['x'.repeat(200)],
  ])('writes %p as the JSON string JSON.stringify makes', (text) => {
    const sut = new JsonBody('', 1);
    sut.string(text);
    expect(sut.bytes('').toString()).toBe(JSON.stringify(text));
  });

  it('writes text, or a part of it, as UTF-8, short or long', () => {
    const sut = new JsonBody('', 1);
    const long = `${'é'.repeat(100)}🚗`;
    sut.text('ascii ');
    sut.text('ção ');
    sut.text(long);
    sut.text('<abcdef>', 1, 4);
    sut.text(long, 98, 102);
    expect(sut.bytes('').toString()).toBe(`ascii ção ${long}abcéé🚗`);
  });

  it('writes an item in pieces, and takes back what was written after a size', () => {
    const sut = new JsonBody('[', 3);
    sut.beginItem();
    sut.raw(Buffer.from('"a'));
    const size = sut.size;
    sut.text('bc');
    sut.truncate(size);
    sut.byte(0x22);
    sut.item('2');
    expect(sut.bytes(']').toString()).toBe('["a",2]');
  });

  it('joins items with the separator it is given', () => {
    const sut = new JsonBody('', 2, 0x0a);
    sut.item('{"a":1}');
    sut.item('{"a":2}');
    expect(sut.bytes('\n').toString()).toBe('{"a":1}\n{"a":2}\n');
  });

  it('grows while an item is written in pieces', () => {
    const sut = new JsonBody('', 1);
    sut.beginItem();
    for (let i = 0; i < 5000; i++) sut.text('abcdefgh');
    expect(sut.bytes('').toString()).toBe('abcdefgh'.repeat(5000));
  });
});
