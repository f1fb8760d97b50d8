import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DeadLetterRepository } from './dead-letter.repository';

/** how often letters past DEAD_LETTER_RETENTION_DAYS are deleted */
export const RETENTION_ROUND_MS = 3_600_000;
// rows one DELETE takes: short transactions, whatever a round finds
const DELETE_BATCH = 1000;
const DAY_MS = 86_400_000;

/**
 * Deletes the letters rejected more than DEAD_LETTER_RETENTION_DAYS ago, at start and hourly, a
 * batch at a time (0 keeps everything). Dead letters are few next to the records, so plain DELETEs
 * and autovacuum keep up; the record tables need partitions, this one does not.
 */
@Injectable()
export class DeadLetterRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeadLetterRetention.name);
  private readonly retentionDays: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopping = false;

  constructor(
    private readonly repository: DeadLetterRepository,
    config: AppConfig,
  ) {
    this.retentionDays = config.deadLetters.retentionDays;
  }

  onApplicationBootstrap(): void {
    if (this.retentionDays === 0) return;
    void this.round();
    this.timer = setInterval(() => void this.round(), RETENTION_ROUND_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** deletes what is past the window; how many letters went. Never throws */
  round(now = Date.now()): Promise<number> {
    this.running ??= this.work(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async work(now: number): Promise<number> {
    if (this.retentionDays === 0) return 0;
    const cutoff = new Date(now - this.retentionDays * DAY_MS);
    let deleted = 0;
    try {
      for (;;) {
        const batch = await this.repository.deleteOlderThan(cutoff, DELETE_BATCH);
        deleted += batch;
        if (batch < DELETE_BATCH || this.stopping) break;
      }
      if (deleted > 0)
        this.logger.log(
          `deleted ${deleted} dead letter(s) rejected before ${cutoff.toISOString()}`,
        );
    } catch (error) {
      this.logger.warn(
        `retention round failed after ${deleted} deletion(s): ${(error as Error).message}; tried again in an hour`,
      );
    }
    return deleted;
  }
}
