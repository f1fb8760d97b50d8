import { Readable } from 'node:stream';
import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  StreamableFile,
  Type,
} from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JsonBody } from './json-body';

export const NDJSON = 'application/x-ndjson';

/** true when the Accept header lists application/x-ndjson (and does not give it q=0) */
export function acceptsNdjson(accept: string | string[] | undefined): boolean {
  const ranges = (Array.isArray(accept) ? accept.join(',') : (accept ?? '')).split(',');
  return ranges.some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    return type === NDJSON && !params.some((param) => /^q=0(\.0{0,3})?$/.test(param));
  });
}

/** `@AcceptsNdjson() ndjson: boolean`: the caller asked for newline-delimited JSON */
export const AcceptsNdjson = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): boolean =>
    acceptsNdjson(ctx.switchToHttp().getRequest<FastifyRequest>().headers.accept),
);

/** `@ClientSignal() signal: AbortSignal`: aborts when the response closes, e.g. the client went away */
export const ClientSignal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AbortSignal => {
    const controller = new AbortController();
    ctx
      .switchToHttp()
      .getResponse<FastifyReply>()
      .raw.once('close', () => controller.abort());
    return controller.signal;
  },
);

/**
 * Documents a route that answers a JSON page, or with `Accept: application/x-ndjson` a stream of
 * items, one per line: each media type gets its own schema (the page is not what a line holds).
 */
export function ApiPageOrNdjson(
  page: Type<unknown>,
  item: Type<unknown>,
  description: string,
): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(page, item),
    ApiOkResponse({
      description: `${description}. application/json: one page; ${NDJSON}: one ${item.name} per line (each line is the schema given), no page limit`,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(page) } },
        [NDJSON]: { schema: { $ref: getSchemaPath(item) } },
      },
    }),
  );
}

/** a page of an NDJSON stream: its items one a line, as JsonBody writes them */
export function ndjsonPage(expectedItems: number): JsonBody {
  return new JsonBody('', expectedItems, 0x0a);
}

/**
 * Pages of items (ndjsonPage) as an NDJSON response, one chunk per page. The first page is read
 * before the response starts, so a failing database still gets an error status; afterwards the
 * stream is pulled only as fast as the client reads.
 */
export function ndjsonResponse(pages: AsyncIterator<JsonBody>): Promise<StreamableFile> {
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for (let page = await pages.next(); !page.done; page = await pages.next()) {
        if (page.value.items > 0) yield page.value.bytes('\n');
      }
    } finally {
      await pages.return?.();
    }
  }
  return streamedResponse(chunks(), NDJSON);
}

/**
 * Text chunks as a response body with backpressure: Readable.from asks for the next chunk only
 * when the socket has drained the last, and Nest destroys it (ending the generator) when the client
 * goes away. The first chunk is awaited before the status line is sent.
 */
export async function streamedResponse(
  chunks: AsyncGenerator<string | Buffer>,
  type: string,
  disposition?: string,
): Promise<StreamableFile> {
  const first = await chunks.next();
  async function* all(): AsyncGenerator<string | Buffer> {
    if (first.done) return;
    yield first.value;
    yield* chunks;
  }
  const stream = Readable.from(all());
  // a stream destroyed before its first read never starts `all`, so close the source here too
  stream.once('close', () => void chunks.return(undefined).catch(() => undefined));
  return new StreamableFile(stream, { type, disposition });
}
