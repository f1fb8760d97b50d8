import { performance } from 'node:perf_hooks';
import { HttpException, Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayMetrics, UNVERIFIED } from '../metrics/gateway.metrics';
import { IngestResult } from './ingest-result.dto';
import { IngestService } from './ingest.service';
import { rawBodyOf } from './raw-body';
import { SignatureVerifier } from './signature.verifier';

/**
 * The webhook routes, on Fastify directly: the hot path of the gateway. Through a Nest controller
 * each request also paid for an execution context, a guard, two parameter decorators and Nest's
 * promise chain around them. Errors still leave through the app's HttpErrorFilter, in its one
 * shape: Fastify hands whatever a handler throws to the error handler Nest installs at start.
 */
@Injectable()
export class WebhookRoutes {
  constructor(
    private readonly signatures: SignatureVerifier,
    private readonly ingest: IngestService,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** after the edge's hooks (EdgeGate.install), before the app listens */
  install(fastify: FastifyInstance): void {
    // the path mobway's own documentation uses
    fastify.post('/webhook', (req) => this.receive(req, 'mobway'));
    fastify.post('/webhooks/:source', (req) =>
      this.receive(req, (req.params as { source: string }).source),
    );
  }

  async receive(req: FastifyRequest, source: string): Promise<IngestResult> {
    const startedAt = performance.now();
    let verified = UNVERIFIED;
    try {
      const webhook = this.signatures.verify(req, source);
      verified = webhook.source.name;
      const result = await this.ingest.accept(webhook, rawBodyOf(req));
      this.metrics.requestDone(verified, 200, startedAt);
      return result;
    } catch (error) {
      this.metrics.requestDone(
        verified,
        error instanceof HttpException ? error.getStatus() : 500,
        startedAt,
      );
      throw error;
    }
  }
}
