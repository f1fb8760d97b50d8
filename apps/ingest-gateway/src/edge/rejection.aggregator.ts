import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';

/** distinct source/reason and client entries kept per interval; the rest are summed as "other" */
const MAX_KEYS = 1000;
const TOP_CLIENTS = 3;

/**
 * Every rejected request passes through here and is logged as counts per source and reason, one
 * line per interval: a flood of forged requests must not become a flood of log lines.
 */
@Injectable()
export class RejectionAggregator implements OnModuleDestroy {
  private readonly logger = new Logger(RejectionAggregator.name);
  private counts = new Map<string, number>();
  private clients = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly intervalMs: number;

  constructor(config: AppConfig) {
    this.intervalMs = config.gateway.edge.rejectionLogIntervalMs;
    this.timer = setInterval(() => this.flush(), this.intervalMs).unref();
  }

  /** `source` is "-" when the request was refused before its source was known */
  record(source: string, reason: string, client: string): void {
    bump(this.counts, `${source}/${slug(reason)}`);
    bump(this.clients, client);
  }

  /** the line for the interval just ended, or undefined when nothing was rejected */
  flush(): string | undefined {
    if (this.counts.size === 0) return undefined;
    const counts = this.counts;
    const clients = this.clients;
    this.counts = new Map();
    this.clients = new Map();
    const byCount = (m: Map<string, number>): [string, number][] =>
      [...m].sort((a, b) => b[1] - a[1]);
    const top = byCount(clients).slice(0, TOP_CLIENTS);
    const line =
      `rejected in last ${Math.round(this.intervalMs / 1000)}s: ${byCount(counts)
        .map(([k, n]) => `${k}=${n}`)
        .join(', ')}` +
      `; top clients: ${top.map(([k, n]) => `${k}=${n}`).join(', ')}${clients.size > TOP_CLIENTS ? ` (+${clients.size - TOP_CLIENTS} more)` : ''}`;
    this.logger.warn(line);
    return line;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

function bump(map: Map<string, number>, key: string): void {
  const n = map.get(key);
  if (n !== undefined) map.set(key, n + 1);
  else if (map.size < MAX_KEYS) map.set(key, 1);
  else map.set('other', (map.get('other') ?? 0) + 1);
}

/** "signature mismatch" → signature-mismatch; reasons are our own short texts, never request data */
function slug(reason: string): string {
  return reason
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 64);
}
