import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureKafkaJars, postgresBinaries } from '@app/local-stack';

/** the browser test of the web console (test/console-ui.e2e-spec.ts) drives this Chromium */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const log = (line: string) => console.log(`[setup] ${line}`);

/** one-time downloads for the local stack, so the first `npm start` or test run does not wait on them */
async function main(): Promise<void> {
  const dir = await ensureKafkaJars(log);
  log(`Kafka jars in ${dir}`);
  log(`PostgreSQL binaries in ${postgresBinaries().postgres.replace(/\/bin\/postgres$/, '')}`);
  ensureChromium(process.env.CHROMIUM_PATH);
}

/**
 * Debian's chromium package, installed with apt-get when it is missing and we may (root on a
 * machine with apt-get); CHROMIUM_PATH names another browser instead. Elsewhere only a note: the
 * apps never need a browser, only the web console's browser test does.
 */
function ensureChromium(given: string | undefined): void {
  const path = given ?? DEBIAN_CHROMIUM;
  if (existsSync(path)) return log(`Chromium at ${path}`);
  if (given !== undefined) throw new Error(`CHROMIUM_PATH=${given}: no such file`);
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get'))
    return log(
      `no Chromium at ${path}: the web console's browser test needs one (Debian: apt-get install chromium; elsewhere set CHROMIUM_PATH)`,
    );
  log(
    `no Chromium at ${path}: installing Debian's chromium package (apt-get update, apt-get install -y chromium)`,
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', 'chromium']]) {
    const run = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${run.status})`);
  }
  if (!existsSync(path)) throw new Error(`apt-get installed chromium, yet ${path} is missing`);
  log(`Chromium at ${path}`);
}

main().catch((error: Error) => {
  console.error(`[setup] ${error.message}`);
  process.exit(1);
});
