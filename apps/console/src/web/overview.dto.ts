import type { DeadLetterCount } from './overview.repository';

export interface ServiceHealthDto {
  name: string;
  url: string;
  /** up: /health 200; down: it answered 503; unreachable: no answer within the probe's timeout */
  status: 'up' | 'down' | 'unreachable';
  ms: number;
  detail?: string;
}

/** the gateway's counters since it started (its /metrics), per verified source, and its refusals */
export interface GatewayCountsDto {
  sources: Record<string, { accepted: number; published: number; deadLettered: number }>;
  rejected: { reason: string; source: string; count: number }[];
}

/**
 * lag: messages behind, summed over the partitions the app holds; null when its /metrics cannot be
 * read. topic null with lag 0: no partition consumed yet
 */
export interface ConsumerLagDto {
  app: string;
  topic: string | null;
  lag: number | null;
}

export interface OverviewDto {
  at: string;
  services: ServiceHealthDto[];
  /** null when the gateway's /metrics cannot be read (another METRICS_PORT, or the gateway away) */
  gateway: GatewayCountsDto | null;
  lag: ConsumerLagDto[];
  deadLettersLastHour: { from: string; counts: DeadLetterCount[] };
}
