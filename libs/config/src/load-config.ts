import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { SCHEME_NAMES, SchemeName, isValidSecret } from '@app/verification';
import { AppConfig, GenericSourceConfig, Role } from './app-config';
import { EnvDto, FILE_VARIABLES } from './env.dto';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const RESERVED_SOURCES = new Set(['mobway', 'weguard']);
const list = (value: string | undefined): string[] => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** validates the whole environment at once and reports every offending variable in one error */
export function loadConfig(role: Role, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') raw[key] = value;
  for (const name of FILE_VARIABLES) {
    const file = raw[`${name}_FILE`];
    if (!file) continue;
    if (raw[name] !== undefined) {
      problems.push(`${name} and ${name}_FILE are both set; use one`);
      continue;
    }
    try {
      raw[name] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      problems.push(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  // unset and empty variables keep the DTO's defaults
  const dto = plainToInstance(EnvDto, raw);
  for (const error of validateSync(dto)) {
    // never echo a value: it may be a secret
    problems.push(`${error.property}: ${Object.values(error.constraints ?? {}).join('; ')}`);
  }

  const sources = parseWebhookSources(dto.WEBHOOK_SOURCES, problems);
  const trustProxy = parseTrustProxy(dto.TRUST_PROXY, problems);
  const apiKeys = list(dto.QUERY_API_KEYS);
  if (role === 'consumer' && apiKeys.length === 0) problems.push('QUERY_API_KEYS: required by the consumers (their query APIs need at least one key)');

  if (problems.length > 0) throw new ConfigError(problems);

  const config = new AppConfig();
  config.logLevel = dto.LOG_LEVEL as AppConfig['logLevel'];
  config.logFormat = dto.LOG_FORMAT as AppConfig['logFormat'];
  config.host = dto.HOST;
  config.trustProxy = trustProxy;
  config.http = {
    maxConnections: dto.MAX_CONNECTIONS,
    headersTimeoutMs: dto.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: dto.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: dto.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
  config.ports = { gateway: dto.GATEWAY_PORT, vehicleConsumer: dto.VEHICLE_CONSUMER_PORT, locationConsumer: dto.LOCATION_CONSUMER_PORT };
  config.kafka = {
    brokers: list(dto.KAFKA_BROKERS),
    clientId: dto.KAFKA_CLIENT_ID,
    partitions: dto.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: dto.KAFKA_REPLICATION_FACTOR,
    external: raw.KAFKA_BROKERS !== undefined,
  };
  config.database = { url: dto.DATABASE_URL, poolSize: dto.DATABASE_POOL_SIZE, external: raw.DATABASE_URL !== undefined };
  config.gateway = {
    bodyLimitBytes: dto.BODY_LIMIT_BYTES,
    mobwaySecrets: list(dto.MOBWAY_SIGN_SECRET),
    weguardSecrets: list(dto.WEGUARD_SECRET),
    sources,
    publish: { lingerMs: dto.PUBLISH_LINGER_MS, maxBatchRecords: dto.PUBLISH_MAX_BATCH_RECORDS, timeoutMs: dto.PUBLISH_TIMEOUT_MS, producers: dto.PUBLISH_PRODUCERS },
    retryAfterSeconds: dto.RETRY_AFTER_SECONDS,
    rateLimit: { perSecond: dto.RATE_LIMIT_PER_SOURCE, burst: dto.RATE_LIMIT_BURST },
    edge: {
      bodyMinBytesPerSecond: dto.BODY_MIN_BYTES_PER_SECOND,
      bodyRateWindowMs: dto.BODY_RATE_WINDOW_MS,
      maxBodyReads: dto.MAX_BODY_READS,
      clientMaxBodyReads: dto.CLIENT_MAX_BODY_READS,
      clientRate: { perSecond: dto.CLIENT_RATE_LIMIT, burst: dto.CLIENT_RATE_BURST },
      clientRejected: { perSecond: dto.CLIENT_REJECTED_LIMIT, burst: dto.CLIENT_REJECTED_BURST },
      rejectionLogIntervalMs: dto.REJECTION_LOG_INTERVAL_MS,
    },
    metrics: { token: dto.METRICS_TOKEN, port: dto.METRICS_PORT, host: dto.METRICS_HOST },
  };
  config.query = { apiKeys };
  config.consumer = { maxBatch: dto.CONSUMER_MAX_BATCH };
  config.local = {
    dataDir: dto.LOCAL_DATA_DIR,
    postgresPort: dto.LOCAL_POSTGRES_PORT,
    kafkaPort: dto.LOCAL_KAFKA_PORT,
    kafkaControllerPort: dto.LOCAL_KAFKA_CONTROLLER_PORT,
    kafkaHeap: dto.LOCAL_KAFKA_HEAP,
    postgresSharedBuffers: dto.LOCAL_POSTGRES_SHARED_BUFFERS,
    controlPort: dto.LOCAL_CONTROL_PORT,
  };
  return config;
}

/** a hop count, or our proxies' addresses and CIDRs; never "trust everyone" */
function parseTrustProxy(value: string | undefined, problems: string[]): false | number | string[] {
  if (value === undefined) return false;
  if (/^\d+$/.test(value.trim())) {
    const hops = Number(value);
    if (hops >= 1 && hops <= 10) return hops;
    problems.push('TRUST_PROXY: a hop count is 1 to 10');
    return false;
  }
  const entries = list(value);
  const bad = entries.filter((entry) => {
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return true;
    return prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  });
  if (entries.length === 0 || bad.length > 0) problems.push('TRUST_PROXY: a hop count or comma-separated IP addresses/CIDRs of the proxies in front of the app');
  return entries;
}

function parseWebhookSources(json: string | undefined, problems: string[]): GenericSourceConfig[] {
  if (!json) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    problems.push('WEBHOOK_SOURCES: not valid JSON (expected a list like [{"name":"acme","scheme":"standard-webhooks","secrets":["whsec_…"],"records":"vehicle"}])');
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push('WEBHOOK_SOURCES: must be a JSON list');
    return [];
  }
  const sources: GenericSourceConfig[] = [];
  const names = new Set<string>();
  parsed.forEach((entry: unknown, i) => {
    const at = `WEBHOOK_SOURCES[${i}]`;
    if (typeof entry !== 'object' || entry === null) return void problems.push(`${at}: must be an object`);
    const { name, scheme, secrets, records } = entry as Record<string, unknown>;
    const before = problems.length;
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) problems.push(`${at}.name: lowercase letters, digits and dashes`);
    else if (RESERVED_SOURCES.has(name)) problems.push(`${at}.name: "${name}" is built in; configure it with its own variable`);
    else if (names.has(name)) problems.push(`${at}.name: "${name}" appears twice`);
    if (!SCHEME_NAMES.includes(scheme as SchemeName)) problems.push(`${at}.scheme: one of ${SCHEME_NAMES.join(', ')}`);
    if (records !== 'vehicle' && records !== 'location') problems.push(`${at}.records: "vehicle" or "location"`);
    const secretList = typeof secrets === 'string' ? list(secrets) : secrets;
    if (secretList !== undefined && (!Array.isArray(secretList) || secretList.some((s) => typeof s !== 'string'))) problems.push(`${at}.secrets: a list of strings`);
    else if (Array.isArray(secretList) && SCHEME_NAMES.includes(scheme as SchemeName) && secretList.some((s) => !isValidSecret(scheme as SchemeName, s)))
      problems.push(`${at}.secrets: not valid for the ${String(scheme)} scheme`);
    if (problems.length > before) return;
    names.add(name as string);
    sources.push({ name: name as string, scheme: scheme as SchemeName, secrets: (secretList as string[] | undefined) ?? [], records: records as GenericSourceConfig['records'] });
  });
  return sources;
}
