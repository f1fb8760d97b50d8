import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { AppConfig } from '@app/config';
import type { Admin } from 'kafkajs';
import { createKafka, defaultReplicationFactor, kafkaSecurity, provisionTopics } from '@app/kafka';
import { runMigrations } from '@app/persistence';
import { KafkaBroker, newClusterId, waitForKafka } from './kafka-broker';
import {
  commandLine,
  describeRecord,
  LAUNCHER_RECORD,
  liveRecords,
  ownCommandLine,
  removePidRecord,
  runDir,
  writePidRecord,
} from './pid-files';
import { PostgresServer } from './postgres-server';
import { LaunchedProcesses } from './process-watchdog';
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
  /** the local Kafka's nodes (LOCAL_KAFKA_BROKERS), each broker and controller; none when KAFKA_BROKERS is set */
  readonly kafkaNodes: KafkaBroker[] = [];
  private readonly dataDir: string;

  constructor(
    private readonly config: AppConfig,
    // the launcher's own terminal output, one prefix per component
    private readonly log: (component: string, line: string) => void = (c, l) =>
      process.stdout.write(`[${c}] ${l}\n`),
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
    if (!config.kafka.external) this.kafkaNodes = kafkaNodes(config, dataDir, this.log);
  }

  /** the first local Kafka node (the only one unless LOCAL_KAFKA_BROKERS says more) */
  get kafka(): KafkaBroker | undefined {
    return this.kafkaNodes[0];
  }

  get endpoints(): StackEndpoints {
    return {
      kafkaBrokers: this.kafka
        ? this.kafkaNodes.map((node) => node.bootstrap)
        : this.config.kafka.brokers,
      databaseUrl: this.postgres ? this.postgres.url : this.config.database.url,
    };
  }

  /** `alsoPorts`: ports the caller will listen on (the apps), checked with the services' */
  async start(alsoPorts: PortClaim[] = []): Promise<StackEndpoints> {
    const { kafkaBrokers, databaseUrl } = this.endpoints;
    await this.claim(alsoPorts);
    if (!this.postgres)
      this.log('stack', 'DATABASE_URL is set: using that PostgreSQL, starting none');
    if (!this.kafka)
      this.log(
        'stack',
        `KAFKA_BROKERS is set: using ${kafkaBrokers.join(',')}, starting no broker`,
      );
    // both at once: the broker's JVM start dominates
    // the nodes of a cluster together: none reports itself started before a quorum of controllers runs
    const started = await Promise.allSettled([
      this.postgres?.start(),
      ...this.kafkaNodes.map((node) => node.start()),
    ]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    this.log('stack', 'waiting for PostgreSQL to run migrations');
    const applied = await runMigrations(databaseUrl);
    this.log(
      'stack',
      applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date',
    );

    this.log('stack', `waiting for Kafka at ${kafkaBrokers.join(',')} to provision topics`);
    // a local broker is plaintext on loopback; an external cluster gets the configured SASL/TLS
    const security = this.kafka ? {} : kafkaSecurity(this.config.kafka);
    await Promise.all(kafkaBrokers.map((broker) => waitForKafka(broker, 60_000, security)));
    const admin = createKafka(kafkaBrokers, 'local-stack', security).admin();
    await admin.connect();
    try {
      // every local node answers before the cluster may list them all: the copies follow the
      // nodes started, not the ones registered so far
      if (this.kafkaNodes.length > 1) await allRegistered(admin, this.kafkaNodes.length);
      const { created, existing, replicationFactor } = await provisionTopics(admin, {
        partitions: this.config.kafka.partitions,
        replicationFactor:
          this.config.kafka.replicationFactor ??
          (this.kafkaNodes.length > 0
            ? defaultReplicationFactor(this.kafkaNodes.length)
            : undefined),
      });
      if (created.length)
        this.log(
          'stack',
          `topics created: ${created.join(', ')} (replication factor ${replicationFactor})`,
        );
      if (existing.length) this.log('stack', `topics present: ${existing.join(', ')}`);
    } finally {
      await admin.disconnect();
    }
    return { kafkaBrokers, databaseUrl };
  }

  /** where this launcher's pid files are (see pid-files.ts) */
  get runDir(): string {
    return runDir(this.dataDir);
  }

  /** Kafka before PostgreSQL: nothing should write to the database once it is going down */
  async stop(): Promise<void> {
    // all at once: a cluster's last nodes would otherwise wait for a quorum that is gone
    await Promise.all(this.kafkaNodes.map((node) => node.stop()));
    await this.postgres?.stop();
    removePidRecord(this.runDir, LAUNCHER_RECORD, process.pid);
  }

  /**
   * Two stacks on one data folder corrupt Kafka's metadata log, and a busy port makes a service die
   * with a cryptic line: refuse both up front with a message that says what holds what and how to
   * stop it. What an earlier launcher left running is named as its leftover.
   */
  private async claim(alsoPorts: PortClaim[]): Promise<void> {
    mkdirSync(this.runDir, { recursive: true });
    const live = liveRecords(this.runDir).filter((r) => r.pid !== process.pid);
    const launcher = live.find((r) => r.name === LAUNCHER_RECORD);
    if (launcher) {
      throw new Error(
        `another launcher (pid ${launcher.pid}: ${launcher.argv.join(' ')}) is using ${this.dataDir}; stop it first (Ctrl-C in its terminal, or \`${STOP_COMMAND}\`)`,
      );
    }
    if (live.length) {
      throw new Error(
        `left over from an earlier start and still running on ${this.dataDir}: ${live.map(describeRecord).join(', ')}; stop them with \`${STOP_COMMAND}\``,
      );
    }
    const ports: PortClaim[] = [
      ...(this.postgres
        ? [
            {
              what: 'PostgreSQL',
              port: this.config.local.postgresPort,
              variable: 'LOCAL_POSTGRES_PORT',
            },
          ]
        : []),
      ...this.kafkaNodes.flatMap((node) => [
        { what: `Kafka (${node.name})`, port: node.port, variable: 'LOCAL_KAFKA_PORT' },
        {
          what: `the Kafka controller (${node.name})`,
          port: node.controllerPort,
          variable: 'LOCAL_KAFKA_CONTROLLER_PORT',
        },
      ]),
      ...alsoPorts,
    ];
    for (const { what, port, variable } of ports) {
      if (await isFree(port)) continue;
      const holder = portHolder(port);
      const held = holder ? ` by pid ${holder.pid} (${holder.argv.join(' ').slice(0, 160)})` : '';
      // ours but without a pid file here: a test run, a start on another LOCAL_DATA_DIR, an older launcher
      const ours =
        holder &&
        holder.argv.some((arg) => arg.includes(projectRoot()) || arg.includes(this.dataDir));
      const advice = ours
        ? `it is a process of this project that ${STOP_COMMAND} does not know (a test run, or a start with another LOCAL_DATA_DIR?): kill ${holder.pid}, or set ${variable}`
        : `stop what holds it or set ${variable}`;
      throw new Error(`port ${port} for ${what} is in use${held}; ${advice}`);
    }
    writePidRecord(this.runDir, {
      name: LAUNCHER_RECORD,
      pid: process.pid,
      argv: ownCommandLine(),
      stopSignal: 'SIGTERM',
      stopOrder: -1,
      graceMs: 90_000,
      startedAt: new Date().toISOString(),
    });
    LaunchedProcesses.shared.recordIn(this.runDir);
  }
}

/** waits until the cluster's metadata lists `count` brokers */
async function allRegistered(admin: Admin, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { brokers } = await admin.describeCluster();
    if (brokers.length >= count) return;
    if (Date.now() > deadline)
      throw new Error(
        `${brokers.length} of ${count} Kafka nodes registered within ${timeoutMs} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * One node alone keeps its data in `<data>/kafka`, as it always has. A cluster of n lives in
 * `<data>/kafka-cluster-<n>/node-<id>`, every node formatted with the cluster id kept beside them:
 * changing LOCAL_KAFKA_BROKERS starts another, empty Kafka rather than reshaping a quorum.
 */
function kafkaNodes(
  config: AppConfig,
  dataDir: string,
  log: (component: string, line: string) => void,
): KafkaBroker[] {
  const { kafkaBrokers: count, kafkaPort, kafkaControllerPort, kafkaHeap } = config.local;
  if (count === 1)
    return [
      new KafkaBroker({
        dataDir: resolve(dataDir, 'kafka'),
        port: kafkaPort,
        controllerPort: kafkaControllerPort,
        heap: kafkaHeap,
        log: (line) => log('kafka', line),
      }),
    ];
  const clusterDir = resolve(dataDir, `kafka-cluster-${count}`);
  mkdirSync(clusterDir, { recursive: true });
  const idFile = resolve(clusterDir, 'cluster-id');
  if (!existsSync(idFile)) writeFileSync(idFile, `${newClusterId()}\n`);
  const clusterId = readFileSync(idFile, 'utf8').trim();
  const voters = Array.from({ length: count }, (_, i) => ({
    nodeId: i + 1,
    controllerPort: kafkaControllerPort + i,
  }));
  return voters.map(
    ({ nodeId, controllerPort }, i) =>
      new KafkaBroker({
        dataDir: resolve(clusterDir, `node-${nodeId}`),
        port: kafkaPort + i,
        controllerPort,
        nodeId,
        voters,
        clusterId,
        heap: kafkaHeap,
        log: (line) => log(`kafka-${nodeId}`, line),
      }),
  );
}

export interface PortClaim {
  what: string;
  port: number;
  /** the variable that moves it */
  variable: string;
}

export const STOP_COMMAND = 'npm run stop';

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(false))
      .once('listening', () => server.close(() => resolve(true)))
      .listen(port, '127.0.0.1');
  });
}

/** the process listening on a TCP port, found through procfs (Linux; undefined elsewhere or when not ours to see) */
export function portHolder(port: number): { pid: number; argv: string[] } | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is hex ip:port; state 0A is LISTEN; the inode is the tenth field
      if (fields.length > 9 && fields[3] === '0A' && parseInt(fields[1].split(':')[1], 16) === port)
        inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) {
          const argv = commandLine(Number(pid));
          if (argv) return { pid: Number(pid), argv };
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}
