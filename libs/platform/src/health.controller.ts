import { Controller, Get, Optional } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { KafkaHealthIndicator } from '@app/kafka';
import { PostgresHealthIndicator } from '@app/persistence';

/** 200 when every dependency of this app answers, 503 naming the one that does not */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kafka: KafkaHealthIndicator,
    @Optional() private readonly postgres?: PostgresHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.kafka.check(), ...(this.postgres ? [() => this.postgres!.check()] : [])]);
  }
}
