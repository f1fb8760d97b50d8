import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/** the pg pool behind TypeORM's data source: what needs one connection for several statements takes it here */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/**
 * Runs the work on one pooled connection and hands it back. A connection is closed rather than
 * reused when it was lost meanwhile, or when the work failed and `afterFailure` (given the error)
 * does not clear it: by default any failure, since a connection that failed half-way may still
 * hold a transaction, a session lock or a setting.
 */
export async function onPooledClient<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  afterFailure: (client: PoolClient, error: Error) => Promise<Error | undefined> = (_, error) =>
    Promise.resolve(error),
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // the pool stops listening to a client it hands out: a connection lost between two of our
  // queries would otherwise be an unhandled 'error' event and take the process down
  const lost = (error: Error): void => void (broken = error);
  client.on('error', lost);
  try {
    return await work(client);
  } catch (error) {
    broken = (await afterFailure(client, error as Error)) ?? broken;
    throw error;
  } finally {
    client.off('error', lost);
    client.release(broken);
  }
}
