import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AppProcess, ChaosStack, markRun, reapLeftovers, ROOT } from '../processes';

/**
 * Reproduces the slow rejoin seen in chaos runs (docs/chaos.md, "Findings"): a consumer is
 * SIGKILLed, its replacement is SIGKILLed while its JoinGroup is pending, and a third one starts.
 * Prints how long the third took to get partitions, and how many SyncGroup requests timed out.
 * `node <dist>/chaos/repro/consumer-rejoin.js`
 */
const PORT_BASE = Number(
  process.env.CHAOS_PORT_BASE || Number(process.env.E2E_PORT_BASE || 19000) + 500,
);

async function main(): Promise<void> {
  markRun(PORT_BASE);
  const logDir = join(ROOT, '.data', `chaos-${PORT_BASE}-logs`);
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const stack = new ChaosStack(
    join(ROOT, '.data', `chaos-${PORT_BASE}`),
    PORT_BASE,
    join(logDir, 'stack.log'),
  );
  const log = join(logDir, 'vehicle-consumer.log');
  let app: AppProcess | undefined;
  const started = Date.now();
  const at = (): string => `+${((Date.now() - started) / 1000).toFixed(1)}s`;
  const joins = (): number =>
    (readFileSync(log, 'utf8').match(/joined vehicle-consumer, partitions \[[^\]]*\]/g) ?? [])
      .length;
  try {
    const info = await stack.start();
    app = new AppProcess(
      'vehicle-consumer',
      {
        HOST: '127.0.0.1',
        KAFKA_BROKERS: info.kafkaBrokers.join(','),
        DATABASE_URL: info.databaseUrl,
        QUERY_API_KEYS: 'repro-query-key-0123456789',
        VEHICLE_CONSUMER_PORT: String(PORT_BASE + 11),
      },
      log,
      PORT_BASE + 11,
    );
    await app.start();
    while (joins() < 1) await sleep(200);
    console.log(`${at()} A joined the group; SIGKILL A, start B`);
    await app.kill();
    await app.start();
    // B's JoinGroup now waits for A's session (30 s) to expire
    await sleep(3000);
    console.log(`${at()} B is joining; SIGKILL B, start C`);
    await app.kill();
    await app.start();
    const before = joins();
    const cStarted = Date.now();
    while (joins() === before && Date.now() - cStarted < 300_000) await sleep(500);
    const text = readFileSync(log, 'utf8');
    const assignment =
      text.match(/joined vehicle-consumer, partitions \[[^\]]*\]/g)?.at(-1) ?? 'never joined';
    const timeouts = (text.match(/Request SyncGroup\(key: 14, version: \d+\) timed out/g) ?? [])
      .length;
    console.log(
      `${at()} C: ${assignment} after ${((Date.now() - cStarted) / 1000).toFixed(1)} s; SyncGroup timeouts: ${timeouts}`,
    );
  } finally {
    await app?.terminate();
    await stack.stop();
    reapLeftovers(PORT_BASE);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
