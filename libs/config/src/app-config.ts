import type { NormalizerName } from '@app/normalization';
import type { SchemeName } from '@app/verification';
import type { UnfixablePolicy } from './built-in-sources';

export type Role = 'gateway' | 'consumer' | 'console' | 'launcher';

export type KafkaSaslMechanism = 'scram-sha-256' | 'scram-sha-512' | 'plain';

/** the roles whose Kafka ACLs provisioning grants; the grants themselves are in libs/kafka */
export const KAFKA_ACL_ROLES = [
  'gateway',
  'vehicle-consumer',
  'location-consumer',
  'console',
  'subscriber',
] as const;
export type KafkaAclRole = (typeof KAFKA_ACL_ROLES)[number];

export interface KafkaConnectionConfig {
  brokers: string[];
  clientId: string;
  /** unset: no authentication */
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
  /** unset: plaintext; `ca` unset: the system's CAs */
  ssl?: { ca?: string };
}

/** a sender we accept webhooks from, built in or from WEBHOOK_SOURCES; not served without secrets */
export interface WebhookSourceConfig {
  name: string;
  scheme: SchemeName;
  secrets: string[];
  /** the body shape, a name in @app/normalization's NORMALIZERS */
  normalizer: NormalizerName;
  unfixable: UnfixablePolicy;
  /** where the secrets are set, for messages: `MOBWAY_SIGN_SECRET`, `WEBHOOK_SOURCES[acme].secrets` */
  secretsFrom: string;
}

/** typed configuration, built once from the validated environment */
export class AppConfig {
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  logFormat: 'text' | 'json';
  host: string;
  /** fastify's trustProxy: false, a hop count, or our proxies' addresses/CIDRs */
  trustProxy: false | number | string[];
  http: {
    maxConnections: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
  };
  ports: { gateway: number; vehicleConsumer: number; locationConsumer: number; console: number };
  /** processes behind each app's port (GATEWAY_INSTANCES, …); a consumer's are its group's members */
  instances: { gateway: number; vehicleConsumer: number; locationConsumer: number };
  kafka: KafkaConnectionConfig & {
    partitions: number;
    /** undefined: 3 when the cluster has three or more brokers, else 1 */
    replicationFactor?: number;
    external: boolean;
    aclPrincipals: { role: KafkaAclRole; user: string }[];
  };
  /** queryUrl: a read replica the query APIs read from (QUERY_DATABASE_URL) */
  database: { url: string; queryUrl?: string; poolSize: number; external: boolean };
  gateway: {
    bodyLimitBytes: number;
    maxReadingsPerRequest: number;
    replayWindowSeconds: number;
    /** the built-in sources first, then WEBHOOK_SOURCES in its order */
    sources: WebhookSourceConfig[];
    publish: {
      lingerMs: number;
      maxBatchRecords: number;
      maxBatchBytes: number;
      timeoutMs: number;
      producers: number;
    };
    retryAfterSeconds: number;
    rateLimit: { perSecond: number; burst: number };
    edge: {
      bodyMinBytesPerSecond: number;
      bodyRateWindowMs: number;
      maxBodyReads: number;
      clientMaxBodyReads: number;
      clientRate: { perSecond: number; burst: number };
      clientRejected: { perSecond: number; burst: number };
      rejectionLogIntervalMs: number;
    };
  };
  /** GET /metrics of every app: bearer token, and a listener of its own when port ≠ 0 */
  metrics: { token?: string; port: number; host: string };
  query: { apiKeys: string[]; vehicleDataMaxWindowDays: number };
  consumer: { maxBatch: number };
  /** the web console's view of the other apps: base URLs without a trailing slash, and its wait for them */
  console: {
    upstreams: { gateway: string; vehicleConsumer: string; locationConsumer: string };
    upstreamTimeoutMs: number;
  };
  /** the console's dead-letter store: days kept by occurredAt (0: keep everything) */
  deadLetters: { retentionDays: number };
  /** replays of the raw archive (libs/replay) */
  replay: { maxWindowDays: number; slackSeconds: number; fetchMaxBytes: number };
  /** the completeness ledger (README: Completeness) */
  completeness: {
    bucketSeconds: number;
    delaySeconds: number;
    dedupeHours: number;
    metricWindowHours: number;
    refreshSeconds: number;
  };
  /** record tables: partition span and retention per record type (0: keep everything) */
  storage: {
    partitionSpan: 'day' | 'week' | 'month';
    retentionDays: { vehicle: number; location: number };
  };
  local: {
    dataDir: string;
    postgresPort: number;
    /** the first broker's; broker i (from 0) listens on kafkaPort + i */
    kafkaPort: number;
    /** the first controller's; controller i listens on kafkaControllerPort + i */
    kafkaControllerPort: number;
    kafkaBrokers: number;
    kafkaHeap: string;
    postgresSharedBuffers?: string;
    controlPort: number;
  };
}
