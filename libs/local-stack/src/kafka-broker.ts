import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, KafkaConfig, logLevel, SASLOptions } from 'kafkajs';
import { ManagedProcess } from './managed-process';
import { projectRoot } from './project-root';

const run = promisify(execFile);

export const KAFKA_VERSION = '3.9.1';

export interface KafkaCredentials {
  username: string;
  password: string;
}

/**
 * SASL on every listener and ACLs enforced (StandardAuthorizer): the client listener takes
 * SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN; the controller listener PLAIN (KRaft controllers cannot
 * use SCRAM). SCRAM credentials are created when the storage is formatted.
 */
export interface KafkaBrokerSasl {
  /** super user: inter-broker and controller traffic, topic and ACL provisioning */
  admin: KafkaCredentials;
  users: KafkaCredentials[];
}

export interface KafkaBrokerOptions {
  dataDir: string;
  port: number;
  controllerPort: number;
  /** this node's id in a cluster (KafkaCluster); 1 alone */
  nodeId?: number;
  /** every controller of the cluster, this node's included; alone: just this one */
  voters?: { nodeId: number; controllerPort: number }[];
  /** the id every node of a cluster is formatted with; alone: a new one */
  clusterId?: string;
  heap?: string;
  /** unset: plaintext listeners, no authorization (npm start, most tests) */
  sasl?: KafkaBrokerSasl;
  log: (line: string) => void;
}

// the values go into JAAS and `--add-scram` strings unquoted
const SAFE_CREDENTIAL = /^[A-Za-z0-9._-]+$/;

/** jars resolved from Maven Central by infra/kafka/pom.xml, cached in .cache/kafka/<version> */
export function kafkaJarsDir(): string {
  return join(projectRoot(), '.cache', 'kafka', KAFKA_VERSION);
}

export async function ensureKafkaJars(log: (line: string) => void): Promise<string> {
  const dir = kafkaJarsDir();
  if (existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('kafka_2.13-'))) return dir;
  log(
    `resolving Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${dir} (first run only)`,
  );
  const pom = join(projectRoot(), 'infra', 'kafka', 'pom.xml');
  try {
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pom,
        `-Dkafka.version=${KAFKA_VERSION}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${dir}`,
        '-DincludeScope=runtime',
      ],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `could not resolve the Kafka jars with Maven: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`,
      { cause: error },
    );
  }
  return dir;
}

/**
 * A real single-node Apache Kafka broker in KRaft mode (combined broker and controller),
 * run from Kafka's own jars: any Kafka client (kcat, the console tools) can talk to it.
 */
export class KafkaBroker {
  private process?: ManagedProcess;

  constructor(private readonly options: KafkaBrokerOptions) {}

  get nodeId(): number {
    return this.options.nodeId ?? 1;
  }

  /** `kafka` alone, `kafka-<node id>` in a cluster: how the launcher and its control port name it */
  get name(): string {
    return this.options.voters && this.options.voters.length > 1 ? `kafka-${this.nodeId}` : 'kafka';
  }

  get port(): number {
    return this.options.port;
  }

  get controllerPort(): number {
    return this.options.controllerPort;
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  async start(): Promise<void> {
    const { log } = this.options;
    const jars = await ensureKafkaJars(log);
    const { dataDir, controllerPort } = this.options;
    const logDir = join(dataDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const config = join(dataDir, 'server.properties');
    writeFileSync(config, this.serverProperties(logDir));
    writeFileSync(join(dataDir, 'log4j.properties'), log4jProperties(dataDir));
    const java = [
      '-cp',
      `${jars}/*`,
      `-Dlog4j.configuration=file:${join(dataDir, 'log4j.properties')}`,
      `-Dkafka.logs.dir=${dataDir}`,
    ];

    if (!existsSync(join(logDir, 'meta.properties'))) {
      log(`formatting KRaft storage in ${logDir}`);
      const clusterId = this.options.clusterId ?? newClusterId();
      await run('java', [
        ...java,
        'kafka.tools.StorageTool',
        'format',
        `--cluster-id=${clusterId}`,
        '-c',
        config,
        ...this.scramArguments(),
      ]);
    }

    const heap = this.options.heap ?? '512m';
    log(
      `starting broker on ${this.bootstrap} (controller ${controllerPort}, heap ${heap}), data ${dataDir}`,
    );
    this.process = new ManagedProcess({
      name: this.name,
      command: 'java',
      // Kafka's collector settings (kafka-run-class.sh: G1, 20 ms pause goal) with the heap fixed at its
      // maximum, as Kafka's operations guide runs it: a heap that starts small is resized by extra
      // collections under load (the G1 threads cost ~15 % of the broker's CPU in bench:ingest)
      args: [
        `-Xms${heap}`,
        `-Xmx${heap}`,
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        ...java,
        'kafka.Kafka',
        config,
      ],
      onLine: (line) => log(line),
    });
    this.process.start();
    await this.process.waitForLine(
      /Kafka Server started|KafkaRaftServer.*started|\[KafkaRaftServer nodeId=\d+\] Kafka Server started/,
      120_000,
    );
    await waitForKafka(this.bootstrap, 60_000, { sasl: this.adminSasl });
    log(`broker ready on ${this.bootstrap}${this.options.sasl ? ' (SASL, ACLs enforced)' : ''}`);
  }

  /** how the super user connects (kafkajs `sasl`); undefined for a plaintext broker */
  get adminSasl(): SASLOptions | undefined {
    const admin = this.options.sasl?.admin;
    return (
      admin && { mechanism: 'scram-sha-512', username: admin.username, password: admin.password }
    );
  }

  kill(): void {
    this.process?.signal('SIGKILL');
  }

  whenExited(): Promise<number | null> {
    return this.process?.whenExited() ?? Promise.resolve(null);
  }

  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM', 30_000);
  }

  private scramArguments(): string[] {
    const { sasl } = this.options;
    if (!sasl) return [];
    return [sasl.admin, ...sasl.users].flatMap(({ username, password }) =>
      ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => [
        '--add-scram',
        `${mechanism}=[name=${username},password=${password}]`,
      ]),
    );
  }

  private listenerProperties(): string[] {
    const { port, controllerPort, sasl } = this.options;
    if (!sasl) {
      return [
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      ];
    }
    const { admin, users } = sasl;
    for (const { username, password } of [admin, ...users]) {
      if (!SAFE_CREDENTIAL.test(username) || !SAFE_CREDENTIAL.test(password))
        throw new Error(
          `Kafka credentials for ${username}: letters, digits, ".", "_" and "-" only`,
        );
    }
    // the username/password pair in each JAAS line is what this broker uses as a client (to itself)
    const scram = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.username}" password="${admin.password}";`;
    const plainUsers = [admin, ...users].map((u) => ` user_${u.username}="${u.password}"`).join('');
    const plain = `org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin.username}" password="${admin.password}"${plainUsers};`;
    return [
      `listeners=SASL_PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_PLAINTEXT://127.0.0.1:${port}`,
      'inter.broker.listener.name=SASL_PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      'sasl.mechanism.controller.protocol=PLAIN',
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN',
      `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=${scram}`,
      `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${scram}`,
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=${plain}`,
      'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
      `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin.username}" password="${admin.password}" user_${admin.username}="${admin.password}";`,
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      `super.users=User:${admin.username}`,
      'allow.everyone.if.no.acl.found=false',
    ];
  }

  private serverProperties(logDir: string): string {
    const { controllerPort } = this.options;
    const voters = this.options.voters ?? [{ nodeId: this.nodeId, controllerPort }];
    // internal topics (group offsets, transactions) get the copies the pipeline's topics get by
    // default (defaultReplicationFactor): one alone, three on three or more nodes
    const copies = voters.length >= 3 ? 3 : 1;
    return [
      'process.roles=broker,controller',
      `node.id=${this.nodeId}`,
      `controller.quorum.voters=${voters.map((v) => `${v.nodeId}@127.0.0.1:${v.controllerPort}`).join(',')}`,
      'controller.listener.names=CONTROLLER',
      ...this.listenerProperties(),
      `log.dirs=${logDir}`,
      'num.partitions=1',
      `offsets.topic.replication.factor=${copies}`,
      `transaction.state.log.replication.factor=${copies}`,
      `transaction.state.log.min.isr=${Math.min(2, copies)}`,
      `share.coordinator.state.topic.replication.factor=${copies}`,
      // a topic created without settings (by a subscriber's tooling) is as safe as ours
      `default.replication.factor=${copies}`,
      `min.insync.replicas=${Math.min(2, copies)}`,
      // topics are provisioned explicitly; a typo must not create one
      'auto.create.topics.enable=false',
      'group.initial.rebalance.delay.ms=0',
      'log.retention.hours=168',
      '',
    ].join('\n');
  }
}

/** a KRaft cluster id: 16 random bytes, base64url */
export function newClusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

function log4jProperties(dataDir: string): string {
  return [
    'log4j.rootLogger=INFO, file, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.Threshold=WARN',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=%p %m (%c)%n',
    'log4j.appender.file=org.apache.log4j.RollingFileAppender',
    `log4j.appender.file.File=${join(dataDir, 'server.log')}`,
    'log4j.appender.file.MaxFileSize=20MB',
    'log4j.appender.file.MaxBackupIndex=2',
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    // the "started" line the launcher waits for
    'log4j.logger.kafka.server.KafkaRaftServer=INFO, stdoutInfo',
    'log4j.appender.stdoutInfo=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdoutInfo.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdoutInfo.layout.ConversionPattern=%p %m (%c)%n',
    '',
  ].join('\n');
}

/** resolves once a client can list topics */
export async function waitForKafka(
  bootstrap: string,
  timeoutMs: number,
  security: Pick<KafkaConfig, 'sasl' | 'ssl'> = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({
    clientId: 'local-stack-probe',
    brokers: [bootstrap],
    ...security,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  for (;;) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(
          `Kafka at ${bootstrap} not reachable within ${timeoutMs} ms: ${(error as Error).message}`,
          { cause: error },
        );
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
