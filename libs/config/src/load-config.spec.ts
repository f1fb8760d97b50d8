import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

const KEY = 'k'.repeat(24);

describe(loadConfig.name, () => {
  it('applies the documented defaults', () => {
    const sut = loadConfig('gateway', {});
    expect(sut.ports).toEqual({ gateway: 3000, vehicleConsumer: 3001, locationConsumer: 3002 });
    expect(sut.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(sut.kafka.external).toBe(false);
    expect(sut.database.external).toBe(false);
    expect(sut.gateway.bodyLimitBytes).toBe(1048576);
    expect(sut.local.postgresPort).toBe(5433);
  });

  it('applies the documented edge defaults: no proxy trusted, timeouts, client limits, /metrics open on the app port', () => {
    const sut = loadConfig('gateway', {});
    expect(sut.trustProxy).toBe(false);
    expect(sut.http).toEqual({ maxConnections: 1024, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 72_000 });
    expect(sut.gateway.edge).toEqual({
      bodyMinBytesPerSecond: 8192,
      bodyRateWindowMs: 5000,
      maxBodyReads: 128,
      clientMaxBodyReads: 8,
      clientRate: { perSecond: 2000, burst: 4000 },
      clientRejected: { perSecond: 1, burst: 10 },
      rejectionLogIntervalMs: 10_000,
    });
    expect(sut.gateway.metrics).toEqual({ token: undefined, port: 0, host: '127.0.0.1' });
  });

  it.each([
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.1 ,fd00::/8', ['10.0.0.0/8', '192.168.1.1', 'fd00::/8']],
  ])('TRUST_PROXY=%j trusts %j', (value, expected) => {
    expect(loadConfig('gateway', { TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each(['true', '0', '11', '10.0.0.0/33', 'fd00::/129', 'proxy.example', '10.0.0.1/8/1', ','])('refuses TRUST_PROXY=%j', (value) => {
    expect(() => loadConfig('gateway', { TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
  });

  it('wants a METRICS_TOKEN of 16 characters or more, also from a file', () => {
    expect(() => loadConfig('gateway', { METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'token'), `${KEY}\n`);
    expect(loadConfig('gateway', { METRICS_TOKEN_FILE: join(dir, 'token'), METRICS_PORT: '9464' }).gateway.metrics).toEqual({ token: KEY, port: 9464, host: '127.0.0.1' });
  });

  it('reports every offending variable in one error, without echoing values', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig('consumer', { GATEWAY_PORT: '70000', KAFKA_BROKERS: 'nope', DATABASE_URL: 'mysql://secret-password@x', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const names = error!.problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(expect.arrayContaining(['GATEWAY_PORT', 'KAFKA_BROKERS', 'DATABASE_URL', 'LOG_LEVEL', 'QUERY_API_KEYS']));
    expect(error!.message).not.toContain('secret-password');
  });

  it('splits secret lists for key rotation and marks configured services external', () => {
    const sut = loadConfig('gateway', { MOBWAY_SIGN_SECRET: 'a, b ,c', KAFKA_BROKERS: 'k1:9092,k2:9092', DATABASE_URL: 'postgres://u:p@db/x' });
    expect(sut.gateway.mobwaySecrets).toEqual(['a', 'b', 'c']);
    expect(sut.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(sut.kafka.external).toBe(true);
    expect(sut.database.external).toBe(true);
  });

  it('reads <NAME>_FILE and refuses both forms at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'keys'), `${KEY}\n`);
    expect(loadConfig('consumer', { QUERY_API_KEYS_FILE: join(dir, 'keys') }).query.apiKeys).toEqual([KEY]);
    expect(() => loadConfig('consumer', { QUERY_API_KEYS: KEY, QUERY_API_KEYS_FILE: join(dir, 'keys') })).toThrow(/both set/);
    expect(() => loadConfig('gateway', { MOBWAY_SIGN_SECRET_FILE: join(dir, 'missing') })).toThrow(/MOBWAY_SIGN_SECRET_FILE: cannot read/);
  });

  it('validates generic webhook sources', () => {
    const ok = loadConfig('gateway', {
      WEBHOOK_SOURCES: JSON.stringify([{ name: 'acme', scheme: 'github', secrets: ['s1', 's2'], records: 'location' }]),
    });
    expect(ok.gateway.sources).toEqual([{ name: 'acme', scheme: 'github', secrets: ['s1', 's2'], records: 'location' }]);
    expect(() =>
      loadConfig('gateway', { WEBHOOK_SOURCES: JSON.stringify([{ name: 'mobway', scheme: 'rot13', records: 'boats' }]) }),
    ).toThrow(/name.*built in[\s\S]*scheme[\s\S]*records/);
    expect(() => loadConfig('gateway', { WEBHOOK_SOURCES: '[{' })).toThrow(/not valid JSON/);
  });
});
