import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  isNormalizerName,
  NORMALIZER_FOR_RECORDS,
  NORMALIZER_NAMES,
  NORMALIZERS,
  NormalizerName,
} from '@app/normalization';
import { SCHEME_NAMES, SchemeName, isValidSecret } from '@app/verification';
import {
  AppConfig,
  KAFKA_ACL_ROLES,
  KafkaAclRole,
  KafkaConnectionConfig,
  KafkaSaslMechanism,
  Role,
  WebhookSourceConfig,
} from './app-config';
import { BUILT_IN_SOURCES } from './built-in-sources';
import { EnvDto, FILE_VARIABLES } from './env.dto';
import { SecretKind, secretProblem } from './secret.policy';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const SECRET_KIND_OF_SCHEME: Readonly<Record<SchemeName, SecretKind>> = {
  mobway: 'hmac',
  weguard: 'hmac',
  github: 'hmac',
  'standard-webhooks': 'standardWebhooks',
  'bearer-token': 'staticToken',
};
const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** validates the whole environment at once and reports every offending variable in one error */
export function loadConfig(role: Role, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const raw: Record<string, string> = {};
  for (const [key, value] of Object.entries(env))
    if (value !== undefined && value !== '') raw[key] = value;
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
      problems.push(
        `${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }

  // unset and empty variables keep the DTO's defaults
  const dto = plainToInstance(EnvDto, raw);
  for (const error of validateSync(dto)) {
    // never echo a value: it may be a secret
    problems.push(`${error.property}: ${Object.values(error.constraints ?? {}).join('; ')}`);
  }

  const sources = [
    ...builtInSources(raw, problems),
    ...parseWebhookSources(dto.WEBHOOK_SOURCES, problems),
  ];
  const trustProxy = parseTrustProxy(dto.TRUST_PROXY, problems);
  const apiKeys = list(dto.QUERY_API_KEYS);
  // the raw copy of a largest body and its base64 dead letter must each fit one produce request
  if (dto.BODY_LIMIT_BYTES * 1.5 > dto.PUBLISH_MAX_BATCH_BYTES)
    problems.push(
      'PUBLISH_MAX_BATCH_BYTES: must be at least 1.5 × BODY_LIMIT_BYTES, so that a whole body and its base64 dead letter each fit one produce request',
    );
  if (dto.COMPLETENESS_BUCKET_SECONDS % 60 !== 0)
    problems.push(
      'COMPLETENESS_BUCKET_SECONDS: whole minutes (a multiple of 60): the ledger counts per minute',
    );
  if ((role === 'consumer' || role === 'console') && apiKeys.length === 0)
    problems.push(
      `QUERY_API_KEYS: required by the ${role === 'console' ? 'console (its API needs' : 'consumers (their query APIs need'} at least one key)`,
    );
  checkSecrets('QUERY_API_KEYS', apiKeys, 'queryApiKey', problems);
  // a bearer token like the query keys
  checkSecrets(
    'METRICS_TOKEN',
    dto.METRICS_TOKEN === undefined ? [] : [dto.METRICS_TOKEN],
    'queryApiKey',
    problems,
  );
  checkLocalKafkaPorts(dto, problems);
  const kafkaSecurity = parseKafkaSecurity(dto, problems);
  const aclPrincipals = parseAclPrincipals(dto.KAFKA_ACL_PRINCIPALS, problems);

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
  config.ports = {
    gateway: dto.GATEWAY_PORT,
    vehicleConsumer: dto.VEHICLE_CONSUMER_PORT,
    locationConsumer: dto.LOCATION_CONSUMER_PORT,
    console: dto.CONSOLE_PORT,
  };
  config.instances = {
    gateway: dto.GATEWAY_INSTANCES,
    vehicleConsumer: dto.VEHICLE_CONSUMER_INSTANCES,
    locationConsumer: dto.LOCATION_CONSUMER_INSTANCES,
  };
  config.kafka = {
    brokers: list(dto.KAFKA_BROKERS),
    clientId: dto.KAFKA_CLIENT_ID,
    ...kafkaSecurity,
    partitions: dto.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: dto.KAFKA_REPLICATION_FACTOR,
    external: raw.KAFKA_BROKERS !== undefined,
    aclPrincipals,
  };
  config.database = {
    url: dto.DATABASE_URL,
    queryUrl: dto.QUERY_DATABASE_URL,
    poolSize: dto.DATABASE_POOL_SIZE,
    external: raw.DATABASE_URL !== undefined,
  };
  config.gateway = {
    bodyLimitBytes: dto.BODY_LIMIT_BYTES,
    maxReadingsPerRequest: dto.MAX_READINGS_PER_REQUEST,
    replayWindowSeconds: dto.REPLAY_WINDOW_SECONDS,
    sources,
    publish: {
      lingerMs: dto.PUBLISH_LINGER_MS,
      maxBatchRecords: dto.PUBLISH_MAX_BATCH_RECORDS,
      maxBatchBytes: dto.PUBLISH_MAX_BATCH_BYTES,
      timeoutMs: dto.PUBLISH_TIMEOUT_MS,
      producers: dto.PUBLISH_PRODUCERS,
    },
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
  };
  config.metrics = { token: dto.METRICS_TOKEN, port: dto.METRICS_PORT, host: dto.METRICS_HOST };
  config.query = { apiKeys, vehicleDataMaxWindowDays: dto.VEHICLE_DATA_MAX_WINDOW_DAYS };
  config.consumer = { maxBatch: dto.CONSUMER_MAX_BATCH };
  const upstream = (url: string | undefined, port: number): string =>
    (url ?? `http://127.0.0.1:${port}`).replace(/\/$/, '');
  config.console = {
    upstreams: {
      gateway: upstream(dto.CONSOLE_GATEWAY_URL, dto.GATEWAY_PORT),
      vehicleConsumer: upstream(dto.CONSOLE_VEHICLE_CONSUMER_URL, dto.VEHICLE_CONSUMER_PORT),
      locationConsumer: upstream(dto.CONSOLE_LOCATION_CONSUMER_URL, dto.LOCATION_CONSUMER_PORT),
    },
    upstreamTimeoutMs: dto.CONSOLE_UPSTREAM_TIMEOUT_MS,
  };
  config.deadLetters = { retentionDays: dto.DEAD_LETTER_RETENTION_DAYS };
  config.replay = {
    maxWindowDays: dto.REPLAY_MAX_WINDOW_DAYS,
    slackSeconds: dto.REPLAY_SLACK_SECONDS,
    fetchMaxBytes: dto.REPLAY_FETCH_MAX_BYTES,
  };
  config.completeness = {
    bucketSeconds: dto.COMPLETENESS_BUCKET_SECONDS,
    delaySeconds: dto.COMPLETENESS_DELAY_SECONDS,
    dedupeHours: dto.COMPLETENESS_DEDUPE_HOURS,
    metricWindowHours: dto.COMPLETENESS_METRIC_WINDOW_HOURS,
    refreshSeconds: dto.COMPLETENESS_REFRESH_SECONDS,
  };
  config.storage = {
    partitionSpan: dto.RECORD_PARTITION_SPAN as AppConfig['storage']['partitionSpan'],
    retentionDays: {
      vehicle: dto.VEHICLE_RETENTION_DAYS ?? 0,
      location: dto.LOCATION_RETENTION_DAYS ?? 0,
    },
  };
  config.local = {
    dataDir: dto.LOCAL_DATA_DIR,
    postgresPort: dto.LOCAL_POSTGRES_PORT,
    kafkaPort: dto.LOCAL_KAFKA_PORT,
    kafkaControllerPort: localControllerPort(dto),
    kafkaBrokers: dto.LOCAL_KAFKA_BROKERS,
    kafkaHeap: dto.LOCAL_KAFKA_HEAP,
    postgresSharedBuffers: dto.LOCAL_POSTGRES_SHARED_BUFFERS,
    controlPort: dto.LOCAL_CONTROL_PORT,
  };
  return config;
}

/** the first local controller's port: 9093 for one broker, else right after the brokers' ports */
function localControllerPort(dto: EnvDto): number {
  return (
    dto.LOCAL_KAFKA_CONTROLLER_PORT ??
    (dto.LOCAL_KAFKA_BROKERS === 1 ? 9093 : dto.LOCAL_KAFKA_PORT + dto.LOCAL_KAFKA_BROKERS)
  );
}

/** the local brokers' ports and their controllers' must not overlap */
function checkLocalKafkaPorts(dto: EnvDto, problems: string[]): void {
  const brokers = dto.LOCAL_KAFKA_BROKERS;
  const controller = localControllerPort(dto);
  const port = dto.LOCAL_KAFKA_PORT;
  if (controller < port + brokers && port < controller + brokers)
    problems.push(
      `LOCAL_KAFKA_CONTROLLER_PORT: ${brokers} broker(s) listen on ${port}–${port + brokers - 1} and their controllers on ${controller}–${controller + brokers - 1}; the ranges overlap (unset it: the controllers then take the ports after the brokers')`,
    );
  if (controller + brokers - 1 > 65535 || port + brokers - 1 > 65535)
    problems.push(
      'LOCAL_KAFKA_PORT / LOCAL_KAFKA_CONTROLLER_PORT: the last broker port is past 65535',
    );
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
    return (
      prefix !== undefined &&
      !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))
    );
  });
  if (entries.length === 0 || bad.length > 0)
    problems.push(
      'TRUST_PROXY: a hop count or comma-separated IP addresses/CIDRs of the proxies in front of the app',
    );
  return entries;
}

/** the built-in senders with the secrets their own variables hold */
function builtInSources(raw: Record<string, string>, problems: string[]): WebhookSourceConfig[] {
  return BUILT_IN_SOURCES.map(({ secretVariable, ...source }) => {
    const secrets = list(raw[secretVariable]);
    checkSecrets(secretVariable, secrets, SECRET_KIND_OF_SCHEME[source.scheme], problems);
    return { ...source, secrets, secretsFrom: secretVariable };
  });
}

const WEBHOOK_SOURCES_EXAMPLE =
  '[{"name":"acme","scheme":"standard-webhooks","secrets":["whsec_…"],"normalizer":"mobway"}]';

function parseWebhookSources(json: string | undefined, problems: string[]): WebhookSourceConfig[] {
  if (!json) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    problems.push(
      `WEBHOOK_SOURCES: not valid JSON (expected a list like ${WEBHOOK_SOURCES_EXAMPLE})`,
    );
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push('WEBHOOK_SOURCES: must be a JSON list');
    return [];
  }
  const sources: WebhookSourceConfig[] = [];
  const names = new Set<string>();
  parsed.forEach((entry: unknown, i) => {
    const at = `WEBHOOK_SOURCES[${i}]`;
    if (typeof entry !== 'object' || entry === null)
      return void problems.push(`${at}: must be an object`);
    const { name, scheme, secrets, normalizer, records } = entry as Record<string, unknown>;
    const before = problems.length;
    const builtIn = BUILT_IN_SOURCES.find((source) => source.name === name);
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(name))
      problems.push(`${at}.name: lowercase letters, digits and dashes`);
    else if (builtIn)
      problems.push(
        `${at}.name: "${name}" is built in; configure it with ${builtIn.secretVariable}`,
      );
    else if (names.has(name)) problems.push(`${at}.name: "${name}" appears twice`);
    if (!SCHEME_NAMES.includes(scheme as SchemeName))
      problems.push(`${at}.scheme: one of ${SCHEME_NAMES.join(', ')}`);
    const shape = normalizerOf(at, normalizer, records, problems);
    const secretList = typeof secrets === 'string' ? list(secrets) : secrets;
    if (
      secretList !== undefined &&
      (!Array.isArray(secretList) || secretList.some((s) => typeof s !== 'string'))
    )
      problems.push(`${at}.secrets: a list of strings`);
    else if (
      Array.isArray(secretList) &&
      SCHEME_NAMES.includes(scheme as SchemeName) &&
      secretList.some((s: string) => !isValidSecret(scheme as SchemeName, s))
    )
      problems.push(`${at}.secrets: not valid for the ${String(scheme)} scheme`);
    else if (Array.isArray(secretList) && SCHEME_NAMES.includes(scheme as SchemeName))
      checkSecrets(
        `${at}.secrets`,
        secretList as string[],
        SECRET_KIND_OF_SCHEME[scheme as SchemeName],
        problems,
      );
    if (problems.length > before || shape === undefined) return;
    names.add(name as string);
    sources.push({
      name: name as string,
      scheme: scheme as SchemeName,
      secrets: (secretList as string[] | undefined) ?? [],
      normalizer: shape,
      unfixable: 'refuse',
      secretsFrom: `WEBHOOK_SOURCES[${name as string}].secrets`,
    });
  });
  return sources;
}

/**
 * The body shape of a WEBHOOK_SOURCES entry: `normalizer` names it; `records` alone ("vehicle" or
 * "location", as entries said before shapes had names) means mobway's or WeGuard's shape.
 */
function normalizerOf(
  at: string,
  normalizer: unknown,
  records: unknown,
  problems: string[],
): NormalizerName | undefined {
  const known = `one of ${NORMALIZER_NAMES.join(', ')}`;
  if (records !== undefined && records !== 'vehicle' && records !== 'location') {
    problems.push(`${at}.records: "vehicle" or "location"`);
    return undefined;
  }
  if (normalizer === undefined) {
    if (records !== undefined) return NORMALIZER_FOR_RECORDS[records];
    problems.push(`${at}.normalizer: required, ${known}`);
    return undefined;
  }
  if (!isNormalizerName(normalizer)) {
    problems.push(
      `${at}.normalizer: ${typeof normalizer === 'string' ? `"${normalizer.slice(0, 40)}" is not a known normalizer; ` : ''}${known}`,
    );
    return undefined;
  }
  const recordType = NORMALIZERS[normalizer].recordType;
  if (records !== undefined && records !== recordType) {
    problems.push(
      `${at}.records: "${records}", but the ${normalizer} normalizer gives ${recordType} records; drop records or make them agree`,
    );
    return undefined;
  }
  return normalizer;
}

/** placeholders and short secrets are refused; the message names the variable and which secret of a list, never its value */
function checkSecrets(
  variable: string,
  secrets: string[],
  kind: SecretKind,
  problems: string[],
): void {
  secrets.forEach((secret, i) => {
    // a Standard Webhooks key is the base64 after `whsec_` (already checked to be valid base64)
    const key =
      kind === 'standardWebhooks'
        ? Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
        : undefined;
    const problem = secretProblem(secret, kind, key);
    if (problem)
      problems.push(
        `${variable}: ${secrets.length > 1 ? `secret #${i + 1}` : 'the secret'} ${problem}`,
      );
  });
}

function parseKafkaSecurity(
  dto: EnvDto,
  problems: string[],
): Pick<KafkaConnectionConfig, 'sasl' | 'ssl'> {
  const security: Pick<KafkaConnectionConfig, 'sasl' | 'ssl'> = {};
  const {
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: username,
    KAFKA_SASL_PASSWORD: password,
  } = dto;
  if (mechanism) {
    if (!username) problems.push('KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM is set');
    if (!password) problems.push('KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM is set');
    else checkSecrets('KAFKA_SASL_PASSWORD', [password], 'kafkaPassword', problems);
    if (username && password)
      security.sasl = { mechanism: mechanism as KafkaSaslMechanism, username, password };
  } else if (username || password) {
    problems.push(
      'KAFKA_SASL_MECHANISM: required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set (scram-sha-256, scram-sha-512 or plain)',
    );
  }
  if (dto.KAFKA_SSL === 'true') {
    security.ssl = {};
    if (dto.KAFKA_SSL_CA_FILE) {
      try {
        security.ssl.ca = readFileSync(dto.KAFKA_SSL_CA_FILE, 'utf8');
      } catch (error) {
        problems.push(
          `KAFKA_SSL_CA_FILE: cannot read ${dto.KAFKA_SSL_CA_FILE} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    }
  } else if (dto.KAFKA_SSL_CA_FILE) {
    problems.push('KAFKA_SSL_CA_FILE: set, but KAFKA_SSL is not true');
  }
  return security;
}

function parseAclPrincipals(
  value: string | undefined,
  problems: string[],
): { role: KafkaAclRole; user: string }[] {
  const principals: { role: KafkaAclRole; user: string }[] = [];
  for (const entry of list(value)) {
    const [role, user, extra] = entry.split('=').map((s) => s.trim());
    if (
      !KAFKA_ACL_ROLES.includes(role as KafkaAclRole) ||
      !user ||
      extra !== undefined ||
      !/^[^\s,=]{1,255}$/.test(user)
    ) {
      problems.push(
        `KAFKA_ACL_PRINCIPALS: "${entry}" is not role=user (roles: ${KAFKA_ACL_ROLES.join(', ')})`,
      );
      continue;
    }
    principals.push({ role: role as KafkaAclRole, user });
  }
  return principals;
}
