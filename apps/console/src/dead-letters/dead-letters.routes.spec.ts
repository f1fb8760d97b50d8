import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { aDeadLetter } from '@app/contracts/testing';
import { HttpErrorFilter } from '@app/platform';
import { ApiKeyGuard, DatabaseUnavailableException, queryDocument } from '@app/query';
import {
  CONSUME_REDRIVER,
  INGEST_REDRIVER,
  IngestRedriveUnsupported,
} from './dead-letter.redriver';
import { DeadLetterRepository, StoredDeadLetter } from './dead-letter.repository';
import { DeadLetterService } from './dead-letter.service';
import { DeadLettersController } from './dead-letters.controller';

const KEY = 'unit-console-key-0123456789';

const STORED: StoredDeadLetter = {
  id: '5',
  kafka_partition: 1,
  kafka_offset: '40',
  schema: 'dead-letter/v1',
  stage: 'ingest',
  source: 'mobway',
  reasons: ['latitude must not be greater than 90'],
  reason_class: 'out_of_range',
  entity_id: '9BWZZZ377VT004251',
  request_id: 'req-1',
  record_topic: null,
  occurred_at: new Date('2025-03-01T13:00:02.130Z'),
  received_at: new Date('2025-03-01T13:00:02.200Z'),
  redrive_status: null,
  redriven_at: null,
  redrive_outcome: null,
  letter: JSON.stringify(aDeadLetter()),
};

/** the table: one letter; or away, when `down` */
class FakeRepository {
  down = false;
  private answer<T>(value: T): Promise<T> {
    return this.down
      ? Promise.reject(new DatabaseUnavailableException('connection refused'))
      : Promise.resolve(value);
  }
  list = () => this.answer([STORED]);
  get = (id: string) => this.answer(id === STORED.id ? STORED : undefined);
  getMany = (ids: string[]) => this.answer(ids.includes(STORED.id) ? [STORED] : []);
  markPending = () => this.answer(undefined);
  recordOutcomes = () => this.answer(undefined);
}

describe('dead-letter routes', () => {
  let app: NestFastifyApplication;
  const repository = new FakeRepository();
  const auth = { authorization: `Bearer ${KEY}` };
  const get = (url: string, headers: Record<string, string> = auth) =>
    app.inject({ method: 'GET', url, headers });
  const redrive = (payload: string, headers: Record<string, string> = auth) =>
    app.inject({
      method: 'POST',
      url: '/v1/dead-letters/redrive',
      headers: { ...headers, 'content-type': 'application/json' },
      payload,
    });

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      controllers: [DeadLettersController],
      providers: [
        { provide: DeadLetterRepository, useValue: repository },
        { provide: AppConfig, useValue: { query: { apiKeys: [KEY] } } },
        { provide: CONSUME_REDRIVER, useClass: IngestRedriveUnsupported },
        { provide: INGEST_REDRIVER, useClass: IngestRedriveUnsupported },
        ApiKeyGuard,
        DeadLetterService,
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
  afterEach(() => (repository.down = false));

  it('lists, shows and re-drives with a key', async () => {
    const list = await get('/v1/dead-letters?source=mobway&limit=10');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      items: [
        {
          id: '5',
          stage: 'ingest',
          source: 'mobway',
          reasons: ['latitude must not be greater than 90'],
          reasonClass: 'out_of_range',
          entityId: '9BWZZZ377VT004251',
          requestId: 'req-1',
          recordTopic: null,
          occurredAt: '2025-03-01T13:00:02.130Z',
          receivedAt: '2025-03-01T13:00:02.200Z',
          kafka: { partition: 1, offset: '40' },
          redrive: null,
        },
      ],
      nextCursor: null,
    });
    const one = await get('/v1/dead-letters/5');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: '5', letter: aDeadLetter() });
    const redriven = await redrive('{"ids":[5,"6"]}');
    expect(redriven.statusCode).toBe(200);
    expect(redriven.json()).toEqual({
      results: [
        {
          id: '5',
          status: 'failed',
          outcome: expect.stringMatching(/^not yet supported/) as unknown,
        },
        { id: '6', status: 'not_found', outcome: 'no dead letter 6' },
      ],
    });
  });

  it('answers 401 without a valid key, on every route', async () => {
    for (const response of [
      await get('/v1/dead-letters', {}),
      await get('/v1/dead-letters/5', { authorization: 'Bearer wrong-key-0123456789' }),
      await redrive('{"ids":[5]}', {}),
    ]) {
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it.each([
    '/v1/dead-letters?limit=abc',
    '/v1/dead-letters?limit=1001',
    '/v1/dead-letters?stage=',
    '/v1/dead-letters?from=2025-02-30T00:00:00Z',
    '/v1/dead-letters?cursor=%00',
    '/v1/dead-letters?q=a&q=b',
    '/v1/dead-letters?source[a]=1',
    '/v1/dead-letters/0',
    '/v1/dead-letters/-1',
    '/v1/dead-letters/1e3',
    `/v1/dead-letters/${'9'.repeat(19)}`,
  ])('answers 400, never 500, to GET %s', async (url) => {
    const response = await get(url);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ statusCode: 400 });
  });

  it.each([
    '',
    '{',
    'null',
    '[]',
    '"ids"',
    '{"ids":null}',
    '{"ids":[{}]}',
    '{"ids":[5],"all":true}',
  ])('answers 400, never 500, to the re-drive body %s', async (payload) => {
    expect((await redrive(payload)).statusCode).toBe(400);
  });

  it('answers 404 for an unknown letter', async () => {
    const response = await get('/v1/dead-letters/77');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ message: 'no dead letter 77' });
  });

  it('answers 503 with Retry-After while PostgreSQL is away', async () => {
    repository.down = true;
    for (const response of [await get('/v1/dead-letters'), await redrive('{"ids":[5]}')]) {
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
    }
  });

  it('documents the three routes in OpenAPI, each behind the bearer key', () => {
    const doc = queryDocument(app, { title: 't', description: 'd' });
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/dead-letters',
      '/v1/dead-letters/redrive',
      '/v1/dead-letters/{id}',
    ]);
    const list = doc.paths['/v1/dead-letters'].get!;
    expect(list.parameters?.map((p) => ('name' in p ? p.name : '')).sort()).toEqual([
      'cursor',
      'entity_id',
      'from',
      'limit',
      'q',
      'reason_class',
      'redrive_status',
      'source',
      'stage',
      'to',
    ]);
    for (const operation of [
      list,
      doc.paths['/v1/dead-letters/redrive'].post!,
      doc.paths['/v1/dead-letters/{id}'].get!,
    ]) {
      expect(operation.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(operation.responses)).toEqual(
        expect.arrayContaining(['200', '400', '401', '503']),
      );
    }
  });
});
