import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { BUILT_IN_SOURCES } from './built-in-sources';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const HTTP_URL = /^https?:\/\/\S+$/;
const HOST_PORT_LIST = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}(,[A-Za-z0-9.\-_[\]:]+:\d{1,5})*$/;

/**
 * Every environment variable the project reads, with its default. Validated once at boot;
 * nothing else reads process.env. Secrets may also come from `<NAME>_FILE`.
 */
export class EnvDto {
  @IsIn(['debug', 'info', 'warn', 'error'])
  LOG_LEVEL = 'info';

  @IsIn(['text', 'json'])
  LOG_FORMAT = 'text';

  @IsString()
  HOST = '0.0.0.0';

  /** unset: X-Forwarded-For is ignored; else a hop count or comma-separated addresses/CIDRs of our proxies (checked by parseTrustProxy) */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_CONNECTIONS = 1024;

  /** the request line and headers must arrive within this */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  HTTP_HEADERS_TIMEOUT_MS = 10_000;

  /** the whole request (headers and body) must arrive within this; else 408 and the socket is closed */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  HTTP_REQUEST_TIMEOUT_MS = 30_000;

  /** an idle keep-alive connection is closed after this (above load balancers' 60 s idle timeout) */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  GATEWAY_PORT = 3000;

  /** processes behind each app's port (node:cluster); consumers: members of the app's group */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  GATEWAY_INSTANCES = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  VEHICLE_CONSUMER_INSTANCES = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  LOCATION_CONSUMER_INSTANCES = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  VEHICLE_CONSUMER_PORT = 3001;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  LOCATION_CONSUMER_PORT = 3002;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  CONSOLE_PORT = 3003;

  /** where the console reaches the other apps (health, metrics, the query APIs it forwards); unset: 127.0.0.1 and that app's port */
  @IsOptional()
  @Matches(HTTP_URL, { message: 'CONSOLE_GATEWAY_URL must be an http(s):// URL' })
  CONSOLE_GATEWAY_URL?: string;

  @IsOptional()
  @Matches(HTTP_URL, { message: 'CONSOLE_VEHICLE_CONSUMER_URL must be an http(s):// URL' })
  CONSOLE_VEHICLE_CONSUMER_URL?: string;

  @IsOptional()
  @Matches(HTTP_URL, { message: 'CONSOLE_LOCATION_CONSUMER_URL must be an http(s):// URL' })
  CONSOLE_LOCATION_CONSUMER_URL?: string;

  /** how long the console waits for another app's answer (health, metrics, a forwarded query) */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  CONSOLE_UPSTREAM_TIMEOUT_MS = 5000;

  @Matches(HOST_PORT_LIST, { message: 'KAFKA_BROKERS must be a comma-separated list of host:port' })
  KAFKA_BROKERS = '127.0.0.1:9092';

  @IsString()
  @MinLength(1)
  KAFKA_CLIENT_ID = 'fleet-telemetry';

  /** unset: no authentication (the local broker on loopback); the apps' principal comes from the username */
  @IsOptional()
  @IsIn(['scram-sha-256', 'scram-sha-512', 'plain'])
  KAFKA_SASL_MECHANISM?: string;

  @IsOptional()
  @Matches(/^[^\s,=]{1,255}$/, {
    message: 'KAFKA_SASL_USERNAME must be 1–255 characters without spaces, commas or "="',
  })
  KAFKA_SASL_USERNAME?: string;

  @IsOptional()
  @IsString()
  KAFKA_SASL_PASSWORD?: string;

  @IsIn(['true', 'false'])
  KAFKA_SSL = 'false';

  /** PEM bundle of the CAs that sign the brokers' certificates; unset: the system's CAs */
  @IsOptional()
  @IsString()
  KAFKA_SSL_CA_FILE?: string;

  /** provisioning only: `role=user` pairs whose ACLs the provision script creates (roles: gateway, vehicle-consumer, location-consumer, console, subscriber) */
  @IsOptional()
  @IsString()
  KAFKA_ACL_PRINCIPALS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  KAFKA_TOPIC_PARTITIONS = 6;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  @IsOptional()
  /** unset: 3 on a cluster of three or more brokers, else 1 (decided when the topics are created) */
  KAFKA_REPLICATION_FACTOR?: number;

  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:5433/telemetry';

  /** a read replica of DATABASE_URL the query APIs read from; unset: they read DATABASE_URL */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'QUERY_DATABASE_URL must be a postgres:// URL' })
  QUERY_DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  // the built-in sources' secrets (MOBWAY_SIGN_SECRET, WEGUARD_SECRET) are read by loadConfig under
  // the variable each entry of BUILT_IN_SOURCES names

  /** JSON list of further sources, each naming its scheme and normalizer; checked in detail by parseWebhookSources */
  @IsOptional()
  @IsString()
  WEBHOOK_SOURCES?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  /** a body arriving slower than this over any BODY_RATE_WINDOW_MS is cut (408, socket closed) */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  BODY_MIN_BYTES_PER_SECOND = 8192;

  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(600_000)
  BODY_RATE_WINDOW_MS = 5000;

  /** bodies received at once, all clients together (bounds buffered memory: × BODY_LIMIT_BYTES); over it: 503 */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  MAX_BODY_READS = 128;

  /** bodies one client address receives at once; over it: 429, unread */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  CLIENT_MAX_BODY_READS = 8;

  /** requests per second per client address, before anything is read (token bucket; 0 = unlimited) */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  CLIENT_RATE_LIMIT = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  CLIENT_RATE_BURST = 4000;

  /** rejected (unauthenticated, unknown, oversized) requests per second per client address; past it the client's requests get 429 unread (0 = unlimited) */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  CLIENT_REJECTED_LIMIT = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  CLIENT_REJECTED_BURST = 10;

  /** rejections are logged as counts per source and reason, one line per interval */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  REJECTION_LOG_INTERVAL_MS = 10_000;

  /** bearer token GET /metrics requires (≥ 16 characters); unset: /metrics is open */
  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  /** a port of its own for GET /metrics (then not served on the app port); 0 = the app port */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 0;

  @IsString()
  METRICS_HOST = '127.0.0.1';

  /** readings one request may hold; past it: 413, or for mobway a 200 with the excess in one dead letter */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_READINGS_PER_REQUEST = 10_000;

  /** an identical signed request (same webhook-id, or same body where the scheme has no id) within this window gets the first answer (0 = off) */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86_400)
  REPLAY_WINDOW_SECONDS = 600;

  /** how long the publisher waits to group concurrent requests into one produce request */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  PUBLISH_LINGER_MS = 2;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  PUBLISH_MAX_BATCH_RECORDS = 5000;

  /** bytes of one produce request; larger requests are split, a single larger record is dead-lettered at ingest */
  @Transform(toInt)
  @IsInt()
  @Min(64 * 1024)
  @Max(64 * 1024 * 1024)
  PUBLISH_MAX_BATCH_BYTES = 2 * 1024 * 1024;

  /** idempotent producers used side by side (each keeps one produce request in flight) */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(16)
  PUBLISH_PRODUCERS = 3;

  /** a request whose records Kafka has not acknowledged by then gets 503 */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(10_000)
  PUBLISH_TIMEOUT_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  RETRY_AFTER_SECONDS = 5;

  /** verified requests per second each source may send (token bucket; 0 = unlimited); over it: 429 */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_PER_SOURCE = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  RATE_LIMIT_BURST = 4000;

  /** comma-separated bearer keys for the consumers' query APIs and the console (each ≥ 16 characters) */
  @IsOptional()
  @IsString()
  @Matches(/^[^,\s]{16,}(,[^,\s]{16,})*$/, {
    message: 'QUERY_API_KEYS must be comma-separated keys of at least 16 characters',
  })
  QUERY_API_KEYS?: string;

  /** the longest span from start_date to end_date POST /vehicle-data answers (mobway-compatible recovery) */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3660)
  VEHICLE_DATA_MAX_WINDOW_DAYS = 31;

  /** the longest window of receipt time one replay of the raw archive may cover */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3660)
  REPLAY_MAX_WINDOW_DAYS = 31;

  /** how far a raw message's Kafka timestamp (the gateway's produce time) may stray from its received-at */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(86_400)
  REPLAY_SLACK_SECONDS = 300;

  /** bytes a replay fetches from one partition of the raw archive at a time: bounds its memory */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  REPLAY_FETCH_MAX_BYTES = 1024 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  CONSUMER_MAX_BATCH = 5000;

  /** reading time one partition of a record table holds (README: Storage) */
  @IsIn(['day', 'week', 'month'])
  RECORD_PARTITION_SPAN = 'week';

  /** days of vehicle readings kept (whole partitions older are dropped); unset or 0: all */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(36_500)
  VEHICLE_RETENTION_DAYS?: number;

  /** days of device locations kept (whole partitions older are dropped); unset or 0: all */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(36_500)
  LOCATION_RETENTION_DAYS?: number;

  /** days of dead letters the console keeps, by when they were rejected; 0: all */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(36_500)
  DEAD_LETTER_RETENTION_DAYS = 30;

  /** completeness ledger: the span of one bucket of GET /v1/completeness, whole minutes (README: Completeness) */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86_400)
  COMPLETENESS_BUCKET_SECONDS = 3600;

  /** a bucket ended longer ago than this whose stored rows fall short of its accepted readings is flagged */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(604_800)
  COMPLETENESS_DELAY_SECONDS = 300;

  /** a request's webhook id or body digest is remembered this long: a retry within it counts once */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(8760)
  COMPLETENESS_DEDUPE_HOURS = 72;

  /** the recent window whose missing readings the metric reports, hours */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(168)
  COMPLETENESS_METRIC_WINDOW_HOURS = 24;

  /** how often the metric is recomputed (and old request keys pruned), seconds */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  COMPLETENESS_REFRESH_SECONDS = 60;

  // local stack (npm start, tests): only used when KAFKA_BROKERS / DATABASE_URL are not set
  @IsString()
  @MaxLength(4096)
  LOCAL_DATA_DIR = '.data';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  LOCAL_POSTGRES_PORT = 5433;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  LOCAL_KAFKA_PORT = 9092;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(65535)
  @IsOptional()
  /** unset: 9093 for one broker; for more, the ports right after the brokers' (see loadConfig) */
  LOCAL_KAFKA_CONTROLLER_PORT?: number;

  /** brokers of the local KRaft cluster, each broker and controller, on consecutive ports */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(9)
  LOCAL_KAFKA_BROKERS = 1;

  /** tests only: a loopback port where the stack script accepts stop/start/kill of its services */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  LOCAL_CONTROL_PORT = 0;

  @Matches(/^\d+[mg]$/, { message: 'LOCAL_KAFKA_HEAP must look like 512m or 1g' })
  LOCAL_KAFKA_HEAP = '512m';

  /** unset: a quarter of the machine's memory, 128MB to 8GB */
  @IsOptional()
  @Matches(/^\d+(kB|MB|GB)$/, {
    message: 'LOCAL_POSTGRES_SHARED_BUFFERS must look like 256MB or 2GB',
  })
  LOCAL_POSTGRES_SHARED_BUFFERS?: string;
}

/** variables that may be given as `<NAME>_FILE` (a path whose contents are the value) */
export const FILE_VARIABLES: readonly string[] = [
  ...BUILT_IN_SOURCES.map((source) => source.secretVariable),
  'WEBHOOK_SOURCES',
  'QUERY_API_KEYS',
  'DATABASE_URL',
  'QUERY_DATABASE_URL',
  'KAFKA_SASL_PASSWORD',
  'METRICS_TOKEN',
];
