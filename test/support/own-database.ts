import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '@app/persistence';
import { testStack } from './running-app';

/**
 * A migrated database of its own on the suite's PostgreSQL, for a spec whose apps must not share
 * the suite's: the ledger and the dead-letter store keep Kafka positions there. Returns its URL.
 */
export async function ownDatabase(prefix: string): Promise<string> {
  const database = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: testStack().databaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = Object.assign(new URL(testStack().databaseUrl), { pathname: `/${database}` });
  await runMigrations(url.toString());
  return url.toString();
}
