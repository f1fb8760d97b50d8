import { HttpException, Injectable, NotFoundException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { verify } from '@app/verification';
import { clientKey } from '../edge/client-key';
import { RejectionAggregator } from '../edge/rejection.aggregator';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { rawBodyOf } from './raw-body';
import { WebhookSource, WebhookSourceRegistry } from './webhook-source.registry';

export interface VerifiedRequest extends FastifyRequest {
  /** set once the sender is verified: the edge no longer holds the request against its address */
  webhookSource: WebhookSource;
  idempotencyKey?: string;
}

/** what the verifier established about a request */
export interface VerifiedWebhook {
  source: WebhookSource;
  requestId: string;
  idempotencyKey?: string;
}

/**
 * Resolves the route's source and verifies the signature over the raw bytes before any parsing;
 * throws the refusal (404 for an unknown source, the scheme's status for a bad signature). The
 * source's rate limit is charged by IngestService after it (so nobody can spend another sender's
 * budget) and after the replay check (so a replayed request is not charged twice).
 */
@Injectable()
export class SignatureVerifier {
  constructor(
    private readonly sources: WebhookSourceRegistry,
    private readonly metrics: GatewayMetrics,
    private readonly rejections: RejectionAggregator,
  ) {}

  verify(req: FastifyRequest, name: string): VerifiedWebhook {
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
    const verified = req as VerifiedRequest;
    verified.webhookSource = source;
    verified.idempotencyKey = result.idempotencyKey;
    return { source, requestId: String(req.id), idempotencyKey: result.idempotencyKey };
  }
}
