import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { DIST, ROOT, STACK_LOG, STATE_FILE, TEST_PORTS, TestStackState } from './support/test-env';

/**
 * Starts a fresh real PostgreSQL and Kafka for the end-to-end suites (dist/ must be built). Their
 * output goes to STACK_LOG for the whole run, whatever happens, so a failure can name it.
 */
export default async function globalSetup(): Promise<void> {
  const entry = join(DIST, 'scripts', 'stack.js');
  if (!existsSync(entry))
    throw new Error(
      'dist/ is missing: the end-to-end tests run the built apps, use `npm test` (it builds first)',
    );
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
  // a file, not a pipe: the stack outlives this function, and its later lines matter as much
  const fd = openSync(STACK_LOG, 'w');
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  const logName = relative(process.cwd(), STACK_LOG) || STACK_LOG;
  const failure = (what: string): Error => {
    const tail = readFileSync(STACK_LOG, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
    return new Error(`test stack ${what}; its whole log is in ${logName}. Last lines:\n${tail}`);
  };
  const state = await new Promise<TestStackState>((resolve, reject) => {
    let printed = 0;
    const timer = setInterval(() => {
      const lines = readFileSync(STACK_LOG, 'utf8').split('\n');
      if (process.env.E2E_VERBOSE)
        for (; printed < lines.length - 1; printed++) process.stdout.write(`${lines[printed]}\n`);
      const ready = lines.map((line) => /^STACK_READY (.*)$/.exec(line)).find((m) => m);
      if (ready) {
        stop();
        resolve({
          ...(JSON.parse(ready[1]) as Omit<TestStackState, 'launcherPid' | 'dataDir'>),
          launcherPid: child.pid!,
          dataDir: join(ROOT, dataDir),
        });
      } else if (Date.now() - started > 180_000) {
        stop();
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          // gone already
        }
        reject(failure('not ready within 180 s'));
      }
    }, 100);
    const started = Date.now();
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      stop();
      reject(failure(`exited with ${code ?? signal} before it was ready`));
    };
    const stop = (): void => {
      clearInterval(timer);
      child.off('exit', onExit);
    };
    child.once('exit', onExit);
  });
  child.unref();
  writeFileSync(STATE_FILE, JSON.stringify({ ...state, log: STACK_LOG }));
}
