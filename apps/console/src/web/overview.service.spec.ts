import { BadGatewayException } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import type { OverviewRepository } from './overview.repository';
import { OverviewService } from './overview.service';
import type { UpstreamAnswer, UpstreamApp, UpstreamClient } from './upstream.client';

const answer = (status: number, body: string): UpstreamAnswer => ({
  status,
  contentType: 'text/plain',
  body: Buffer.from(body),
});

/** each app's /health and /metrics as the test sets them; a missing one cannot be reached */
class FakeUpstream {
  readonly answers = new Map<string, UpstreamAnswer>();
  asked: { app: UpstreamApp; path: string; headers: Record<string, string> }[] = [];
  url(app: UpstreamApp, path: string): string {
    return `http://${app}${path}`;
  }
  get(app: UpstreamApp, path: string, headers: Record<string, string> = {}) {
    this.asked.push({ app, path, headers });
    const found = this.answers.get(`${app}${path}`);
    return found === undefined
      ? Promise.reject(new BadGatewayException(`the ${app} cannot be reached`))
      : Promise.resolve(found);
  }
}

describe(OverviewService.name, () => {
  const now = new Date('2026-12-03T12:00:00.000Z');
  let upstream: FakeUpstream;
  let since: Date | undefined;
  let sut: OverviewService;

  beforeEach(() => {
    upstream = new FakeUpstream();
    const repository = {
      deadLettersSince: (from: Date) => {
        since = from;
        return Promise.resolve([
          { source: 'mobway', stage: 'ingest', reasonClass: 'out_of_range', count: 2 },
        ]);
      },
    };
    const config = { ports: { console: 3003 }, metrics: { token: 'metrics-token-0123456789' } };
    sut = new OverviewService(
      config as unknown as AppConfig,
      upstream as unknown as UpstreamClient,
      repository as unknown as OverviewRepository,
    );
  });

  it('reports each app up, down with the failing dependency, or unreachable', async () => {
    upstream.answers.set('gateway/health', answer(200, '{"status":"ok"}'));
    upstream.answers.set(
      'vehicleConsumer/health',
      answer(503, '{"status":"error","error":{"postgres":{"status":"down"}}}'),
    );
    const overview = await sut.overview(now);
    expect(overview.services.map((s) => [s.name, s.status, s.detail])).toEqual([
      ['ingest gateway', 'up', undefined],
      ['vehicle consumer', 'down', '503: postgres'],
      ['location consumer', 'unreachable', 'the locationConsumer cannot be reached'],
      ['console', 'up', undefined],
    ]);
    expect(overview.deadLettersLastHour).toEqual({
      from: '2026-12-03T11:00:00.000Z',
      counts: [{ source: 'mobway', stage: 'ingest', reasonClass: 'out_of_range', count: 2 }],
    });
    expect(since).toEqual(new Date('2026-12-03T11:00:00.000Z'));
  });

  it('reads the gateway’s counters per source and its refusals, and each consumer’s lag per topic, with the metrics token', async () => {
    upstream.answers.set(
      'gateway/metrics',
      answer(
        200,
        [
          'fleet_gateway_requests_accepted_total{source="mobway"} 5',
          'fleet_gateway_records_published_total{source="mobway"} 48',
          'fleet_gateway_records_dead_lettered_total{source="mobway"} 2',
          'fleet_gateway_verification_failures_total{source="mobway",status="401"} 3',
          'fleet_gateway_verification_failures_total{source="weguard",status="403"} 0',
          'fleet_gateway_edge_rejections_total{reason="busy"} 1',
          'fleet_gateway_rate_limited_total{source="mobway"} 4',
        ].join('\n'),
      ),
    );
    upstream.answers.set(
      'vehicleConsumer/metrics',
      answer(
        200,
        'fleet_sink_consumer_lag{topic="telemetry.vehicle.v1",partition="0"} 3\nfleet_sink_consumer_lag{topic="telemetry.vehicle.v1",partition="1"} 4',
      ),
    );
    upstream.answers.set('locationConsumer/metrics', answer(200, '# nothing consumed yet\n'));
    const overview = await sut.overview(now);
    expect(overview.gateway).toEqual({
      sources: { mobway: { accepted: 5, published: 48, deadLettered: 2 } },
      rejected: [
        { reason: 'verification 401', source: 'mobway', count: 3 },
        { reason: 'edge: busy', source: '-', count: 1 },
        { reason: 'rate limited', source: 'mobway', count: 4 },
      ],
    });
    expect(overview.lag).toEqual([
      { app: 'vehicle consumer', topic: 'telemetry.vehicle.v1', lag: 7 },
      { app: 'location consumer', topic: null, lag: 0 },
    ]);
    expect(upstream.asked.find((a) => a.path === '/metrics')?.headers).toEqual({
      authorization: 'Bearer metrics-token-0123456789',
    });
  });

  it('says when metrics cannot be read rather than showing zeros', async () => {
    upstream.answers.set('gateway/metrics', answer(404, 'not found'));
    const overview = await sut.overview(now);
    expect(overview.gateway).toBeNull();
    expect(overview.lag).toEqual([
      { app: 'vehicle consumer', topic: null, lag: null },
      { app: 'location consumer', topic: null, lag: null },
    ]);
  });
});
