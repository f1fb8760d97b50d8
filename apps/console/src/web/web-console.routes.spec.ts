import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { HttpErrorFilter } from '@app/platform';
import { ApiKeyGuard } from '@app/query';
import { QueryForwardController } from './query-forward.controller';
import { QueryForwarder } from './query.forwarder';
import { UiAssets, UI_DIR_OVERRIDE } from './ui.assets';
import { UiController } from './ui.controller';
import { UPSTREAM_MAX_BYTES, UpstreamClient } from './upstream.client';

const KEY = 'unit-console-key-0123456789';

/** a stand-in vehicle consumer: answers by path, records what it was asked */
function fakeConsumer(): Promise<{ server: Server; url: string; asked: IncomingMessage[] }> {
  const asked: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    asked.push(req);
    if (req.url?.startsWith('/v1/vehicles/SLOW')) return void setTimeout(() => res.end('{}'), 800);
    if (req.url?.startsWith('/v1/vehicles/HUGE'))
      return void res.end(Buffer.alloc(UPSTREAM_MAX_BYTES + 1, 0x20));
    if (req.url?.startsWith('/v1/vehicles/NONE'))
      return void res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"status":"error","statusCode":404,"message":"no records"}');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ url: req.url }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        asked,
      }),
    ),
  );
}

describe('web console routes', () => {
  let app: NestFastifyApplication;
  let consumer: Awaited<ReturnType<typeof fakeConsumer>>;
  const auth = { authorization: `Bearer ${KEY}` };
  const get = (url: string, headers: Record<string, string> = auth) =>
    app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    consumer = await fakeConsumer();
    const dir = mkdtempSync(join(tmpdir(), 'console-ui-'));
    writeFileSync(join(dir, 'app.js'), 'console.log("console")');
    writeFileSync(join(dir, 'app.css'), 'body{}');
    const module = await Test.createTestingModule({
      controllers: [UiController, QueryForwardController],
      providers: [
        {
          provide: AppConfig,
          useValue: {
            query: { apiKeys: [KEY] },
            console: {
              upstreams: {
                gateway: 'http://127.0.0.1:9',
                vehicleConsumer: consumer.url,
                // nothing listens on the discard port
                locationConsumer: 'http://127.0.0.1:9',
              },
              upstreamTimeoutMs: 500,
            },
          },
        },
        { provide: UI_DIR_OVERRIDE, useValue: dir },
        ApiKeyGuard,
        UiAssets,
        UpstreamClient,
        QueryForwarder,
      ],
    }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    app.useGlobalFilters(new HttpErrorFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
    consumer.server.closeAllConnections();
    consumer.server.close();
  });
  beforeEach(() => (consumer.asked.length = 0));

  it('serves the page without a key, naming its files by digest, and the files cached for good', async () => {
    const page = await get('/', {});
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toMatch(
      /default-src 'none'; script-src 'self'/,
    );
    const src = /src="(\/ui\/app\.js\?v=[0-9a-f]{12})"/.exec(page.body)?.[1];
    expect(src).toBeDefined();

    const js = await get(src!, {});
    expect(js.statusCode).toBe(200);
    expect(js.body).toBe('console.log("console")');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const again = await get('/ui/app.js', { 'if-none-match': String(js.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect((await get('/ui/secrets.txt', {})).statusCode).toBe(404);
  });

  it('forwards the query routes with the key and the query, and relays the answer as it is', async () => {
    const res = await get('/v1/vehicles/9BWZZZ377VT004251/telemetry?from=2026-12-01T00:00:00Z');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      url: '/v1/vehicles/9BWZZZ377VT004251/telemetry?from=2026-12-01T00:00:00Z',
    });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(consumer.asked[0].headers.authorization).toBe(`Bearer ${KEY}`);

    const none = await get('/v1/vehicles/NONE/latest');
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ message: 'no records' });

    const ledger = await get('/v1/completeness/vehicle?source=mobway');
    expect(ledger.json()).toEqual({ url: '/v1/completeness?source=mobway' });
    expect((await get('/v1/completeness/parcel')).statusCode).toBe(400);
    // a dot segment would resolve to another route of the consumer (a raw request line can hold
    // one; inject normalizes it away, so the forwarder is asked directly)
    const forwarder = app.get(QueryForwarder);
    for (const path of ['/v1/vehicles/%2e%2E/latest', '/v1/devices/./gaps'])
      await expect(
        forwarder.forward('vehicleConsumer', path, { headers: {} } as never, {} as never),
      ).rejects.toThrow('an id may not be "." or ".."');
    expect(consumer.asked.map((r) => r.url)).not.toContainEqual(expect.stringMatching(/gaps|%2e/i));
  });

  it('refuses a call without a valid key before asking the consumer', async () => {
    expect((await get('/v1/vehicles', {})).statusCode).toBe(401);
    expect(
      (await get('/v1/vehicles', { authorization: 'Bearer wrong-key-0123456789' })).statusCode,
    ).toBe(401);
    expect(consumer.asked).toHaveLength(0);
  });

  it('answers 504 for a consumer too slow, 502 for one away or answering too much', async () => {
    const slow = await get('/v1/vehicles/SLOW/latest');
    expect(slow.statusCode).toBe(504);
    expect(slow.json()).toMatchObject({
      message: 'the vehicle consumer did not answer within 500 ms',
    });
    const away = await get('/v1/devices/356938035643809/latest');
    expect(away.statusCode).toBe(502);
    expect(away.json()).toMatchObject({ message: 'the location consumer cannot be reached' });
    const huge = await get('/v1/vehicles/HUGE/telemetry');
    expect(huge.statusCode).toBe(502);
    expect(huge.json()).toMatchObject({ message: expect.stringMatching(/larger than/) as unknown });
  });
});
