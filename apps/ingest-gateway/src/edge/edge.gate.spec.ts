import fastify, { FastifyInstance } from 'fastify';
import { Logger } from '@nestjs/common';
import { AppConfig, loadConfig } from '@app/config';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { ClientLimiter } from './client.limiter';
import { EdgeGate } from './edge.gate';
import { RejectionAggregator } from './rejection.aggregator';

/** a bare fastify with the gate installed the way main.ts installs it, and a route that always refuses */
async function appWith(env: Record<string, string>): Promise<{
  app: FastifyInstance;
  metrics: GatewayMetrics;
  rejections: RejectionAggregator;
  gate: EdgeGate;
}> {
  const config: AppConfig = loadConfig('gateway', env);
  const metrics = new GatewayMetrics();
  const rejections = new RejectionAggregator(config);
  const gate = new EdgeGate(config, new ClientLimiter(config), rejections, metrics);
  const hops = config.trustProxy;
  const app = fastify({
    trustProxy: typeof hops === 'number' ? (_a: string, hop: number) => hop < hops : hops,
  });
  gate.install(app);
  app.post('/webhooks/mobway', async (_req, reply) =>
    reply.code(403).send({ message: 'signature mismatch' }),
  );
  app.get('/health', () => Promise.resolve({ status: 'ok' }));
  await app.ready();
  return { app, metrics, rejections, gate };
}

const forged = (
  app: FastifyInstance,
  remoteAddress: string,
  headers: Record<string, string> = {},
) =>
  app.inject({
    method: 'POST',
    url: '/webhooks/mobway',
    payload: '{"x":1}',
    remoteAddress,
    headers: { 'content-type': 'application/json', ...headers },
  });

describe(EdgeGate.name, () => {
  let subject: Awaited<ReturnType<typeof appWith>>;
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(async () => {
    subject.gate.onModuleDestroy();
    subject.rejections.onModuleDestroy();
    await subject.app.close();
  });

  it('answers a client past its rejected-request budget 429 with Retry-After and Connection: close, before its body is read', async () => {
    subject = await appWith({ CLIENT_REJECTED_LIMIT: '1', CLIENT_REJECTED_BURST: '3' });
    for (let i = 0; i < 3; i++)
      expect((await forged(subject.app, '198.51.100.7')).statusCode).toBe(403);
    const res = await forged(subject.app, '198.51.100.7');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers.connection).toBe('close');
    expect(res.json()).toMatchObject({
      statusCode: 429,
      message: 'too many rejected requests from this address',
    });
    // another client is not held to the first one's budget
    expect((await forged(subject.app, '198.51.100.8')).statusCode).toBe(403);
    expect(await subject.metrics.render()).toContain(
      'fleet_gateway_edge_rejections_total{reason="client-rejected"} 1',
    );
  });

  it('ignores X-Forwarded-For when TRUST_PROXY is unset: every forged address spends the socket address budget', async () => {
    subject = await appWith({ CLIENT_REJECTED_LIMIT: '1', CLIENT_REJECTED_BURST: '3' });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await forged(subject.app, '198.51.100.7', { 'x-forwarded-for': `203.0.113.${i}` }))
          .statusCode,
      );
    expect(statuses).toEqual([403, 403, 403, 429]);
    expect(subject.rejections.flush()).toMatch(/top clients: 198\.51\.100\.7=1$/);
  });

  it('limits the forwarded client, not the proxy, when the proxy is trusted', async () => {
    subject = await appWith({
      CLIENT_REJECTED_LIMIT: '1',
      CLIENT_REJECTED_BURST: '3',
      TRUST_PROXY: '10.0.0.0/8',
    });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await forged(subject.app, '10.1.2.3', { 'x-forwarded-for': `203.0.113.${i}` })).statusCode,
      );
    expect(statuses).toEqual([403, 403, 403, 403]);
    for (let i = 0; i < 3; i++)
      await forged(subject.app, '10.1.2.3', { 'x-forwarded-for': '203.0.113.9' });
    expect(
      (await forged(subject.app, '10.1.2.3', { 'x-forwarded-for': '203.0.113.9' })).statusCode,
    ).toBe(429);
    // an address the proxy did not add (the client's own X-Forwarded-For entry) is not believed
    expect(
      (await forged(subject.app, '10.1.2.3', { 'x-forwarded-for': '203.0.113.9, 203.0.113.50' }))
        .statusCode,
    ).toBe(403);
  });

  it('caps requests per second per client, bodies or not', async () => {
    subject = await appWith({ CLIENT_RATE_LIMIT: '1', CLIENT_RATE_BURST: '2' });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (await subject.app.inject({ method: 'GET', url: '/health', remoteAddress: '198.51.100.7' }))
          .statusCode,
      );
    expect(statuses).toEqual([200, 200, 429]);
  });
});
