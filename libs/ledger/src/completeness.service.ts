import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '@app/config';
import { asUnavailable } from '@app/query';
import {
  COMPLETENESS_WINDOW,
  CompletenessBucketDto,
  CompletenessCountsDto,
  CompletenessQueryDto,
  CompletenessReportDto,
} from './completeness.dto';
import { LedgerRepository, LedgerRow } from './ledger.repository';
import { LEDGER_BINDING } from './ledger.options';
import type { LedgerBinding } from './ledger.tables';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Completeness per source and bucket of receipt time: what the gateway accepted against what is
 * stored. A bucket is flagged when it is settled (ended more than the delay ago), not expired
 * (inside the record type's retention) and its stored rows fall short of its accepted readings.
 * Also keeps the missing-readings figure of the recent window fresh, and prunes old request keys.
 */
@Injectable()
export class CompletenessService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CompletenessService.name);
  private readonly bucketMs: number;
  private readonly delayMs: number;
  private readonly retentionMs: number;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private missing = new Map<string, number>();

  constructor(
    @Inject(LEDGER_BINDING) private readonly binding: LedgerBinding,
    private readonly ledger: LedgerRepository,
    private readonly config: AppConfig,
  ) {
    this.bucketMs = config.completeness.bucketSeconds * 1000;
    this.delayMs = config.completeness.delaySeconds * 1000;
    this.retentionMs = config.storage.retentionDays[binding.recordType] * DAY_MS;
  }

  onApplicationBootstrap(): void {
    const every = this.config.completeness.refreshSeconds * 1000;
    this.timer = setInterval(() => void this.refresh(), every);
    this.timer.unref();
    void this.refresh();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
  }

  async report(query: CompletenessQueryDto, now = Date.now()): Promise<CompletenessReportDto> {
    const to = query.to === undefined ? now : Date.parse(query.to);
    const from =
      query.from === undefined
        ? to - COMPLETENESS_WINDOW.defaultHours * HOUR_MS
        : Date.parse(query.from);
    if (to - from > COMPLETENESS_WINDOW.maxDays * DAY_MS)
      throw new BadRequestException([
        `from and to may be at most ${COMPLETENESS_WINDOW.maxDays} days apart`,
      ]);
    const start = Math.floor(from / this.bucketMs) * this.bucketMs;
    const end = Math.max(start + this.bucketMs, Math.ceil(to / this.bucketMs) * this.bucketMs);
    const rows = await this.ledger
      .report(this.binding, { from: start, to: end, bucketMs: this.bucketMs, source: query.source })
      .catch(asUnavailable);
    const buckets = rows.map((row) => this.judge(row, now));
    const totals = emptyCounts();
    for (const bucket of buckets)
      for (const field of Object.keys(totals) as (keyof CompletenessCountsDto)[])
        totals[field] += bucket[field];
    return {
      recordType: this.binding.recordType,
      from: new Date(start).toISOString(),
      to: new Date(end).toISOString(),
      bucketSeconds: this.bucketMs / 1000,
      delaySeconds: this.delayMs / 1000,
      asOf: new Date(now).toISOString(),
      buckets,
      totals,
      flagged: buckets.filter((b) => b.flagged).length,
    };
  }

  /** missing readings per source over the last COMPLETENESS_METRIC_WINDOW_HOURS, as of the last refresh */
  missingBySource(): ReadonlyMap<string, number> {
    return this.missing;
  }

  /** recomputes missingBySource and forgets request keys past COMPLETENESS_DEDUPE_HOURS (public for tests) */
  refresh(now = Date.now()): Promise<void> {
    this.refreshing ??= this.recompute(now).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async recompute(now: number): Promise<void> {
    const { metricWindowHours, dedupeHours } = this.config.completeness;
    try {
      const report = await this.report(
        {
          from: new Date(now - metricWindowHours * HOUR_MS).toISOString(),
          to: new Date(now).toISOString(),
        },
        now,
      );
      const missing = new Map<string, number>();
      // a source that had missing readings and has none now reads 0, not absent
      for (const source of this.missing.keys()) missing.set(source, 0);
      for (const bucket of report.buckets)
        missing.set(bucket.source, (missing.get(bucket.source) ?? 0) + bucket.missing);
      this.missing = missing;
      await this.ledger.pruneRequests(this.binding, now - dedupeHours * HOUR_MS);
    } catch (error) {
      this.logger.warn(`completeness not refreshed: ${(error as Error).message}`);
    }
  }

  private judge(row: LedgerRow, now: number): CompletenessBucketDto {
    const end = row.bucket + this.bucketMs;
    const settled = end + this.delayMs <= now;
    const expired = this.retentionMs > 0 && row.bucket < now - this.retentionMs;
    // a request of unknown readings leaves nothing to compare with
    const missing =
      settled && !expired && row.untallied === 0 ? Math.max(0, row.accepted - row.stored) : 0;
    return {
      source: row.source,
      from: new Date(row.bucket).toISOString(),
      to: new Date(end).toISOString(),
      received: row.received,
      requests: row.requests,
      readings: row.readings,
      accepted: row.accepted,
      deadLettered: row.deadLettered,
      untallied: row.untallied,
      published: row.published,
      stored: row.stored,
      missing,
      settled,
      expired,
      flagged: missing > 0,
    };
  }
}

function emptyCounts(): CompletenessCountsDto {
  return {
    received: 0,
    requests: 0,
    readings: 0,
    accepted: 0,
    deadLettered: 0,
    untallied: 0,
    published: 0,
    stored: 0,
    missing: 0,
  };
}
