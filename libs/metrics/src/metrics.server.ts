import { createServer, Server, ServerResponse, STATUS_CODES } from 'node:http';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { MetricsRegistry } from './metrics.registry';
import { metricsAuthorized } from './metrics-token';

/**
 * GET /metrics on a listener of its own (METRICS_PORT, METRICS_HOST), so scraping can stay on an
 * internal address while the app port faces the internet.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { port, host, token } = this.config.metrics;
    if (port === 0) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics')
        return refuse(res, 404, 'only GET /metrics is served here');
      if (!metricsAuthorized(req.headers.authorization, token))
        return refuse(res, 401, 'a bearer METRICS_TOKEN is required', {
          'www-authenticate': 'Bearer',
        });
      this.metrics.render().then(
        (text) => res.writeHead(200, { 'content-type': this.metrics.contentType }).end(text),
        (error: Error) => {
          this.logger.error(`rendering the metrics: ${error.stack ?? error.message}`);
          refuse(res, 500, 'the metrics could not be rendered');
        },
      );
    });
    server.headersTimeout = 5000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(port, host, resolve),
    );
    this.server = server;
    this.logger.log(`metrics on http://${host}:${port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** the one error shape of every app (libs/platform's HttpErrorFilter), on this bare listener */
function refuse(
  res: ServerResponse,
  statusCode: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({
    status: 'error',
    statusCode,
    error: STATUS_CODES[statusCode],
    message,
  });
  res
    .writeHead(statusCode, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(body);
}
