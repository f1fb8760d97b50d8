import { Test } from '@nestjs/testing';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { HttpErrorFilter } from '@app/platform';
import { ApiKeyGuard, queryDocument } from '@app/query';
import { ReplayJob, ReplayRunner, ReplaySpec, SourceNormalizers, ZERO_COUNTERS } from '@app/replay';
import { ReplayService } from './replay.service';
import { ReplaysController } from './replays.controller';

const KEY = 'unit-console-key-0123456789';
const ID = '0b4d3c8e-7d0a-4f3e-9a57-2f1c9d7b6a10';

function aJob(spec: ReplaySpec, overrides: Partial<ReplayJob> = {}): ReplayJob {
  const at = new Date('2026-12-03T12:00:00.000Z');
  return {
    id: ID,
    ...spec,
    status: 'queued',
    checkpoints: {},
    counters: { ...ZERO_COUNTERS },
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** the runner's problem() is the real one; starting only records the spec */
class FakeRunner extends ReplayRunner {
  started: ReplaySpec[] = [];
  stored = new Map<string, ReplayJob>();
  constructor() {
    super(
      {} as never,
      {} as never,
      new SourceNormalizers([{ name: 'mobway', normalizer: 'mobway' }]),
      { maxWindowDays: 31, staleSeconds: 30 },
    );
  }
  override start(spec: ReplaySpec): Promise<ReplayJob> {
    this.started.push(spec);
    return Promise.resolve(aJob(spec));
  }
  override find(id: string): Promise<ReplayJob | undefined> {
    return Promise.resolve(this.stored.get(id));
  }
  override recent(): Promise<ReplayJob[]> {
    return Promise.resolve([...this.stored.values()]);
  }
}

describe('replay routes', () => {
  let app: NestFastifyApplication;
  let runner: FakeRunner;
  const auth = { authorization: `Bearer ${KEY}` };
  const post = (payload: unknown, headers: Record<string, string> = auth) =>
    app.inject({ method: 'POST', url: '/v1/replays', headers, payload: payload as object });

  beforeAll(async () => {
    runner = new FakeRunner();
    const module = await Test.createTestingModule({
      controllers: [ReplaysController],
      providers: [
        { provide: ReplayRunner, useValue: runner },
        { provide: AppConfig, useValue: { query: { apiKeys: [KEY] } } },
        ApiKeyGuard,
        ReplayService,
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
  beforeEach(() => (runner.started = []));

  it('starts a replay: 202 and the queued job', async () => {
    const res = await post({
      source: 'mobway',
      from: '2026-12-01T00:00:00-03:00',
      to: '2026-12-02T00:00:00Z',
      dryRun: true,
    });
    expect(res.statusCode).toBe(202);
    expect(runner.started).toEqual([
      {
        source: 'mobway',
        from: new Date('2026-12-01T03:00:00.000Z'),
        to: new Date('2026-12-02T00:00:00.000Z'),
        dryRun: true,
      },
    ]);
    expect(res.json()).toMatchObject({
      id: ID,
      status: 'queued',
      dryRun: true,
      from: '2026-12-01T03:00:00.000Z',
      progress: { fraction: 1, partitions: [] },
      summary: { requestsScanned: 0, records: 0 },
    });
  });

  it.each([
    [
      { source: 'nobody', from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' },
      'unknown source "nobody"',
    ],
    [
      { source: 'mobway', from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      'to must be after from',
    ],
    [
      { source: 'mobway', from: '2026-10-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      'at most 31 days',
    ],
    [
      { source: 'mobway', from: 'yesterday', to: '2026-12-01T00:00:00Z' },
      'from must be an ISO-8601',
    ],
    [{ source: 'mobway', from: '2026-12-01T00:00:00Z' }, 'to must be an ISO-8601'],
    [
      { source: 'mobway', from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', dryRun: 'yes' },
      'dryRun must be a boolean',
    ],
    [
      { source: 'mobway', from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', force: true },
      'property force should not exist',
    ],
  ])('refuses %j with a 400', async (body, message) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ details: string[] }>().details.join('; ')).toContain(message);
    expect(runner.started).toEqual([]);
  });

  it('needs a query API key', async () => {
    const res = await post(
      { source: 'mobway', from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' },
      {},
    );
    expect(res.statusCode).toBe(401);
    const get = await app.inject({ method: 'GET', url: `/v1/replays/${ID}` });
    expect(get.statusCode).toBe(401);
  });

  it('shows a job with its progress per partition, and 404 for an unknown one', async () => {
    runner.stored.set(
      ID,
      aJob(
        { source: 'mobway', from: new Date(0), to: new Date(1000), dryRun: false },
        {
          status: 'running',
          checkpoints: {
            '1': { start: '0', next: '10', end: '10', done: true },
            '0': { start: '0', next: '5', end: '30', done: false },
          },
        },
      ),
    );
    const res = await app.inject({ method: 'GET', url: `/v1/replays/${ID}`, headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'running',
      progress: { fraction: 0.375, partitions: [{ partition: 0 }, { partition: 1 }] },
    });
    const list = await app.inject({ method: 'GET', url: '/v1/replays?limit=5', headers: auth });
    expect(list.json()).toMatchObject({ items: [{ id: ID }] });
    const missing = await app.inject({
      method: 'GET',
      url: '/v1/replays/7a1b2c3d-0000-4000-8000-000000000000',
      headers: auth,
    });
    expect(missing.statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: '/v1/replays/x', headers: auth })).statusCode,
    ).toBe(400);
  });

  it('documents the routes in OpenAPI', () => {
    const doc = queryDocument(app, { title: 't', description: 'd' });
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/replays', '/v1/replays/{id}', '/v1/replays/{id}/cancel']),
    );
    expect(doc.paths['/v1/replays'].post?.responses).toHaveProperty('202');
  });
});
