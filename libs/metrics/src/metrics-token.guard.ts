import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '@app/config';
import { metricsAuthorized } from './metrics-token';

/** GET /metrics wants METRICS_TOKEN as a bearer token when one is configured */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly token: string | undefined;

  constructor(config: AppConfig) {
    this.token = config.metrics.token;
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (
      metricsAuthorized(
        ctx.switchToHttp().getRequest<FastifyRequest>().headers.authorization,
        this.token,
      )
    )
      return true;
    throw new UnauthorizedException({
      status: 'error',
      statusCode: 401,
      message: 'GET /metrics needs the METRICS_TOKEN bearer token',
    });
  }
}
