import { HttpException } from '@nestjs/common';
import fastify, { FastifyInstance } from 'fastify';
import { loadConfig } from '@app/config';
import { errorResponse } from '@app/platform';
import { sign } from '@app/verification';
import { RejectionAggregator } from '../edge/rejection.aggregator';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { IngestResult } from './ingest-result.dto';
import { IngestService } from './ingest.service';
import { SignatureVerifier, VerifiedRequest, VerifiedWebhook } from './signature.verifier';
import { WebhookRoutes } from './webhook.routes';
import { WebhookSourceRegistry } from './webhook-source.registry';

const SECRET = 'unit-mobway-secret-5b1e0c7d93a2f846';

describe(WebhookRoutes.name, () => {
  let app: FastifyInstance;
  let metrics: GatewayMetrics;
  let received: { webhook: VerifiedWebhook; body: Buffer }[];
  let verifiedSources: (string | undefined)[];
  let answer: () => Promise<IngestResult>;

  beforeEach(async () => {
    const config = loadConfig('gateway', { MOBWAY_SIGN_SECRET: SECRET });
    metrics = new GatewayMetrics();
    received = [];
    verifiedSources = [];
    answer = () => Promise.resolve({ status: 'success', accepted: 1, deadLettered: 0 });
    const ingest = {
      accept: (webhook: VerifiedWebhook, body: Buffer): Promise<IngestResult> => {
        received.push({ webhook, body });
        return answer();
      },
    } as IngestService;
    const sut = new WebhookRoutes(
      new SignatureVerifier(
        new WebhookSourceRegistry(config),
        metrics,
        new RejectionAggregator(config),
      ),
      ingest,
      metrics,
    );
    // the app as bootstrap() and main.ts set it up: raw bodies, errors in the one shape
    app = fastify();
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.setErrorHandler((error, _req, reply) => {
      const body = errorResponse(error);
      void reply.status(body.statusCode).send(body);
    });
    app.addHook('onResponse', (req, _reply, done) => {
      verifiedSources.push((req as Partial<VerifiedRequest>).webhookSource?.name);
      done();
    });
    sut.install(app);
    await app.ready();
  });
  afterEach(() => app.close());

  const post = (url: string, body: Buffer, headers: Record<string, string>) =>
    app.inject({ method: 'POST', url, payload: body, headers });

  it.each(['/webhook', '/webhooks/mobway'])(
    'hands a verified request on %s to the ingest service, with its exact bytes',
    async (url) => {
      const body = Buffer.from('{"9BWZZZ377VT004251": []}');

      const res = await post(url, body, {
        'content-type': 'text/plain',
        ...sign('mobway', SECRET, body),
      });

      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'success', accepted: 1, deadLettered: 0 });
      expect(received).toHaveLength(1);
      expect(received[0].body.equals(body)).toBe(true);
      expect(received[0].webhook.source.name).toBe('mobway');
      expect(verifiedSources).toEqual(['mobway']);
    },
  );

  it('answers a bad signature with the scheme’s status in the error shape, counts it, and ingests nothing', async () => {
    const body = Buffer.from('{}');

    const res = await post(
      '/webhooks/mobway',
      body,
      sign('mobway', 'another-secret-0123456789abcdef', body),
    );

    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ status: 'error', statusCode: 403, error: 'Forbidden' });
    expect(await metrics.render()).toMatch(
      /fleet_gateway_verification_failures_total\{source="mobway",status="403"\} 1/,
    );
    expect(received).toEqual([]);
    expect(verifiedSources).toEqual([undefined]);
  });

  it('answers 404 for a source it does not serve', async () => {
    const res = await post('/webhooks/weguard', Buffer.from('{}'), {});

    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      status: 'error',
      statusCode: 404,
      error: 'Not Found',
      message: 'unknown webhook source "weguard"',
    });
    expect(received).toEqual([]);
  });

  it('passes what the ingest service throws to the error handler', async () => {
    answer = () => Promise.reject(new HttpException({ message: 'later' }, 503));
    const body = Buffer.from('{}');

    const res = await post('/webhook', body, sign('mobway', SECRET, body));

    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'error', statusCode: 503, message: 'later' });
  });
});
