import { randomUUID } from 'node:crypto';
import { ConsoleLogger, DynamicModule, INestApplication, LogLevel, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, ConfigError, loadConfig, Role } from '@app/config';
import { HttpErrorFilter } from './http-error.filter';
import { runInstances } from './instances';

const LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  info: ['fatal', 'error', 'warn', 'log'],
  warn: ['fatal', 'error', 'warn'],
  error: ['fatal', 'error'],
};

export interface BootstrapOptions {
  name: string;
  role: Role;
  port: (config: AppConfig) => number;
  module: (config: AppConfig) => Type<unknown> | DynamicModule;
  configure?: (app: NestFastifyApplication, config: AppConfig) => void | Promise<void>;
  /** keep every request body as the raw Buffer instead of parsing JSON (the gateway) */
  rawBodies?: boolean;
  /** processes behind the app's port (runInstances); 1 unless given */
  instances?: (config: AppConfig) => number;
}

/**
 * The one way an app starts: config validated first, then the app (or, with more than one
 * instance, that many processes behind its port), Fastify with raw bodies, ordered shutdown.
 */
export async function bootstrap(options: BootstrapOptions): Promise<void> {
  const config = configOrExit(options);
  const port = options.port(config);
  await runInstances({
    name: options.name,
    count: options.instances?.(config) ?? 1,
    run: () => startApp(options, config, port),
    // whatever the log level: launchers and tests wait for this line
    listening: `${options.name} listening on http://${config.host}:${port}`,
  });
}

function configOrExit(options: BootstrapOptions): AppConfig {
  try {
    return loadConfig(options.role);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${options.name}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function startApp(
  options: BootstrapOptions,
  config: AppConfig,
  port: number,
): Promise<INestApplication> {
  const hops = config.trustProxy;
  const logger = new ConsoleLogger(options.name, {
    logLevels: LEVELS[config.logLevel],
    json: config.logFormat === 'json',
  });
  const adapter = new FastifyAdapter({
    bodyLimit: config.gateway.bodyLimitBytes,
    // X-Forwarded-For is believed only from the proxies TRUST_PROXY names
    trustProxy: typeof hops === 'number' ? (_address: string, hop: number) => hop < hops : hops,
    // a request whose headers or whole body do not arrive in time gets 408 and its socket closed;
    // node checks these every connectionsCheckingInterval (30 s by default: far longer than the limits)
    requestTimeout: config.http.requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: {
      headersTimeout: Math.min(config.http.headersTimeoutMs, config.http.requestTimeoutMs),
      connectionsCheckingInterval: 500,
    },
    // device ids may be 128 characters; fastify's default is 100
    routerOptions: { maxParamLength: 512 },
    return503OnClosing: true,
    // a caller's x-request-id is kept (when sane) so logs can be matched across systems
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });
  if (options.rawBodies) {
    const fastify = adapter.getInstance();
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
  }
  adapter.getInstance().addHook('onRequest', async (req, reply) => {
    if (!/^[\w.:-]{1,128}$/.test(String(req.id))) (req as { id: string }).id = randomUUID();
    void reply.header('x-request-id', req.id);
  });
  const app = await NestFactory.create<NestFastifyApplication>(options.module(config), adapter, {
    rawBody: !options.rawBodies,
    bodyParser: !options.rawBodies,
    logger,
    bufferLogs: false,
  });
  app.enableShutdownHooks();
  app.useGlobalFilters(new HttpErrorFilter());
  await options.configure?.(app, config);
  await app.listen(port, config.host);
  // past it node closes each new connection as it is accepted, before reading a byte
  app.getHttpServer().maxConnections = config.http.maxConnections;
  return app;
}
