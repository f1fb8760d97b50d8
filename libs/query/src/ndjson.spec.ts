import { Readable } from 'node:stream';
import { JsonBody } from './json-body';
import { acceptsNdjson, ndjsonPage, ndjsonResponse, streamedResponse } from './ndjson';

function aPage(...items: string[]): JsonBody {
  const page = ndjsonPage(items.length);
  for (const item of items) page.item(item);
  return page;
}

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe(acceptsNdjson.name, () => {
  it.each([
    ['application/x-ndjson', true],
    ['application/json, application/x-ndjson;q=0.9', true],
    ['Application/X-NDJSON', true],
    [['text/plain', 'application/x-ndjson'], true],
    ['application/x-ndjson;q=0', false],
    ['application/x-ndjson; q=0.000', false],
    ['application/json', false],
    ['*/*', false],
    [undefined, false],
  ])('%p → %p', (accept, expected) => {
    expect(acceptsNdjson(accept)).toBe(expected);
  });
});

describe(ndjsonResponse.name, () => {
  it('writes one line per item, a page per chunk', async () => {
    // eslint-disable-next-line @typescript-eslint/require-await -- stands in for an async source, with nothing to wait for
    async function* pages(): AsyncGenerator<JsonBody> {
      yield aPage('{"a":1}', '{"a":2}');
      yield aPage();
      yield aPage('{"a":3}');
    }
    const sut = await ndjsonResponse(pages());
    expect(sut.getHeaders().type).toBe('application/x-ndjson');
    expect(await text(sut.getStream())).toBe('{"a":1}\n{"a":2}\n{"a":3}\n');
  });

  it('fails before responding when the first page fails', async () => {
    // eslint-disable-next-line require-yield, @typescript-eslint/require-await -- a source that fails at once
    async function* pages(): AsyncGenerator<JsonBody> {
      throw new Error('database down');
    }
    await expect(ndjsonResponse(pages())).rejects.toThrow('database down');
  });

  it('reads no further than the client: pages are pulled on demand and closed when the client leaves', async () => {
    let read = 0;
    let closed = false;
    // eslint-disable-next-line @typescript-eslint/require-await -- stands in for an async source, with nothing to wait for
    async function* pages(): AsyncGenerator<JsonBody> {
      try {
        for (;;) {
          read++;
          yield aPage(JSON.stringify({ big: 'x'.repeat(64 * 1024) }));
        }
      } finally {
        closed = true;
      }
    }
    const stream = (await ndjsonResponse(pages())).getStream();
    const reader = stream[Symbol.asyncIterator]();
    await reader.next();
    await reader.next();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Readable.from buffers at most its highWaterMark (16 chunks) ahead of the reader
    expect(read).toBeLessThan(25);
    stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(true);
  });
});

describe(streamedResponse.name, () => {
  it('closes the source when the response is dropped before the first read', async () => {
    let closed = false;
    // eslint-disable-next-line @typescript-eslint/require-await -- stands in for an async source, with nothing to wait for
    async function* chunks(): AsyncGenerator<string> {
      try {
        yield 'a';
        yield 'b';
      } finally {
        closed = true;
      }
    }
    (await streamedResponse(chunks(), 'text/plain')).getStream().destroy();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(true);
  });

  it('sends an empty body for no chunks', async () => {
    async function* none(): AsyncGenerator<string> {}
    expect(await text((await streamedResponse(none(), 'application/json')).getStream())).toBe('');
  });
});
