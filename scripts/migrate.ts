import { loadConfig } from '@app/config';
import { runMigrations } from '@app/persistence';

/** applies pending migrations to DATABASE_URL (docker compose runs this before the consumers) */
async function main(): Promise<void> {
  const config = loadConfig('launcher');
  const applied = await runMigrations(config.database.url);
  console.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date');
}

main().catch((error: Error) => {
  console.error(`migrate: ${error.message}`);
  process.exit(1);
});
