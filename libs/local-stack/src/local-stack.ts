import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { AppConfig } from '@app/config';
import { createKafka, provisionTopics } from '@app/kafka';
import { runMigrations } from '@app/persistence';
import { KafkaBroker, waitForKafka } from './kafka-broker';
import { PostgresServer } from './postgres-server';
import { projectRoot } from './project-root';

export interface StackEndpoints {
  kafkaBrokers: string[];
  databaseUrl: string;
}

/**
 * PostgreSQL and Kafka for development and tests: started here unless KAFKA_BROKERS /
 * DATABASE_URL point at existing services, then migrated and provisioned.
 */
export class LocalStack {
  readonly postgres?: PostgresServer;
  readonly kafka?: KafkaBroker;
  private readonly dataDir: string;

  constructor(
    private readonly config: AppConfig,
    // the launcher's own terminal output, one prefix per component
    private readonly log: (component: string, line: string) => void = (c, l) => process.stdout.write(`[${c}] ${l}\n`),
  ) {
    const dataDir = resolve(projectRoot(), config.local.dataDir);
    this.dataDir = dataDir;
    if (!config.database.external) {
      const url = new URL(config.database.url);
      this.postgres = new PostgresServer({
        dataDir: resolve(dataDir, 'postgres'),
        port: config.local.postgresPort,
        user: decodeURIComponent(url.username) || 'postgres',
        password: decodeURIComponent(url.password) || 'postgres',
        database: url.pathname.slice(1) || 'telemetry',
        sharedBuffers: config.local.postgresSharedBuffers,
        log: (line) => this.log('postgres', line),
      });
    }
    if (!config.kafka.external) {
      this.kafka = new KafkaBroker({
        dataDir: resolve(dataDir, 'kafka'),
        port: config.local.kafkaPort,
        controllerPort: config.local.kafkaControllerPort,
        heap: config.local.kafkaHeap,
        log: (line) => this.log('kafka', line),
      });
    }
  }

  get endpoints(): StackEndpoints {
    return {
      kafkaBrokers: this.kafka ? [this.kafka.bootstrap] : this.config.kafka.brokers,
      databaseUrl: this.postgres ? this.postgres.url : this.config.database.url,
    };
  }

  async start(): Promise<StackEndpoints> {
    const { kafkaBrokers, databaseUrl } = this.endpoints;
    if (this.postgres || this.kafka) await this.claim();
    if (!this.postgres) this.log('stack', 'DATABASE_URL is set: using that PostgreSQL, starting none');
    if (!this.kafka) this.log('stack', `KAFKA_BROKERS is set: using ${kafkaBrokers.join(',')}, starting no broker`);
    // both at once: the broker's JVM start dominates
    const started = await Promise.allSettled([this.postgres?.start(), this.kafka?.start()]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    this.log('stack', 'waiting for PostgreSQL to run migrations');
    const applied = await runMigrations(databaseUrl);
    this.log('stack', applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date');

    this.log('stack', `waiting for Kafka at ${kafkaBrokers.join(',')} to provision topics`);
    await waitForKafka(kafkaBrokers[0], 60_000);
    const admin = createKafka(kafkaBrokers, 'local-stack').admin();
    await admin.connect();
    try {
      const { created, existing } = await provisionTopics(admin, { partitions: this.config.kafka.partitions, replicationFactor: this.config.kafka.replicationFactor });
      if (created.length) this.log('stack', `topics created: ${created.join(', ')}`);
      if (existing.length) this.log('stack', `topics present: ${existing.join(', ')}`);
    } finally {
      await admin.disconnect();
    }
    return { kafkaBrokers, databaseUrl };
  }

  /** Kafka before PostgreSQL: nothing should write to the database once it is going down */
  async stop(): Promise<void> {
    await this.kafka?.stop();
    await this.postgres?.stop();
    const lock = join(this.dataDir, 'stack.pid');
    if (existsSync(lock) && readFileSync(lock, 'utf8').trim() === String(process.pid)) rmSync(lock);
  }

  /**
   * Two stacks on one data folder corrupt Kafka's metadata log, and a busy port makes a service die
   * with a cryptic line: refuse both up front with a message that says what to do.
   */
  private async claim(): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true });
    const lock = join(this.dataDir, 'stack.pid');
    const holder = existsSync(lock) ? Number(readFileSync(lock, 'utf8').trim()) : undefined;
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new Error(`another stack (pid ${holder}) is using ${this.dataDir}; stop it first (Ctrl-C in its terminal, or kill -INT ${holder})`);
    }
    const ports = [
      ...(this.postgres ? [['PostgreSQL', this.config.local.postgresPort, 'LOCAL_POSTGRES_PORT'] as const] : []),
      ...(this.kafka ? [['Kafka', this.config.local.kafkaPort, 'LOCAL_KAFKA_PORT'] as const, ['the Kafka controller', this.config.local.kafkaControllerPort, 'LOCAL_KAFKA_CONTROLLER_PORT'] as const] : []),
    ];
    for (const [what, port, variable] of ports) {
      if (!(await isFree(port))) throw new Error(`port ${port} for ${what} is in use; stop what holds it or set ${variable}`);
    }
    writeFileSync(lock, String(process.pid));
  }
}

/** whether a process with this id exists (signal 0 checks without sending anything) */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .once('listening', () => server.close(() => resolve(true)))
      .listen(port, '127.0.0.1');
  });
}
