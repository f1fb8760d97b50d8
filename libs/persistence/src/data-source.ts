import { DataSource } from 'typeorm';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema';
import { RangePageIndex1764000000000 } from './migrations/1764000000000-range-page-index';

/** the one place that knows how to reach PostgreSQL; schema changes are migrations, never synchronize */
export function createDataSource(
  url: string,
  poolSize = 10,
  applicationName = 'fleet-telemetry',
): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: [InitialSchema1763800000000, RangePageIndex1764000000000],
    migrationsTableName: 'schema_migrations',
    entities: [],
    applicationName,
    extra: { max: poolSize, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000 },
  });
}

export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = await createDataSource(url, 1, 'fleet-telemetry-migrate').initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
