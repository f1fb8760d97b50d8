import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { OverviewRepository } from './overview.repository';
import { parsePrometheusText, Sample } from './prometheus.text';
import { UPSTREAM_NAMES, UpstreamApp, UpstreamClient } from './upstream.client';
import type {
  OverviewDto,
  ServiceHealthDto,
  GatewayCountsDto,
  ConsumerLagDto,
} from './overview.dto';

/** a probe of another app waits this long at most: the overview answers even when an app hangs */
export const PROBE_TIMEOUT_MS = 2000;

const GATEWAY_SERIES = new Set([
  'fleet_gateway_requests_accepted_total',
  'fleet_gateway_records_published_total',
  'fleet_gateway_records_dead_lettered_total',
  'fleet_gateway_verification_failures_total',
  'fleet_gateway_rate_limited_total',
  'fleet_gateway_publish_unavailable_total',
  'fleet_gateway_over_reading_limit_total',
  'fleet_gateway_edge_rejections_total',
]);
const LAG_SERIES = new Set(['fleet_sink_consumer_lag']);

/**
 * What the web console's Overview shows besides the completeness ledger: every app's /health,
 * the gateway's counters and the consumers' lag from their /metrics, and the dead letters of the
 * last hour from the console's own store.
 */
@Injectable()
export class OverviewService {
  constructor(
    private readonly config: AppConfig,
    private readonly upstream: UpstreamClient,
    private readonly repository: OverviewRepository,
  ) {}

  async overview(now = new Date()): Promise<OverviewDto> {
    const since = new Date(now.getTime() - 3600_000);
    const apps: UpstreamApp[] = ['gateway', 'vehicleConsumer', 'locationConsumer'];
    const [services, gateway, vehicleLag, locationLag, deadLetters] = await Promise.all([
      Promise.all(apps.map((app) => this.health(app))),
      this.metrics('gateway', GATEWAY_SERIES),
      this.metrics('vehicleConsumer', LAG_SERIES),
      this.metrics('locationConsumer', LAG_SERIES),
      this.repository.deadLettersSince(since),
    ]);
    return {
      at: now.toISOString(),
      services: [
        ...services,
        // this answer is the console's own health: the database query above succeeded
        { name: 'console', url: `:${this.config.ports.console}`, status: 'up', ms: 0 },
      ],
      gateway: gateway === undefined ? null : gatewayCounts(gateway),
      lag: [...lagOf('vehicle consumer', vehicleLag), ...lagOf('location consumer', locationLag)],
      deadLettersLastHour: { from: since.toISOString(), counts: deadLetters },
    };
  }

  private async health(app: UpstreamApp): Promise<ServiceHealthDto> {
    const started = Date.now();
    const url = this.upstream.url(app, '/health');
    try {
      const answer = await this.upstream.get(app, '/health', {}, PROBE_TIMEOUT_MS);
      const report = JSON.parse(answer.body.toString()) as { status?: string; error?: object };
      return {
        name: UPSTREAM_NAMES[app],
        url,
        status: answer.status === 200 ? 'up' : 'down',
        ms: Date.now() - started,
        detail:
          answer.status === 200
            ? undefined
            : `${answer.status}: ${Object.keys(report.error ?? {}).join(', ') || report.status}`,
      };
    } catch (error) {
      return {
        name: UPSTREAM_NAMES[app],
        url,
        status: 'unreachable',
        ms: Date.now() - started,
        detail: (error as Error).message,
      };
    }
  }

  /** the app's series of those names; undefined when its /metrics cannot be read from here */
  private async metrics(app: UpstreamApp, names: Set<string>): Promise<Sample[] | undefined> {
    const token = this.config.metrics.token;
    const headers: Record<string, string> =
      token === undefined ? {} : { authorization: `Bearer ${token}` };
    try {
      const answer = await this.upstream.get(app, '/metrics', headers, PROBE_TIMEOUT_MS);
      return answer.status === 200 ? parsePrometheusText(answer.body.toString(), names) : undefined;
    } catch {
      return undefined;
    }
  }
}

function gatewayCounts(samples: Sample[]): GatewayCountsDto {
  const sources: GatewayCountsDto['sources'] = {};
  const rejected: GatewayCountsDto['rejected'] = [];
  const of = (source: string) =>
    (sources[source] ??= { accepted: 0, published: 0, deadLettered: 0 });
  for (const { name, labels, value } of samples) {
    if (name === 'fleet_gateway_requests_accepted_total') of(labels.source).accepted += value;
    else if (name === 'fleet_gateway_records_published_total') of(labels.source).published += value;
    else if (name === 'fleet_gateway_records_dead_lettered_total')
      of(labels.source).deadLettered += value;
    else if (value > 0)
      rejected.push({
        reason: rejectionReason(name, labels),
        source: labels.source ?? '-',
        count: value,
      });
  }
  return { sources, rejected };
}

function rejectionReason(name: string, labels: Record<string, string>): string {
  switch (name) {
    case 'fleet_gateway_verification_failures_total':
      return `verification ${labels.status}`;
    case 'fleet_gateway_edge_rejections_total':
      return `edge: ${labels.reason}`;
    default:
      return name
        .replace(/^fleet_gateway_/, '')
        .replace(/_total$/, '')
        .replace(/_/g, ' ');
  }
}

function lagOf(app: string, samples: Sample[] | undefined): ConsumerLagDto[] {
  if (samples === undefined) return [{ app, topic: null, lag: null }];
  // the gauge appears once the app committed its first chunk
  if (samples.length === 0) return [{ app, topic: null, lag: 0 }];
  const byTopic = new Map<string, number>();
  for (const s of samples)
    byTopic.set(s.labels.topic, (byTopic.get(s.labels.topic) ?? 0) + s.value);
  return [...byTopic].map(([topic, lag]) => ({ app, topic, lag }));
}
