import { ensureKafkaJars, postgresBinaries } from '@app/local-stack';

/** one-time downloads for the local stack, so the first `npm start` or test run does not wait on them */
async function main(): Promise<void> {
  const dir = await ensureKafkaJars((line) => console.log(`[setup] ${line}`));
  console.log(`[setup] Kafka jars in ${dir}`);
  console.log(
    `[setup] PostgreSQL binaries in ${postgresBinaries().postgres.replace(/\/bin\/postgres$/, '')}`,
  );
}

main().catch((error: Error) => {
  console.error(`[setup] ${error.message}`);
  process.exit(1);
});
