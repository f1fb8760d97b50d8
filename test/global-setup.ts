import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DIST, ROOT, STATE_FILE, TEST_PORTS, TestStackState } from './support/test-env';

/** starts a fresh real PostgreSQL and Kafka for the end-to-end suites (dist/ must be built) */
export default async function globalSetup(): Promise<void> {
  const entry = join(DIST, 'scripts', 'stack.js');
  if (!existsSync(entry)) throw new Error('dist/ is missing: the end-to-end tests run the built apps, use `npm test` (it builds first)');
  const dataDir = join('.data', `test-${process.pid}`);
  rmSync(join(ROOT, dataDir), { recursive: true, force: true });
  mkdirSync(join(ROOT, '.data'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOCAL_DATA_DIR: dataDir,
    LOCAL_POSTGRES_PORT: String(TEST_PORTS.postgres),
    LOCAL_KAFKA_PORT: String(TEST_PORTS.kafka),
    LOCAL_KAFKA_CONTROLLER_PORT: String(TEST_PORTS.kafkaController),
    LOCAL_KAFKA_HEAP: '384m',
    LOCAL_CONTROL_PORT: String(TEST_PORTS.control),
    KAFKA_TOPIC_PARTITIONS: '3',
  };
  // the test stack is always local, whatever the developer's shell points at
  delete env.KAFKA_BROKERS;
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const lines: string[] = [];
  const state = await new Promise<TestStackState>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`test stack not ready within 180 s:\n${lines.slice(-30).join('\n')}`)), 180_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (process.env.E2E_VERBOSE) process.stdout.write(`${line}\n`);
        const ready = /^STACK_READY (.*)$/.exec(line);
        if (ready) {
          clearTimeout(timer);
          resolve({ ...JSON.parse(ready[1]), launcherPid: child.pid!, dataDir: join(ROOT, dataDir) });
        }
      });
    }
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`test stack exited with ${code}:\n${lines.slice(-30).join('\n')}`));
    });
  });
  child.stdout.resume();
  child.stderr.resume();
  child.unref();
  writeFileSync(STATE_FILE, JSON.stringify(state));
}
