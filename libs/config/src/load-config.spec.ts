import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';
import type { Role } from './app-config';

const KEY = 'query-key-5f0c2a9e41d7';
const HMAC = (name: string) => `${name}-7c1e9a53b2f04d68a1e2c3b4d5f6a7b8`;
const WHSEC = (bytes: number) =>
  `whsec_${Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 37 + 11) % 256)).toString('base64')}`;

function secretFile(value: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'secret');
  writeFileSync(file, `${value}\n`);
  return file;
}

/** the problems a configuration is refused with (none: it was accepted) */
function problemsOf(role: Role, env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(role, env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe(loadConfig.name, () => {
  it('applies the documented defaults', () => {
    const sut = loadConfig('gateway', {});
    expect(sut.ports).toEqual({
      gateway: 3000,
      vehicleConsumer: 3001,
      locationConsumer: 3002,
      console: 3003,
    });
    expect(sut.deadLetters).toEqual({ retentionDays: 30 });
    expect(sut.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(sut.kafka.external).toBe(false);
    expect(sut.database.external).toBe(false);
    expect(sut.query.vehicleDataMaxWindowDays).toBe(31);
    expect(sut.gateway.bodyLimitBytes).toBe(1048576);
    expect(sut.gateway.maxReadingsPerRequest).toBe(10_000);
    expect(sut.gateway.replayWindowSeconds).toBe(600);
    expect(sut.gateway.publish.maxBatchBytes).toBe(2 * 1024 * 1024);
    expect(sut.local.postgresPort).toBe(5433);
  });

  it('runs one local Kafka node unless told; a cluster takes consecutive ports, controllers after the brokers', () => {
    const one = loadConfig('launcher', {});
    expect(one.local).toMatchObject({
      kafkaBrokers: 1,
      kafkaPort: 9092,
      kafkaControllerPort: 9093,
    });
    // unset: chosen from the cluster's size when the topics are created
    expect(one.kafka.replicationFactor).toBeUndefined();
    expect(loadConfig('launcher', { KAFKA_REPLICATION_FACTOR: '2' }).kafka.replicationFactor).toBe(
      2,
    );
    const three = loadConfig('launcher', { LOCAL_KAFKA_BROKERS: '3' });
    expect(three.local).toMatchObject({
      kafkaBrokers: 3,
      kafkaPort: 9092,
      kafkaControllerPort: 9095,
    });
    expect(
      loadConfig('launcher', { LOCAL_KAFKA_BROKERS: '3', LOCAL_KAFKA_PORT: '19002' }).local
        .kafkaControllerPort,
    ).toBe(19005);
    expect(
      problemsOf('launcher', { LOCAL_KAFKA_BROKERS: '3', LOCAL_KAFKA_CONTROLLER_PORT: '9093' }),
    ).toEqual([
      expect.stringMatching(
        /^LOCAL_KAFKA_CONTROLLER_PORT: 3 broker\(s\) listen on 9092–9094 and their controllers on 9093–9095; the ranges overlap/,
      ),
    ]);
    expect(problemsOf('launcher', { LOCAL_KAFKA_PORT: '9093' })).toEqual([
      expect.stringMatching(/^LOCAL_KAFKA_CONTROLLER_PORT: .* overlap/),
    ]);
    expect(problemsOf('launcher', { LOCAL_KAFKA_BROKERS: '0' })).toEqual([
      expect.stringMatching(/^LOCAL_KAFKA_BROKERS: /),
    ]);
    expect(
      problemsOf('launcher', { LOCAL_KAFKA_BROKERS: '4', LOCAL_KAFKA_CONTROLLER_PORT: '9200' }),
    ).toEqual([]);
  });

  it('partitions record tables by week and keeps everything unless told; retention and span are checked', () => {
    expect(loadConfig('gateway', {}).storage).toEqual({
      partitionSpan: 'week',
      retentionDays: { vehicle: 0, location: 0 },
    });
    expect(
      loadConfig('gateway', {
        RECORD_PARTITION_SPAN: 'day',
        VEHICLE_RETENTION_DAYS: '90',
        LOCATION_RETENTION_DAYS: '0',
      }).storage,
    ).toEqual({ partitionSpan: 'day', retentionDays: { vehicle: 90, location: 0 } });
    const problems = problemsOf('gateway', {
      RECORD_PARTITION_SPAN: 'hour',
      VEHICLE_RETENTION_DAYS: '-1',
      LOCATION_RETENTION_DAYS: 'a month',
    });
    expect(problems).toHaveLength(3);
    expect(loadConfig('gateway', { DEAD_LETTER_RETENTION_DAYS: '0' }).deadLetters).toEqual({
      retentionDays: 0,
    });
    expect(problemsOf('gateway', { DEAD_LETTER_RETENTION_DAYS: '-3' })).toEqual([
      expect.stringMatching(/^DEAD_LETTER_RETENTION_DAYS: /),
    ]);
    expect(problems.join('\n')).toMatch(/RECORD_PARTITION_SPAN/);
    expect(problems.join('\n')).toMatch(/VEHICLE_RETENTION_DAYS/);
    expect(problems.join('\n')).toMatch(/LOCATION_RETENTION_DAYS/);
  });

  it('gives the console the other apps at 127.0.0.1 and their ports unless their URLs are set', () => {
    expect(loadConfig('gateway', { VEHICLE_CONSUMER_PORT: '4001' }).console).toEqual({
      upstreams: {
        gateway: 'http://127.0.0.1:3000',
        vehicleConsumer: 'http://127.0.0.1:4001',
        locationConsumer: 'http://127.0.0.1:3002',
      },
      upstreamTimeoutMs: 5000,
    });
    expect(
      loadConfig('gateway', { CONSOLE_GATEWAY_URL: 'http://ingest-gateway:3000/' }).console
        .upstreams.gateway,
    ).toBe('http://ingest-gateway:3000');
    expect(problemsOf('gateway', { CONSOLE_LOCATION_CONSUMER_URL: 'location:3002' })).toEqual([
      expect.stringMatching(/^CONSOLE_LOCATION_CONSUMER_URL: /),
    ]);
  });

  it('applies the documented edge defaults: no proxy trusted, timeouts, client limits, /metrics open on the app port', () => {
    const sut = loadConfig('gateway', {});
    expect(sut.trustProxy).toBe(false);
    expect(sut.http).toEqual({
      maxConnections: 1024,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 72_000,
    });
    expect(sut.gateway.edge).toEqual({
      bodyMinBytesPerSecond: 8192,
      bodyRateWindowMs: 5000,
      maxBodyReads: 128,
      clientMaxBodyReads: 8,
      clientRate: { perSecond: 2000, burst: 4000 },
      clientRejected: { perSecond: 1, burst: 10 },
      rejectionLogIntervalMs: 10_000,
    });
    expect(sut.metrics).toEqual({ token: undefined, port: 0, host: '127.0.0.1' });
  });

  it.each([
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.1 ,fd00::/8', ['10.0.0.0/8', '192.168.1.1', 'fd00::/8']],
  ])('TRUST_PROXY=%j trusts %j', (value, expected) => {
    expect(loadConfig('gateway', { TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['true', '0', '11', '10.0.0.0/33', 'fd00::/129', 'proxy.example', '10.0.0.1/8/1', ','])(
    'refuses TRUST_PROXY=%j',
    (value) => {
      expect(() => loadConfig('gateway', { TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );

  it('wants a METRICS_TOKEN of 16 characters or more, also from a file', () => {
    expect(() => loadConfig('gateway', { METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    expect(() => loadConfig('gateway', { METRICS_TOKEN: 'change-me-metrics-token' })).toThrow(
      /METRICS_TOKEN: the secret is a placeholder/,
    );
    const token = 'q8Vn3kLw7RzT2pXa9HbC';
    writeFileSync(join(dir, 'token'), `${token}\n`);
    expect(
      loadConfig('gateway', { METRICS_TOKEN_FILE: join(dir, 'token'), METRICS_PORT: '9464' })
        .metrics,
    ).toEqual({ token, port: 9464, host: '127.0.0.1' });
  });

  it('gives the consumers the same METRICS_* settings as the gateway', () => {
    const token = 'q8Vn3kLw7RzT2pXa9HbC';
    expect(
      loadConfig('consumer', {
        QUERY_API_KEYS: 'k7Gm2xQp9LwR4tVz',
        METRICS_TOKEN: token,
        METRICS_PORT: '9465',
        METRICS_HOST: '0.0.0.0',
      }).metrics,
    ).toEqual({ token, port: 9465, host: '0.0.0.0' });
  });

  it('refuses a produce request budget that a whole body and its base64 dead letter would not fit', () => {
    expect(() => loadConfig('gateway', { PUBLISH_MAX_BATCH_BYTES: String(1024 * 1024) })).toThrow(
      /PUBLISH_MAX_BATCH_BYTES: must be at least 1.5 × BODY_LIMIT_BYTES/,
    );
    expect(
      loadConfig('gateway', {
        PUBLISH_MAX_BATCH_BYTES: String(1024 * 1024),
        BODY_LIMIT_BYTES: String(512 * 1024),
      }).gateway.publish.maxBatchBytes,
    ).toBe(1024 * 1024);
  });

  it('reports every offending variable in one error, without echoing values', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig('consumer', {
        GATEWAY_PORT: '70000',
        KAFKA_BROKERS: 'nope',
        DATABASE_URL: 'mysql://secret-password@x',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = error!.problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'GATEWAY_PORT',
        'KAFKA_BROKERS',
        'DATABASE_URL',
        'LOG_LEVEL',
        'QUERY_API_KEYS',
      ]),
    );
    expect(error!.message).not.toContain('secret-password');
  });

  it('splits secret lists for key rotation and marks configured services external', () => {
    const sut = loadConfig('gateway', {
      MOBWAY_SIGN_SECRET: `${HMAC('a')}, ${HMAC('b')} ,${HMAC('c')}`,
      KAFKA_BROKERS: 'k1:9092,k2:9092',
      DATABASE_URL: 'postgres://u:p@db/x',
    });
    expect(sut.gateway.sources.find((s) => s.name === 'mobway')?.secrets).toEqual([
      HMAC('a'),
      HMAC('b'),
      HMAC('c'),
    ]);
    expect(sut.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(sut.kafka.external).toBe(true);
    expect(sut.database.external).toBe(true);
  });

  it('reads <NAME>_FILE and refuses both forms at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'keys'), `${KEY}\n`);
    expect(
      loadConfig('consumer', { QUERY_API_KEYS_FILE: join(dir, 'keys') }).query.apiKeys,
    ).toEqual([KEY]);
    expect(() =>
      loadConfig('consumer', { QUERY_API_KEYS: KEY, QUERY_API_KEYS_FILE: join(dir, 'keys') }),
    ).toThrow(/both set/);
    expect(() => loadConfig('gateway', { MOBWAY_SIGN_SECRET_FILE: join(dir, 'missing') })).toThrow(
      /MOBWAY_SIGN_SECRET_FILE: cannot read/,
    );
  });

  it('serves the built-in sources from their own variables, as data', () => {
    const sut = loadConfig('gateway', {
      MOBWAY_SIGN_SECRET: HMAC('m'),
      WEGUARD_SECRET_FILE: secretFile(HMAC('w')),
    });
    expect(sut.gateway.sources).toEqual([
      {
        name: 'mobway',
        scheme: 'mobway',
        secrets: [HMAC('m')],
        normalizer: 'mobway',
        unfixable: 'acknowledge',
        secretsFrom: 'MOBWAY_SIGN_SECRET',
      },
      {
        name: 'weguard',
        scheme: 'weguard',
        secrets: [HMAC('w')],
        normalizer: 'weguard',
        unfixable: 'refuse',
        secretsFrom: 'WEGUARD_SECRET',
      },
    ]);
    // unset: listed without secrets (the gateway does not serve it)
    expect(loadConfig('gateway', {}).gateway.sources.map((s) => [s.name, s.secrets])).toEqual([
      ['mobway', []],
      ['weguard', []],
    ]);
  });

  it('validates further webhook sources, each naming its normalizer', () => {
    const ok = loadConfig('gateway', {
      WEBHOOK_SOURCES: JSON.stringify([
        {
          name: 'acme',
          scheme: 'github',
          secrets: [HMAC('s1'), HMAC('s2')],
          normalizer: 'traccar',
        },
      ]),
    });
    expect(ok.gateway.sources.slice(2)).toEqual([
      {
        name: 'acme',
        scheme: 'github',
        secrets: [HMAC('s1'), HMAC('s2')],
        normalizer: 'traccar',
        unfixable: 'refuse',
        secretsFrom: 'WEBHOOK_SOURCES[acme].secrets',
      },
    ]);
    expect(() =>
      loadConfig('gateway', {
        WEBHOOK_SOURCES: JSON.stringify([{ name: 'mobway', scheme: 'rot13', records: 'boats' }]),
      }),
    ).toThrow(/name.*built in; configure it with MOBWAY_SIGN_SECRET[\s\S]*scheme[\s\S]*records/);
    expect(() => loadConfig('gateway', { WEBHOOK_SOURCES: '[{' })).toThrow(/not valid JSON/);
  });

  it.each<[string, Record<string, unknown>, string | undefined]>([
    ['records "vehicle" alone as the mobway shape', { records: 'vehicle' }, 'mobway'],
    ['records "location" alone as the WeGuard shape', { records: 'location' }, 'weguard'],
    [
      'a normalizer and records that agree',
      { normalizer: 'traccar', records: 'location' },
      'traccar',
    ],
    ['a normalizer alone', { normalizer: 'weguard' }, 'weguard'],
  ])('reads %s', (_case, fields, normalizer) => {
    const sut = loadConfig('gateway', {
      WEBHOOK_SOURCES: JSON.stringify([
        { name: 'acme', scheme: 'github', secrets: [HMAC('s')], ...fields },
      ]),
    });
    expect(sut.gateway.sources[2].normalizer).toBe(normalizer);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'an unknown normalizer, listing the known ones',
      { normalizer: 'osmand' },
      'WEBHOOK_SOURCES[0].normalizer: "osmand" is not a known normalizer; one of mobway, weguard, traccar',
    ],
    [
      'a normalizer that is not a name',
      { normalizer: 7 },
      'WEBHOOK_SOURCES[0].normalizer: one of mobway, weguard, traccar',
    ],
    [
      'an inherited property name',
      { normalizer: 'constructor' },
      'WEBHOOK_SOURCES[0].normalizer: "constructor" is not a known normalizer; one of mobway, weguard, traccar',
    ],
    [
      'neither normalizer nor records',
      {},
      'WEBHOOK_SOURCES[0].normalizer: required, one of mobway, weguard, traccar',
    ],
    [
      'records that contradict the normalizer',
      { normalizer: 'traccar', records: 'vehicle' },
      'WEBHOOK_SOURCES[0].records: "vehicle", but the traccar normalizer gives location records; drop records or make them agree',
    ],
  ])('refuses %s', (_case, fields, problem) => {
    expect(
      problemsOf('gateway', {
        WEBHOOK_SOURCES: JSON.stringify([
          { name: 'acme', scheme: 'github', secrets: [HMAC('s')], ...fields },
        ]),
      }),
    ).toEqual([problem]);
  });

  describe('secrets', () => {
    it.each([
      ['the compose placeholder', 'change-me-mobway'],
      ['a long change-me', 'change-me-mobway-0123456789abcdef0123456789'],
      ['changeme', 'CHANGEME'],
      ['a common word', 'secret'],
      ['a common word with digits', 'Password123'],
      ['a template', 'your-mobway-secret-goes-here-0123456789'],
      ['an elided example', 'mobway-0123456789abcdef…'],
      ['a slot', '<mobway sign secret from the portal>'],
      ['one character repeated', 'x'.repeat(64)],
      ['two characters alternating', 'ab'.repeat(32)],
      ['one character', 'a'],
      ['31 bytes', 'k3Y-9fQ2mZ7wX1vB8nR4tL6pD0sH5jC'],
    ])('refuses %s as an HMAC secret, naming the variable and never the value', (_, secret) => {
      const problems = problemsOf('gateway', {
        MOBWAY_SIGN_SECRET: secret,
        WEGUARD_SECRET: secret,
      });
      expect(problems).toEqual([
        expect.stringMatching(
          /^MOBWAY_SIGN_SECRET: the secret (is a placeholder|has fewer than 6 distinct|is shorter than 32 bytes)/,
        ),
        expect.stringMatching(/^WEGUARD_SECRET: /),
      ]);
      // (the two shortest are words of the message itself)
      if (secret.length > 6) expect(problems.join('\n')).not.toContain(secret);
    });

    it('accepts a 32-byte HMAC secret and says which secret of a rotation list is refused', () => {
      expect(
        problemsOf('gateway', { MOBWAY_SIGN_SECRET: 'k3Y-9fQ2mZ7wX1vB8nR4tL6pD0sH5jCa' }),
      ).toEqual([]);
      expect(problemsOf('gateway', { MOBWAY_SIGN_SECRET: `${HMAC('new')},change-me-old` })).toEqual(
        ['MOBWAY_SIGN_SECRET: secret #2 is a placeholder; set a real secret'],
      );
    });

    it('holds generic sources to their scheme: HMAC keys of 32 bytes, Standard Webhooks keys that decode to 24', () => {
      const source = (scheme: string, secret: string) => ({
        WEBHOOK_SOURCES: JSON.stringify([
          { name: 'acme', scheme, secrets: [secret], records: 'vehicle' },
        ]),
      });
      expect(problemsOf('gateway', source('standard-webhooks', WHSEC(24)))).toEqual([]);
      expect(problemsOf('gateway', source('standard-webhooks', WHSEC(23)))).toEqual([
        'WEBHOOK_SOURCES[0].secrets: the secret decodes to fewer than 24 bytes',
      ]);
      expect(problemsOf('gateway', source('standard-webhooks', 'whsec_change-me'))).toEqual([
        'WEBHOOK_SOURCES[0].secrets: not valid for the standard-webhooks scheme',
      ]);
      expect(problemsOf('gateway', source('github', 'octo-1234'))).toEqual([
        'WEBHOOK_SOURCES[0].secrets: the secret is shorter than 32 bytes',
      ]);
      expect(
        problemsOf('gateway', source('github', 'example-octo-secret-0123456789abcdef')),
      ).toEqual(['WEBHOOK_SOURCES[0].secrets: the secret is a placeholder; set a real secret']);
    });

    it('holds bearer-token sources to 32-byte tokens without spaces, placeholders refused', () => {
      const source = (secret: string) => ({
        WEBHOOK_SOURCES: JSON.stringify([
          { name: 'traccar', scheme: 'bearer-token', secrets: [secret], normalizer: 'traccar' },
        ]),
      });
      expect(problemsOf('gateway', source('t7Kq2Vn9xR4mB8wZ1cF6hJ3pL0sD5gYa'))).toEqual([]);
      expect(problemsOf('gateway', source('t7Kq2Vn9xR4mB8wZ1cF6hJ3pL0sD5gY'))).toEqual([
        'WEBHOOK_SOURCES[0].secrets: not valid for the bearer-token scheme',
      ]);
      expect(problemsOf('gateway', source('t7Kq2Vn9xR4m B8wZ1cF6hJ3pL0sD5gYa'))).toEqual([
        'WEBHOOK_SOURCES[0].secrets: not valid for the bearer-token scheme',
      ]);
      expect(problemsOf('gateway', source('change-me-traccar-forward-token-0123'))).toEqual([
        'WEBHOOK_SOURCES[0].secrets: the secret is a placeholder; set a real secret',
      ]);
    });

    it('refuses placeholder and short query API keys', () => {
      expect(problemsOf('consumer', { QUERY_API_KEYS: 'change-me-query-api-key' })).toEqual([
        'QUERY_API_KEYS: the secret is a placeholder; set a real secret',
      ]);
      expect(problemsOf('consumer', { QUERY_API_KEYS: 'short-key' })).toEqual([
        expect.stringMatching(/^QUERY_API_KEYS: .*at least 16 characters/),
        'QUERY_API_KEYS: the secret is shorter than 16 bytes',
      ]);
      expect(problemsOf('consumer', { QUERY_API_KEYS: KEY })).toEqual([]);
    });

    it('requires query API keys of the consumers and the console, not of the gateway', () => {
      expect(problemsOf('console', {})).toEqual([
        'QUERY_API_KEYS: required by the console (its API needs at least one key)',
      ]);
      expect(problemsOf('consumer', {})).toEqual([
        'QUERY_API_KEYS: required by the consumers (their query APIs need at least one key)',
      ]);
      expect(problemsOf('gateway', {})).toEqual([]);
    });
  });

  describe('Kafka security', () => {
    const PASSWORD = 'kafka-pw-4b7d19e2c05a';

    it('connects without authentication by default', () => {
      const sut = loadConfig('gateway', {});
      expect(sut.kafka.sasl).toBeUndefined();
      expect(sut.kafka.ssl).toBeUndefined();
    });

    it('takes SASL credentials, the password also from a file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
      writeFileSync(join(dir, 'pw'), `${PASSWORD}\n`);
      const sut = loadConfig('gateway', {
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'gateway',
        KAFKA_SASL_PASSWORD_FILE: join(dir, 'pw'),
      });
      expect(sut.kafka.sasl).toEqual({
        mechanism: 'scram-sha-512',
        username: 'gateway',
        password: PASSWORD,
      });
    });

    it('refuses half a SASL configuration, an unknown mechanism and a placeholder password', () => {
      expect(problemsOf('gateway', { KAFKA_SASL_MECHANISM: 'plain' })).toEqual([
        'KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM is set',
        'KAFKA_SASL_PASSWORD: required when KAFKA_SASL_MECHANISM is set',
      ]);
      expect(
        problemsOf('gateway', { KAFKA_SASL_USERNAME: 'gateway', KAFKA_SASL_PASSWORD: PASSWORD }),
      ).toEqual([expect.stringMatching(/^KAFKA_SASL_MECHANISM: required/)]);
      expect(
        problemsOf('gateway', {
          KAFKA_SASL_MECHANISM: 'gssapi',
          KAFKA_SASL_USERNAME: 'g',
          KAFKA_SASL_PASSWORD: PASSWORD,
        }),
      ).toEqual([expect.stringMatching(/^KAFKA_SASL_MECHANISM: /)]);
      const problems = problemsOf('gateway', {
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'gateway',
        KAFKA_SASL_PASSWORD: 'changeme',
      });
      expect(problems).toEqual([
        'KAFKA_SASL_PASSWORD: the secret is a placeholder; set a real secret',
      ]);
    });

    it('turns on TLS with an optional CA bundle, and refuses a CA without TLS', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
      writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
      expect(loadConfig('gateway', { KAFKA_SSL: 'true' }).kafka.ssl).toEqual({});
      expect(
        loadConfig('gateway', { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'ca.pem') }).kafka
          .ssl,
      ).toEqual({ ca: '-----BEGIN CERTIFICATE-----\n' });
      expect(problemsOf('gateway', { KAFKA_SSL_CA_FILE: join(dir, 'ca.pem') })).toEqual([
        'KAFKA_SSL_CA_FILE: set, but KAFKA_SSL is not true',
      ]);
      expect(
        problemsOf('gateway', { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: join(dir, 'missing') }),
      ).toEqual([expect.stringMatching(/^KAFKA_SSL_CA_FILE: cannot read/)]);
      expect(problemsOf('gateway', { KAFKA_SSL: 'yes' })).toEqual([
        expect.stringMatching(/^KAFKA_SSL: /),
      ]);
    });

    it('parses the principals whose ACLs provisioning grants', () => {
      expect(
        loadConfig('launcher', {
          KAFKA_ACL_PRINCIPALS: 'gateway=gw, vehicle-consumer=vc,subscriber=bi,subscriber=ops',
        }).kafka.aclPrincipals,
      ).toEqual([
        { role: 'gateway', user: 'gw' },
        { role: 'vehicle-consumer', user: 'vc' },
        { role: 'subscriber', user: 'bi' },
        { role: 'subscriber', user: 'ops' },
      ]);
      expect(problemsOf('launcher', { KAFKA_ACL_PRINCIPALS: 'admin=root,gateway' })).toHaveLength(
        2,
      );
    });
  });
});
