import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { ApiKeyGuard, RecordQueryService } from '@app/query';
import { DevicesController } from './devices.controller';

const KEY = 'unit-query-key-0123456789';

describe('device query routes', () => {
  let app: NestFastifyApplication;
  const calls: unknown[][] = [];
  const records = {
    changes: (...args: unknown[]) => (
      calls.push(['changes', ...args.slice(0, 1)]),
      Promise.resolve({ items: [], nextCursor: '0', hasMore: false })
    ),
    range: (...args: unknown[]) => (
      calls.push(['range', ...args.slice(0, 3)]),
      Promise.resolve({ items: [], nextCursor: null })
    ),
    latest: (id: string) => (calls.push(['latest', id]), Promise.resolve({})),
    gaps: (id: string) => (calls.push(['gaps', id]), Promise.resolve({})),
    entities: () => (calls.push(['entities']), Promise.resolve({ items: [], nextCursor: null })),
  };
  const get = (url: string) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${KEY}` } });

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      controllers: [DevicesController],
      providers: [
        { provide: RecordQueryService, useValue: records },
        { provide: AppConfig, useValue: { query: { apiKeys: [KEY] } } },
        ApiKeyGuard,
      ],
    }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app.close());
  beforeEach(() => (calls.length = 0));

  it('routes locations/changes to the feed, never to a device', async () => {
    expect((await get('/v1/devices/locations/changes')).statusCode).toBe(200);
    expect(calls).toEqual([['changes', { after: '0', limit: 500, waitSeconds: 0 }]]);
  });

  it('decodes and trims a device id', async () => {
    expect((await get('/v1/devices/%20dev%2F1%20/locations?limit=2')).statusCode).toBe(200);
    expect(calls).toEqual([['range', 'dev/1', { limit: 2 }, 'json']]);
  });

  it.each([
    ['?format=gpx', {}, 'gpx'],
    ['', { accept: 'application/geo+json' }, 'geojson'],
    ['', { accept: 'text/csv' }, 'csv'],
  ])('answers locations%s %p as %s', async (search, headers, format) => {
    const res = await app.inject({
      method: 'GET',
      url: `/v1/devices/dev-1/locations${search}`,
      headers: { authorization: `Bearer ${KEY}`, ...headers },
    });
    expect(res.statusCode).toBe(200);
    expect(calls[0][3]).toBe(format);
  });

  it.each([
    ['/v1/devices', 'entities'],
    ['/v1/devices/dev-1/latest', 'latest'],
    ['/v1/devices/dev-1/gaps', 'gaps'],
  ])('%s reaches %s', async (url, method) => {
    expect((await get(url)).statusCode).toBe(200);
    expect(calls[0][0]).toBe(method);
  });

  it('answers 401 without a key', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/devices' })).statusCode).toBe(401);
  });
});
