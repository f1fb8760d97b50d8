import { Controller, Get, Optional } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { KafkaHealthIndicator } from '@app/kafka';
import { PostgresHealthIndicator } from '@app/persistence';

/** how long one answer serves every caller: a busy prober costs the dependencies one check per interval */
export const HEALTH_TTL_MS = 1000;

/** 200 when every dependency of this app answers, 503 naming the one that does not */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  private last?: { settledAt?: number; result: Promise<HealthCheckResult> };

  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: KafkaHealthIndicator,
    @Optional() private readonly postgres?: PostgresHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    // concurrent callers share the check in flight as well as a fresh answer (a 503 included)
    const last = this.last;
    if (last && (last.settledAt === undefined || Date.now() - last.settledAt < HEALTH_TTL_MS)) return last.result;
    const next: NonNullable<HealthController['last']> = { result: this.health.check([() => this.kafka.check(), ...(this.postgres ? [() => this.postgres!.check()] : [])]) };
    const settle = (): void => void (next.settledAt = Date.now());
    next.result.then(settle, settle);
    this.last = next;
    return next.result;
  }
}
