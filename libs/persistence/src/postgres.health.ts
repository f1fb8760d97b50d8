import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';

/** up when the pool (whose connections it reuses) answers `SELECT 1`; the answer names no address, the log has the reason */
@Injectable()
export class PostgresHealthIndicator {
  private readonly logger = new Logger(PostgresHealthIndicator.name);
  private wasDown = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key = 'postgres', timeoutMs = 2000): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            reject(new Error(`no answer within ${timeoutMs} ms`));
          }, timeoutMs);
        }),
      ]);
      if (this.wasDown) this.logger.log('PostgreSQL answers again');
      this.wasDown = false;
      return session.up();
    } catch (error) {
      if (!this.wasDown)
        this.logger.warn(`PostgreSQL health check failed: ${(error as Error).message}`);
      this.wasDown = true;
      return session.down({
        message: timedOut ? `no answer within ${timeoutMs} ms` : 'not reachable',
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
