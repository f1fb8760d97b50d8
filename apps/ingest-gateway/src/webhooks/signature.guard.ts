import {
  CanActivate,
  ExecutionContext,
  HttpException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { verify } from '@app/verification';
import { clientKey } from '../edge/client-key';
import { RejectionAggregator } from '../edge/rejection.aggregator';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { rawBodyOf } from './raw-body.decorator';
import { WebhookSource, WebhookSourceRegistry } from './webhook-source.registry';

/** metadata key: the sender of a route without a :source parameter */
export const FIXED_SOURCE = 'webhook:fixed-source';

export interface VerifiedRequest extends FastifyRequest {
  webhookSource: WebhookSource;
  idempotencyKey?: string;
}

/**
 * Resolves the route's source and verifies the signature over the raw bytes before any parsing.
 * The source's rate limit is charged by IngestService after it (so nobody can spend another
 * sender's budget) and after the replay check (so a replayed request is not charged twice).
 */
@Injectable()
export class SignatureGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sources: WebhookSourceRegistry,
    private readonly metrics: GatewayMetrics,
    private readonly rejections: RejectionAggregator,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<VerifiedRequest>();
    const name =
      this.reflector.get<string | undefined>(FIXED_SOURCE, ctx.getHandler()) ??
      (req.params as Record<string, string>).source;
    const source = this.sources.find(name);
    if (!source)
      throw new NotFoundException(`unknown webhook source "${String(name).slice(0, 64)}"`);

    const result = verify(source.scheme, source.secrets, {
      headers: req.headers,
      rawBody: rawBodyOf(req),
    });
    if (!result.ok) {
      this.metrics.verificationFailed(source.name, result.status);
      // counted and logged once per interval; the reason never holds a secret or the body
      this.rejections.record(source.name, result.reason, clientKey(req.ip));
      throw new HttpException(
        { status: 'error', statusCode: result.status, message: result.reason },
        result.status,
      );
    }
    req.webhookSource = source;
    req.idempotencyKey = result.idempotencyKey;
    return true;
  }
}
