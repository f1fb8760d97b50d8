import { ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DIST, PORT_BASE, ROOT } from './support/test-env';

/**
 * `npm start` itself (dist/scripts/start.js) with its own PostgreSQL, Kafka and apps on
 * E2E_PORT_BASE+39..49: what dies is restarted while the launcher stays up, and when the launcher
 * is SIGKILLed nothing it started survives it.
 */
const PORTS = {
  gateway: PORT_BASE + 40,
  vehicle: PORT_BASE + 41,
  location: PORT_BASE + 42,
  postgres: PORT_BASE + 43,
  kafka: PORT_BASE + 44,
  controller: PORT_BASE + 45,
  console: PORT_BASE + 39,
  // the first app's metrics listener; the next apps take the ports after it
  metrics: PORT_BASE + 46,
};
const DATA_DIR = join('.data', `launcher-e2e-${PORT_BASE}`);
// every process the launcher starts inherits its environment: this finds them without its pid files
const MARK = 'FLEET_LAUNCHER_E2E';
const mark = `${PORT_BASE}:${process.pid}`;

interface Marked {
  pid: number;
  cmdline: string;
}

/** live processes carrying our mark, zombies excluded */
function marked(): Marked[] {
  const found: Marked[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(`${MARK}=${mark}`))
        continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat[stat.lastIndexOf(')') + 2] === 'Z') continue;
      found.push({
        pid: Number(name),
        cmdline: readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' '),
      });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

const healthy = (port: number): Promise<boolean> =>
  fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }).then(
    (res) => res.status === 200,
    () => false,
  );

describe('npm start', () => {
  let launcher: ChildProcess;
  const output: string[] = [];
  const launcherAlive = (): boolean => launcher.exitCode === null && launcher.signalCode === null;
  const one = (pattern: RegExp): Marked | undefined =>
    marked().find((p) => pattern.test(p.cmdline));

  beforeAll(async () => {
    rmSync(join(ROOT, DATA_DIR), { recursive: true, force: true });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NO_COLOR: '1',
      [MARK]: mark,
      LOCAL_DATA_DIR: DATA_DIR,
      GATEWAY_PORT: String(PORTS.gateway),
      VEHICLE_CONSUMER_PORT: String(PORTS.vehicle),
      LOCATION_CONSUMER_PORT: String(PORTS.location),
      CONSOLE_PORT: String(PORTS.console),
      LOCAL_POSTGRES_PORT: String(PORTS.postgres),
      LOCAL_KAFKA_PORT: String(PORTS.kafka),
      LOCAL_KAFKA_CONTROLLER_PORT: String(PORTS.controller),
      LOCAL_KAFKA_HEAP: '256m',
      LOCAL_POSTGRES_SHARED_BUFFERS: '128MB',
      KAFKA_TOPIC_PARTITIONS: '1',
      METRICS_PORT: String(PORTS.metrics),
      MOBWAY_SIGN_SECRET: 'e2e-launcher-mobway-secret-0123456789',
      QUERY_API_KEYS: 'e2e-launcher-query-key-0123456789',
    };
    launcher = spawn(
      process.execPath,
      ['--enable-source-maps', join(DIST, 'scripts', 'start.js')],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [launcher.stdout!, launcher.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (process.env.E2E_VERBOSE) process.stdout.write(`[launcher] ${line}\n`);
      });
    }
    await until(`the stack up (last lines:\n${output.slice(-20).join('\n')})`, 240_000, () => {
      if (!launcherAlive()) throw new Error(`npm start exited:\n${output.slice(-30).join('\n')}`);
      return output.some((l) => /\[stack\] up in/.test(l));
    });
  }, 300_000);

  afterAll(async () => {
    if (launcher && launcherAlive()) launcher.kill('SIGKILL');
    // the launcher's watchdog should have stopped everything; whatever did not is killed here
    await sleep(500);
    await until('leftovers gone', 60_000, () => marked().length === 0).catch(() =>
      marked().forEach((p) => process.kill(p.pid, 'SIGKILL')),
    );
    rmSync(join(ROOT, DATA_DIR), { recursive: true, force: true });
  }, 90_000);

  it('gives each app a metrics listener of its own from METRICS_PORT on', async () => {
    const scraped: string[] = [];
    for (let port = PORTS.metrics; port < PORTS.metrics + 4; port++) {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      const text = await res.text();
      scraped.push(/^# TYPE fleet_(gateway|sink)_/m.exec(text)?.[1] ?? 'process only');
      expect(text).toContain('fleet_process_cpu_seconds_total');
    }
    // the gateway, both consumers and the console, in the launcher's order
    expect(scraped).toEqual(['gateway', 'sink', 'sink', 'process only']);
    expect(output.join('\n')).toContain(`metrics: 127.0.0.1:${PORTS.metrics + 1}/metrics`);
  });

  it('restarts a SIGKILLed broker, and then a SIGKILLed consumer, and stays up', async () => {
    const kafka = one(/kafka\.Kafka/)!;
    process.kill(kafka.pid, 'SIGKILL');
    await until('kafka back', 120_000, () =>
      output.some((l) => /\[stack\] kafka is back \(restart 1\)/.test(l)),
    );
    const newKafka = one(/kafka\.Kafka/);
    expect(newKafka?.pid).toBeDefined();
    expect(newKafka?.pid).not.toBe(kafka.pid);

    const consumer = one(/location-consumer\/src\/main\.js/)!;
    process.kill(consumer.pid, 'SIGKILL');
    await until('location-consumer back', 120_000, () =>
      output.some((l) => /\[stack\] location-consumer is back \(restart 1\)/.test(l)),
    );
    expect(await healthy(PORTS.location)).toBe(true);
    expect(await healthy(PORTS.gateway)).toBe(true);

    expect(launcherAlive()).toBe(true);
    expect(output.join('\n')).not.toMatch(/stopping/);
    expect(output).toContainEqual(
      expect.stringMatching(/^\[stack\] kafka was killed by a signal after .*, unexpectedly$/),
    );
    expect(output).toContainEqual(
      expect.stringMatching(
        /^\[stack\] location-consumer was killed by SIGKILL after .*, unexpectedly$/,
      ),
    );
    expect(output).toContainEqual(
      expect.stringMatching(
        /status: postgres up \(0 restarts\), kafka up \(1 restart\), .*location-consumer up \(1 restart\)/,
      ),
    );
  }, 300_000);

  it('leaves nothing running when the launcher is SIGKILLed', async () => {
    const before = marked().filter((p) => p.pid !== launcher.pid);
    // PostgreSQL, Kafka and the four apps
    expect(
      before.filter((p) => /postgres -D|kafka\.Kafka|dist\/apps\//.test(p.cmdline)).length,
    ).toBe(6);

    launcher.kill('SIGKILL');
    const killedAt = Date.now();
    await until("the launcher's processes gone", 45_000, () => marked().length === 0).catch(
      (error: Error) => {
        throw new Error(
          `${error.message}; left: ${marked()
            .map((p) => p.cmdline.slice(0, 80))
            .join(' | ')}`,
        );
      },
    );

    process.stdout.write(
      `[launcher e2e] everything the launcher started was gone ${Date.now() - killedAt} ms after its SIGKILL\n`,
    );
  }, 120_000);
});
