import { join } from 'node:path';
import { AppConfig, ConfigError, loadConfig } from '@app/config';
import {
  ensureDevEnv,
  LocalStack,
  ManagedProcess,
  projectRoot,
  recordSenderEnv,
  removeSenderEnv,
  STOP_ORDER,
  SupervisedUnit,
  Supervisor,
  withDevEnv,
} from '@app/local-stack';

/**
 * `npm start`: PostgreSQL and Kafka (unless configured externally), migrations, topics, then the
 * four apps, supervised: whatever dies unexpectedly is restarted with backoff. Ctrl-C, SIGTERM,
 * SIGHUP (a closed terminal) or a closed stdout (`npm start | head`) stops the apps, then Kafka,
 * then PostgreSQL; if the launcher itself dies, its watchdog does the same.
 */
const APPS = [
  { name: 'ingest-gateway', portKey: 'gateway', variable: 'GATEWAY_PORT' },
  { name: 'vehicle-consumer', portKey: 'vehicleConsumer', variable: 'VEHICLE_CONSUMER_PORT' },
  { name: 'location-consumer', portKey: 'locationConsumer', variable: 'LOCATION_CONSUMER_PORT' },
  { name: 'console', portKey: 'console', variable: 'CONSOLE_PORT' },
] as const;

// the terminal or pipe may be gone (closed window, `| head`): output is best effort from then on
let outputGone = false;
const say = (line: string, stream: NodeJS.WriteStream = process.stdout): void => {
  if (!outputGone) stream.write(`${line}\n`);
};

async function main(): Promise<void> {
  const started = Date.now();
  const root = projectRoot();
  const dev = ensureDevEnv(root);
  if (dev.created) say(`[stack] generated development secrets in ${dev.file}`);
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

  const stack = new LocalStack(config, (component, line) => say(`[${component}] ${line}`));
  const supervisor = new Supervisor((line) => say(`[stack] ${line}`));
  const apps: ManagedProcess[] = [];
  let stopping = false;
  const stop = async (code: number, why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    supervisor.stop();
    say(`[stack] ${why}: stopping apps first, then Kafka, then PostgreSQL`);
    await Promise.all(apps.map((app) => app.stop('SIGTERM', 20_000)));
    await stack.stop();
    removeSenderEnv(stack.runDir);
    say('[stack] stopped');
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void stop(0, signal));
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      outputGone = true;
      void stop(0, 'output closed');
    });
  }

  try {
    const { kafkaBrokers, databaseUrl } = await stack.start(
      APPS.map((app) => ({
        what: app.name,
        port: config.ports[app.portKey],
        variable: app.variable,
      })),
    );
    recordSenderEnv(stack.runDir, env);
    const appEnv = {
      ...env,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      DATABASE_URL: databaseUrl,
      ...(process.stdout.isTTY ? {} : { NO_COLOR: '1' }),
    };
    const units: SupervisedUnit[] = [];
    if (stack.postgres) units.push(serviceUnit('postgres', stack.postgres));
    for (const node of stack.kafkaNodes) units.push(serviceUnit(node.name, node));
    for (const [i, app] of APPS.entries()) {
      const process_ = new ManagedProcess({
        name: app.name,
        command: process.execPath,
        args: ['--enable-source-maps', join(root, 'dist', 'apps', app.name, 'src', 'main.js')],
        env: { ...appEnv, ...metricsPortOf(config, i) },
        cwd: root,
        onLine: (line) => say(`[${app.name}] ${line}`),
        stopOrder: STOP_ORDER.app,
      });
      apps.push(process_);
      units.push(appUnit(process_));
    }
    await Promise.all(
      units
        .filter((unit) => APPS.some((app) => app.name === unit.name))
        .map((unit) => unit.start()),
    );
    if (stopping) return;
    units.forEach((unit) => supervisor.supervise(unit));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    say(
      [
        '',
        `[stack] up in ${seconds} s`,
        ...APPS.map(
          (app, i) =>
            `  ${app.name.padEnd(18)} http://127.0.0.1:${config.ports[app.portKey]}  (${instancesOf(config, app.portKey)}health: /health${app.name === 'ingest-gateway' ? '' : ', API docs: /docs'}, metrics: ${config.metrics.port === 0 ? '/metrics' : `${config.metrics.host}:${config.metrics.port + i}/metrics`})`,
        ),
        `  kafka              ${kafkaBrokers.join(',')}${kafkaBrokers.length > 1 ? ` (${kafkaBrokers.length} brokers)` : ''}`,
        `  postgres           ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`,
        `  try it:            npm run send -- mobway`,
        '  whatever dies is restarted (1 s, doubling to 30 s); Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    say(`[stack] failed to start: ${(error as Error).message}`, process.stderr);
    await stop(1, 'start failed');
  }
}

/** "2 instances; " for an app run as several (GATEWAY_INSTANCES…), nothing for one */
function instancesOf(config: AppConfig, portKey: (typeof APPS)[number]['portKey']): string {
  const count =
    portKey in config.instances ? config.instances[portKey as keyof AppConfig['instances']] : 1;
  return count > 1 ? `${count} instances; ` : '';
}

/** one host, several apps: with a METRICS_PORT each app listens on its own, METRICS_PORT + its place in APPS */
function metricsPortOf(config: AppConfig, i: number): Record<string, string> {
  return config.metrics.port === 0 ? {} : { METRICS_PORT: String(config.metrics.port + i) };
}

/** PostgreSQL or Kafka: started again through its own start(), which waits until it is usable */
function serviceUnit(
  name: string,
  service: { start(): Promise<void>; stop(): Promise<void>; whenExited(): Promise<number | null> },
): SupervisedUnit {
  return {
    name,
    start: () =>
      service.start().catch(async (error: Error) => {
        // never leave a half-started instance behind to hold the port for the next try
        await service.stop();
        throw error;
      }),
    whenExited: () =>
      service
        .whenExited()
        .then((code) => (code === null ? 'was killed by a signal' : `exited with code ${code}`)),
  };
}

function appUnit(app: ManagedProcess): SupervisedUnit {
  return {
    name: app.name,
    start: async () => {
      app.start();
      try {
        await app.waitForLine(/listening on/i, 60_000);
      } catch (error) {
        await app.stop('SIGKILL', 5_000);
        throw error;
      }
    },
    whenExited: () =>
      app
        .whenExited()
        .then((code) =>
          app.exitSignal ? `was killed by ${app.exitSignal}` : `exited with code ${code}`,
        ),
  };
}

void main();
