import { Controller, Get, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { KafkaHealthIndicator } from '@app/kafka';
import { PostgresHealthIndicator } from '@app/persistence';

/** how long one answer serves every caller: a busy prober costs the dependencies one check per interval */
export const HEALTH_TTL_MS = 1000;

interface HealthAnswer {
  statusCode: 200 | 503;
  report: HealthCheckResult;
}

/**
 * 200 when every dependency of this app answers, 503 naming the one that does not. Both carry
 * terminus's report (`status`, `info`, `error`, `details` per dependency), not the error shape:
 * it is a report for probes and people, and a 503 still lists what is up.
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  private last?: { settledAt?: number; answer: Promise<HealthAnswer> };

  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: KafkaHealthIndicator,
    @Optional() private readonly postgres?: PostgresHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  async check(@Res({ passthrough: true }) reply?: FastifyReply): Promise<HealthCheckResult> {
    const { statusCode, report } = await this.answer();
    void reply?.status(statusCode);
    return report;
  }

  /** concurrent callers share the check in flight as well as a fresh answer (a 503 included) */
  private answer(): Promise<HealthAnswer> {
    const last = this.last;
    if (last && (last.settledAt === undefined || Date.now() - last.settledAt < HEALTH_TTL_MS))
      return last.answer;
    const next: NonNullable<HealthController['last']> = { answer: this.run() };
    void next.answer.finally(() => (next.settledAt = Date.now()));
    this.last = next;
    return next.answer;
  }

  private async run(): Promise<HealthAnswer> {
    try {
      return {
        statusCode: 200,
        report: await this.health.check([
          () => this.kafka.check(),
          ...(this.postgres ? [() => this.postgres!.check()] : []),
        ]),
      };
    } catch (error) {
      if (error instanceof ServiceUnavailableException)
        return { statusCode: 503, report: error.getResponse() as HealthCheckResult };
      throw error;
    }
  }
}
