import { expect } from '@jest/globals';
import { Test } from '@nestjs/testing';
import { VehicleTelemetryV1Contract, VIN_PATTERN } from '@app/contracts';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { HttpErrorFilter } from '@app/platform';
import { ApiKeyGuard, QUERY_API_DESCRIPTION, queryDocument, RecordQueryService } from '@app/query';
import { VehicleDataController } from '../vehicle-data/vehicle-data.controller';
import { MOBWAY_CATALOGUE } from '../vehicle-data/mobway.catalogue';
import { VehicleDataService } from '../vehicle-data/vehicle-data.service';
import { VehiclesController } from './vehicles.controller';

const KEY = 'unit-query-key-0123456789';
const VIN = '9BWZZZ377VT004251';

/** records which service method a route reached, with what */
class FakeRecords {
  calls: unknown[][] = [];
  entities(query: unknown) {
    this.calls.push(['entities', query]);
    return Promise.resolve({ items: [], nextCursor: null });
  }
  latest(vin: string) {
    this.calls.push(['latest', vin]);
    return Promise.resolve({ vin });
  }
  range(vin: string, query: unknown, format: unknown) {
    this.calls.push(['range', vin, query, format]);
    return Promise.resolve({ items: [], nextCursor: null });
  }
  changes(query: unknown, format: { ndjson: boolean }) {
    this.calls.push(['changes', query, format.ndjson]);
    return Promise.resolve({ items: [], nextCursor: '0', hasMore: false });
  }
  gaps(vin: string, query: unknown) {
    this.calls.push(['gaps', vin, query]);
    return Promise.resolve({ gaps: [] });
  }
  async *pages() {}
}

describe('vehicle query routes', () => {
  let app: NestFastifyApplication;
  let records: FakeRecords;
  const get = (url: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) =>
    app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    records = new FakeRecords();
    const module = await Test.createTestingModule({
      controllers: [VehiclesController, VehicleDataController],
      providers: [
        { provide: RecordQueryService, useValue: records },
        {
          provide: AppConfig,
          useValue: { query: { apiKeys: [KEY], vehicleDataMaxWindowDays: 31 } },
        },
        ApiKeyGuard,
        VehicleDataService,
      ],
    }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    app.useGlobalFilters(new HttpErrorFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app.close());
  beforeEach(() => (records.calls = []));

  it('routes telemetry/changes to the feed, never to a VIN', async () => {
    const res = await get('/v1/vehicles/telemetry/changes?after=5&waitSeconds=1');
    expect(res.statusCode).toBe(200);
    expect(records.calls).toEqual([['changes', { after: '5', limit: 500, waitSeconds: 1 }, false]]);
  });

  it('normalizes the VIN and converts the query', async () => {
    const res = await get(`/v1/vehicles/%20${VIN.toLowerCase()}/telemetry?limit=1000`, {
      authorization: `Bearer ${KEY}`,
      accept: 'application/x-ndjson',
    });
    expect(res.statusCode).toBe(200);
    expect(records.calls).toEqual([['range', VIN, { limit: 1000 }, 'ndjson']]);
  });

  it.each([
    ['?format=csv', undefined, 'csv', { format: 'csv' }],
    ['?format=gpx', 'text/csv', 'gpx', { format: 'gpx' }],
    ['?format=json', 'application/x-ndjson', 'json', { format: 'json' }],
    ['', 'application/geo+json', 'geojson', {}],
    ['', 'application/json, application/gpx+xml;q=0.5', 'gpx', {}],
    ['', 'text/csv;q=0.4, application/geo+json;q=0.8', 'geojson', {}],
    ['', 'text/*', 'csv', {}],
    ['', '*/*', 'json', {}],
    ['', 'text/html,application/xhtml+xml,*/*;q=0.8', 'json', {}],
    ['', undefined, 'json', {}],
  ])('telemetry%s with Accept %p answers as %s', async (search, accept, format, query) => {
    const res = await get(`/v1/vehicles/${VIN}/telemetry${search}`, {
      authorization: `Bearer ${KEY}`,
      ...(accept && { accept }),
    });
    expect(res.statusCode).toBe(200);
    expect(records.calls).toEqual([['range', VIN, { limit: 500, ...query }, format]]);
  });

  it('answers 406 to an Accept no format matches, and 400 to an unknown format whatever Accept says', async () => {
    const refused = await get(`/v1/vehicles/${VIN}/telemetry`, {
      authorization: `Bearer ${KEY}`,
      accept: 'application/xml, text/csv;q=0',
    });
    expect(refused.statusCode).toBe(406);
    expect(refused.json()).toMatchObject({ status: 'error', statusCode: 406 });
    const unknown = await get(`/v1/vehicles/${VIN}/telemetry?format=kml`, {
      authorization: `Bearer ${KEY}`,
      accept: 'text/csv',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      details: ['format must be one of the following values: json, ndjson, csv, geojson, gpx'],
    });
    expect(records.calls).toEqual([]);
  });

  it.each([
    ['/v1/vehicles', 'entities'],
    [`/v1/vehicles/${VIN}/latest`, 'latest'],
    [`/v1/vehicles/${VIN}/gaps`, 'gaps'],
  ])('%s reaches %s', async (url, method) => {
    expect((await get(url)).statusCode).toBe(200);
    expect(records.calls[0][0]).toBe(method);
  });

  it.each([
    ['no header', {}],
    ['a wrong key', { authorization: 'Bearer not-the-key-at-all-000' }],
    ['the key without Bearer', { authorization: KEY }],
  ])('answers 401 with %s, before validating anything', async (_case, headers) => {
    const res = await get('/v1/vehicles/NOT-A-VIN/telemetry?limit=0', headers);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(records.calls).toEqual([]);
  });

  it.each([
    [
      '/v1/vehicles/9BWZZZ377VT00425I/latest',
      'vin must be 17 characters of the VIN alphabet (no I, O, Q)',
    ],
    [`/v1/vehicles/${VIN}/telemetry?limit=0`, 'limit must not be less than 1'],
    [
      `/v1/vehicles/${VIN}/telemetry?from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z`,
      'from must not be after to',
    ],
    [`/v1/vehicles/${VIN}/telemetry?cursor=abc`, 'cursor is malformed'],
    [`/v1/vehicles/${VIN}/telemetry?foo=1`, 'property foo should not exist'],
    [`/v1/vehicles/${VIN}/telemetry?limit=abc`, 'limit must be an integer number'],
    [
      `/v1/vehicles/${VIN}/telemetry?from=0000-01-01T00:00:00Z`,
      'from must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z',
    ],
    [
      `/v1/vehicles/${VIN}/telemetry?from=2025-03-01T00:00:00%2B23:59`,
      'from must have a time zone offset between -15:59 and +15:59',
    ],
    [
      `/v1/vehicles/${VIN}/gaps?to=2025-03-01T00:00:00%2B23:59`,
      'to must have a time zone offset between -15:59 and +15:59',
    ],
    [
      '/v1/vehicles/9BWZZZ377VT00425%00/latest',
      'vin must be 17 characters of the VIN alphabet (no I, O, Q)',
    ],
    [
      `/v1/vehicles?cursor=${Buffer.from(JSON.stringify(['V\u0000'])).toString('base64url')}`,
      'cursor is malformed',
    ],
  ])('%s → 400 %p, one message in the one error shape', async (url, message) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      status: 'error',
      statusCode: 400,
      error: 'Bad Request',
      message,
      details: [message],
    });
    expect(records.calls).toEqual([]);
  });

  it.each([
    [
      'a text/plain body',
      'text/plain',
      'vins=9BWZZZ377VT004251',
      400,
      'vins must be a list of VINs',
    ],
    ['malformed JSON', 'application/json', '{"vins": [', 400, expect.any(String)],
    ['an unsupported content type', 'application/xml', '<vins/>', 415, 'Unsupported Media Type'],
  ])(
    'answers %s to /vehicle-data in the one error shape',
    async (_, type, payload, statusCode, message) => {
      const res = await app.inject({
        method: 'POST',
        url: '/vehicle-data',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': type },
        payload,
      });
      expect(res.statusCode).toBe(statusCode);
      expect(res.json()).toEqual(
        expect.objectContaining({
          status: 'error',
          statusCode,
          error: expect.any(String),
          message,
        }),
      );
      if (statusCode === 400 && type === 'text/plain')
        expect(res.json<{ details: unknown }>().details).toEqual([message]);
    },
  );

  it('answers an unknown route and a missing key in the one error shape', async () => {
    expect((await get('/v2/nothing')).json()).toEqual({
      status: 'error',
      statusCode: 404,
      error: 'Not Found',
      message: 'Cannot GET /v2/nothing',
    });
    expect((await get('/v1/vehicles', {})).json()).toEqual({
      status: 'error',
      statusCode: 401,
      error: 'Unauthorized',
      message: expect.stringContaining('Bearer'),
    });
  });

  it('answers POST /vehicle-data with 200 and JSON keyed by VIN', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/vehicle-data',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { vins: [VIN] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ [VIN]: [] });
  });

  // serving /docs is covered end to end: @fastify/static pulls an ES module jest cannot load
  it('documents every route, the bearer scheme and the NDJSON alternative', () => {
    const document = queryDocument(app, { title: 't', description: QUERY_API_DESCRIPTION });
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/vehicles',
        '/v1/vehicles/telemetry/changes',
        '/v1/vehicles/{vin}/latest',
        '/v1/vehicles/{vin}/telemetry',
        '/v1/vehicles/{vin}/gaps',
        '/vehicle-data',
      ]),
    );
    expect(document.components?.securitySchemes?.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.stringContaining('opaque'),
    });
    const telemetry = document.paths['/v1/vehicles/{vin}/telemetry'].get!;
    const ok = telemetry.responses['200'] as {
      content: Record<string, { schema: object }>;
      headers: object;
    };
    expect(Object.keys(ok.content)).toEqual([
      'application/json',
      'application/x-ndjson',
      'text/csv',
      'application/geo+json',
      'application/gpx+xml',
    ]);
    expect(ok.content).toMatchObject({
      'application/json': { schema: { $ref: '#/components/schemas/VehicleTelemetryPageDto' } },
      'application/x-ndjson': { schema: { $ref: '#/components/schemas/VehicleTelemetryDto' } },
    });
    // each GeoJSON point's properties are the record
    expect(JSON.stringify(ok.content['application/geo+json'])).toContain(
      '"properties":{"$ref":"#/components/schemas/VehicleTelemetryDto"}',
    );
    expect(ok.headers).toHaveProperty('Content-Disposition');
    expect(telemetry.responses).toHaveProperty('406');
    const changes = document.paths['/v1/vehicles/telemetry/changes'].get!;
    expect(
      (changes.responses['200'] as { content: Record<string, unknown> }).content[
        'application/x-ndjson'
      ],
    ).toEqual({ schema: { $ref: '#/components/schemas/VehicleChangeDto' } });
    const errors = Object.values(document.paths).flatMap((path) =>
      Object.values(path).flatMap((op) =>
        Object.entries((op as { responses?: object }).responses ?? {}).filter(
          ([code]) => Number(code) >= 400,
        ),
      ),
    );
    expect(errors.map(([code]) => code)).toEqual(
      expect.arrayContaining(['400', '401', '404', '503']),
    );
    for (const [, response] of errors)
      expect(response).toMatchObject({
        content: {
          'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } },
        },
      });
    expect(document.components?.schemas?.ErrorResponseDto).toMatchObject({
      required: expect.arrayContaining(['status', 'statusCode', 'error', 'message']),
    });
    expect(telemetry.responses['503']).toMatchObject({
      headers: { 'Retry-After': expect.any(Object) },
    });
    expect(telemetry.parameters?.map((p) => ('name' in p ? p.name : ''))).toEqual(
      expect.arrayContaining(['vin', 'from', 'to', 'limit', 'cursor', 'format']),
    );
  });

  it('documents a record with the contract: every field, required, with its rules and example', () => {
    const document = queryDocument(app, { title: 't', description: QUERY_API_DESCRIPTION });
    const record = document.components?.schemas?.VehicleTelemetryDto as {
      required: string[];
      properties: Record<string, object>;
    };
    const fields = Object.keys(VehicleTelemetryV1Contract.properties);

    expect(Object.keys(record.properties)).toEqual(fields);
    expect(record.required).toEqual(fields);
    expect(record.properties.schema).toMatchObject({
      type: 'string',
      enum: ['vehicle-telemetry/v1'],
    });
    expect(record.properties.vin).toMatchObject({ type: 'string', pattern: VIN_PATTERN.source });
    expect(record.properties.fuelLevelPct).toEqual({
      description: 'Fuel level in percent of tank capacity.',
      type: 'number',
      nullable: true,
      minimum: 0,
      maximum: 100,
      example: 57,
    });
    expect(record.properties.attributes).toMatchObject({
      type: 'object',
      additionalProperties: true,
    });
    expect(document.components?.schemas?.VehicleChangeDto).toMatchObject({
      required: [...fields, 'seq'],
    });
  });

  it("documents /vehicle-data's date forms, window and every mobway catalogue datapoint of the answer", () => {
    const document = queryDocument(app, { title: 't', description: QUERY_API_DESCRIPTION });
    const operation = document.paths['/vehicle-data'].post!;
    const ok = (
      operation.responses['200'] as unknown as {
        content: {
          'application/json': {
            schema: { additionalProperties: { items: { properties: object } } };
          };
        };
      }
    ).content['application/json'].schema;
    expect(Object.keys(ok.additionalProperties.items.properties)).toEqual([
      'vin',
      'date_time',
      ...MOBWAY_CATALOGUE.map(({ name }) => name),
      'flag',
    ]);
    expect(JSON.stringify(document.components?.schemas?.VehicleDataRequestDto)).toContain(
      'yyyy-mm-ddThh:mm:ss-03:00',
    );
    expect(operation.description).toContain('VEHICLE_DATA_MAX_WINDOW_DAYS');
  });
});
