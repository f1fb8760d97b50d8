import { Logger, OnApplicationBootstrap, OnModuleDestroy, Provider } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { RecordPartitionManager, RetentionOutcome } from './record-partition.manager';

/** how often partitions are made ahead and expired ones dropped: well inside the shortest span */
export const PARTITION_ROUND_MS = 3_600_000;

/** what retention has done since start, for logs and health */
export interface RetentionStatus {
  table: string;
  retentionDays: number;
  rounds: number;
  failedRounds: number;
  partitionsMade: number;
  partitionsDropped: number;
  /** estimated from the planner's statistics as each partition was dropped */
  rowsDropped: number;
  bytesDropped: number;
  lastRoundAt?: string;
}

/**
 * One record table's partitions kept: at start and every round, the partitions ahead of need are
 * made and the ones entirely older than the retention window dropped (see RecordPartitionManager).
 * A failed round is logged and tried again at the next; the writer makes a missing partition itself.
 */
export class RecordPartitionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RecordPartitionScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly counts: RetentionStatus;

  constructor(
    private readonly manager: RecordPartitionManager,
    private readonly table: string,
    private readonly retentionDays: number,
    private readonly intervalMs = PARTITION_ROUND_MS,
  ) {
    this.counts = {
      table,
      retentionDays,
      rounds: 0,
      failedRounds: 0,
      partitionsMade: 0,
      partitionsDropped: 0,
      rowsDropped: 0,
      bytesDropped: 0,
    };
  }

  /** a provider of the scheduler for `table`, its retention read from the configuration */
  static provider(table: string, retentionDays: (config: AppConfig) => number): Provider {
    return {
      provide: RecordPartitionScheduler,
      inject: [RecordPartitionManager, AppConfig],
      useFactory: (manager: RecordPartitionManager, config: AppConfig) =>
        new RecordPartitionScheduler(manager, table, retentionDays(config)),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.round();
    this.timer = setInterval(() => void this.round(), this.intervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  status(): RetentionStatus {
    return { ...this.counts };
  }

  /** makes the partitions ahead and drops the expired ones; never throws */
  round(now = Date.now()): Promise<void> {
    this.running ??= this.work(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async work(now: number): Promise<void> {
    try {
      this.counts.partitionsMade += (await this.manager.ahead(this.table, now)).length;
      const outcome = await this.manager.dropExpired(this.table, this.retentionDays, now);
      this.counted(outcome);
      this.counts.rounds++;
    } catch (error) {
      this.counts.failedRounds++;
      this.logger.warn(
        `partition round for ${this.table} failed, next in ${this.intervalMs / 1000} s: ${(error as Error).message}`,
      );
    } finally {
      this.counts.lastRoundAt = new Date().toISOString();
    }
  }

  private counted({ table, cutoff, dropped }: RetentionOutcome): void {
    if (dropped.length === 0) return;
    const rows = dropped.reduce((n, p) => n + p.rows, 0);
    const bytes = dropped.reduce((n, p) => n + p.bytes, 0);
    this.counts.partitionsDropped += dropped.length;
    this.counts.rowsDropped += rows;
    this.counts.bytesDropped += bytes;
    this.logger.log(
      `retention ${table} (${this.retentionDays} days, readings before ${cutoff}): dropped ${dropped.length} partition(s), ~${rows} rows, ${bytes} bytes: ` +
        dropped.map((p) => `${p.name} [${p.from}, ${p.to})`).join(', '),
    );
  }
}
