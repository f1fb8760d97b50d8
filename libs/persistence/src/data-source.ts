import { DataSource } from 'typeorm';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema';
import { RangePageIndex1764000000000 } from './migrations/1764000000000-range-page-index';
import { PartitionedRecords1765000000000 } from './migrations/1765000000000-partitioned-records';
import { DeadLetters1766000000000 } from './migrations/1766000000000-dead-letters';
import { ReplayJobs1766100000000 } from './migrations/1766100000000-replay-jobs';
import { CompletenessLedger1766200000000 } from './migrations/1766200000000-completeness-ledger';
import { KafkaLogIdentity1766400000000 } from './migrations/1766400000000-kafka-log-identity';

/** every migration, in order (a test may apply a prefix to build an older schema) */
export const MIGRATIONS = [
  InitialSchema1763800000000,
  RangePageIndex1764000000000,
  PartitionedRecords1765000000000,
  DeadLetters1766000000000,
  ReplayJobs1766100000000,
  CompletenessLedger1766200000000,
  KafkaLogIdentity1766400000000,
];

/**
 * The one place that knows how to reach PostgreSQL; schema changes are migrations, never
 * synchronize. With `replicaUrl`, query runners asked for in 'slave' mode (the query APIs' reads)
 * use a pool of their own on the replica; everything else, writes included, the primary's.
 */
export function createDataSource(
  url: string,
  poolSize = 10,
  applicationName = 'fleet-telemetry',
  migrations: readonly (typeof MIGRATIONS)[number][] = MIGRATIONS,
  replicaUrl?: string,
): DataSource {
  return new DataSource({
    type: 'postgres',
    ...(replicaUrl ? { replication: { master: { url }, slaves: [{ url: replicaUrl }] } } : { url }),
    synchronize: false,
    migrationsRun: false,
    migrations: [...migrations],
    migrationsTableName: 'schema_migrations',
    entities: [],
    applicationName,
    extra: { max: poolSize, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 },
  });
}

/** applies the pending ones of `migrations` (all, unless a test builds an older schema) */
export async function runMigrations(
  url: string,
  migrations: readonly (typeof MIGRATIONS)[number][] = MIGRATIONS,
): Promise<string[]> {
  const dataSource = await createDataSource(
    url,
    1,
    'fleet-telemetry-migrate',
    migrations,
  ).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
