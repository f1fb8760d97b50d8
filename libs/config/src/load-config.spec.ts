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
    expect(sut.query.vehicleDataMaxWindowDays).toBe(31);
    expect(sut.gateway.bodyLimitBytes).toBe(1048576);
    expect(sut.gateway.maxReadingsPerRequest).toBe(10_000);
    expect(sut.gateway.replayWindowSeconds).toBe(600);
    expect(sut.gateway.publish.maxBatchBytes).toBe(2 * 1024 * 1024);
    expect(sut.local.postgresPort).toBe(5433);
  });

  it('refuses a produce request budget that a whole body and its base64 dead letter would not fit', () => {
    expect(() => loadConfig('gateway', { PUBLISH_MAX_BATCH_BYTES: String(1024 * 1024) })).toThrow(/PUBLISH_MAX_BATCH_BYTES: must be at least 1.5 × BODY_LIMIT_BYTES/);
    expect(loadConfig('gateway', { PUBLISH_MAX_BATCH_BYTES: String(1024 * 1024), BODY_LIMIT_BYTES: String(512 * 1024) }).gateway.publish.maxBatchBytes).toBe(1024 * 1024);
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
