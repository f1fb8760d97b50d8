import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import type { AppConfig } from '@app/config';
import { MetricsRegistry } from './metrics.registry';
import { MetricsServer } from './metrics.server';
import { MetricsTokenGuard } from './metrics-token.guard';

const TOKEN = 'metrics-token-0123456789';

const configWith = (metrics: AppConfig['metrics']) => ({ metrics }) as AppConfig;

function contextWith(authorization?: string): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => ({ headers: { authorization } }) }),
  } as unknown as ExecutionContext;
}

describe(MetricsTokenGuard.name, () => {
  it('lets every scrape through when no METRICS_TOKEN is set', () => {
    const sut = new MetricsTokenGuard(configWith({ port: 0, host: '127.0.0.1' }));

    expect(sut.canActivate(contextWith())).toBe(true);
  });

  it('wants the token as a bearer token when one is set', () => {
    const sut = new MetricsTokenGuard(configWith({ token: TOKEN, port: 0, host: '127.0.0.1' }));

    expect(sut.canActivate(contextWith(`Bearer ${TOKEN}`))).toBe(true);
    expect(() => sut.canActivate(contextWith())).toThrow(UnauthorizedException);
    expect(() => sut.canActivate(contextWith(`Bearer ${TOKEN}x`))).toThrow(UnauthorizedException);
  });
});

describe(MetricsServer.name, () => {
  let sut: MetricsServer | undefined;
  afterEach(() => sut?.onApplicationShutdown());

  it('starts no listener when METRICS_PORT is 0', async () => {
    sut = new MetricsServer(configWith({ port: 0, host: '127.0.0.1' }), new MetricsRegistry());

    await sut.onApplicationBootstrap();
    await sut.onApplicationShutdown();
  });

  it('serves GET /metrics only, with the token, in the registry’s text format', async () => {
    const registry = new MetricsRegistry();
    registry.counter('scrapes_total', { help: 'test' }).inc(7);
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    sut = new MetricsServer(configWith({ token: TOKEN, port, host: '127.0.0.1' }), registry);
    await sut.onApplicationBootstrap();
    const url = `http://127.0.0.1:${port}`;

    const other = await fetch(`${url}/health`);
    const anonymous = await fetch(`${url}/metrics`);
    const scrape = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });

    expect([other.status, anonymous.status, scrape.status]).toEqual([404, 401, 200]);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await anonymous.json()).toEqual({
      status: 'error',
      statusCode: 401,
      error: 'Unauthorized',
      message: 'a bearer METRICS_TOKEN is required',
    });
    expect(scrape.headers.get('content-type')).toBe(registry.contentType);
    expect(await scrape.text()).toContain('fleet_scrapes_total 7');
  });
});
