import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '@app/config';
import { ensureDevEnv, projectRoot, runDir, stopRecorded, withDevEnv } from '@app/local-stack';

/**
 * `npm run stop`: stops what a launcher on this data folder (LOCAL_DATA_DIR) started and left
 * running, from the pid files in `<data dir>/run/`. A running launcher is asked first (it stops its
 * apps, Kafka and PostgreSQL in order); whatever is left then gets its own polite signal in the same
 * order, SIGKILL after its grace. A pid is signalled only while it runs the recorded command line.
 */
async function main(): Promise<void> {
  const root = projectRoot();
  let dataDir: string;
  try {
    dataDir = resolve(
      root,
      loadConfig('launcher', withDevEnv(process.env, ensureDevEnv(root).values)).local.dataDir,
    );
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const stopped = await stopRecorded(runDir(dataDir), (line) => console.log(`[stop] ${line}`));
  console.log(
    stopped.length
      ? `[stop] stopped ${stopped.join(', ')}`
      : `[stop] nothing of this project is running on ${dataDir}`,
  );
}

main().catch((error: Error) => {
  console.error(`stop: ${error.message}`);
  process.exit(1);
});
