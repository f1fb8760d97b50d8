import { join } from 'node:path';
import { ConfigError, loadConfig } from '@app/config';
import { ensureDevEnv, LocalStack, ManagedProcess, projectRoot, withDevEnv } from '@app/local-stack';

/**
 * `npm start`: PostgreSQL and Kafka (unless configured externally), migrations, topics, then the
 * three apps. Ctrl-C / SIGTERM stops the apps, then Kafka, then PostgreSQL.
 */
const APPS = [
  { name: 'ingest-gateway', portKey: 'gateway' },
  { name: 'vehicle-consumer', portKey: 'vehicleConsumer' },
  { name: 'location-consumer', portKey: 'locationConsumer' },
] as const;

async function main(): Promise<void> {
  const started = Date.now();
  const root = projectRoot();
  const dev = ensureDevEnv(root);
  if (dev.created) console.log(`[stack] generated development secrets in ${dev.file}`);
  const env = withDevEnv(process.env, dev.values);
  let config;
  try {
    config = loadConfig('launcher', env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }

  const stack = new LocalStack(config);
  const apps: ManagedProcess[] = [];
  let stopping = false;
  const stop = async (code: number): Promise<never> => {
    if (stopping) return new Promise<never>(() => undefined);
    stopping = true;
    console.log('[stack] stopping: apps first, then Kafka, then PostgreSQL');
    await Promise.all(apps.map((app) => app.stop('SIGTERM', 20_000)));
    await stack.stop();
    console.log('[stack] stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const { kafkaBrokers, databaseUrl } = await stack.start();
    const appEnv = { ...env, KAFKA_BROKERS: kafkaBrokers.join(','), DATABASE_URL: databaseUrl, ...(process.stdout.isTTY ? {} : { NO_COLOR: '1' }) };
    for (const app of APPS) {
      const process_ = new ManagedProcess({ name: app.name, command: process.execPath, args: ['--enable-source-maps', join(root, 'dist', 'apps', app.name, 'src', 'main.js')], env: appEnv, cwd: root });
      apps.push(process_);
      process_.start();
      void process_.whenExited().then((code) => {
        if (!stopping) {
          console.error(`[stack] ${app.name} exited unexpectedly (code ${code}); stopping everything`);
          void stop(1);
        }
      });
    }
    await Promise.all(apps.map((app) => app.waitForLine(/listening on/i, 60_000)));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      [
        '',
        `[stack] up in ${seconds} s`,
        ...APPS.map((app) => `  ${app.name.padEnd(18)} http://127.0.0.1:${config.ports[app.portKey]}  (health: /health${app.name === 'ingest-gateway' ? '' : ', API docs: /docs'})`),
        `  kafka              ${kafkaBrokers.join(',')}`,
        `  postgres           ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`,
        `  try it:            npm run send -- mobway`,
        '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    console.error(`[stack] failed to start: ${(error as Error).message}`);
    await stop(1);
  }
}

void main();
