import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

export const ROOT = join(__dirname, '..', '..');
export const DIST = join(ROOT, 'dist');

export interface Stack {
  kafkaBrokers: string[];
  databaseUrl: string;
  kafkaPid?: number;
  /** the postmaster: its children are the backends */
  postgresPid?: number;
  stop(): Promise<void>;
}

// whatever happens to the bench, nothing it started outlives it
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.pid) child.kill('SIGTERM');
});

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  name: string,
  timeoutMs = 180_000,
): Promise<string> {
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} not ready:\n${lines.slice(-20).join('\n')}`)),
      timeoutMs,
    );
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        const m = pattern.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] ?? line);
        }
      });
    }
    child.once('exit', (code) =>
      reject(new Error(`${name} exited with ${code}:\n${lines.slice(-20).join('\n')}`)),
    );
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** a fresh real PostgreSQL and Kafka on the bench ports (dist/scripts/stack.js) */
export async function startStack(
  portBase: number,
  extraEnv: Record<string, string> = {},
): Promise<Stack> {
  const dataDir = join('.data', `bench-${portBase}`);
  rmSync(join(ROOT, dataDir), { recursive: true, force: true });
  mkdirSync(join(ROOT, '.data'), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOCAL_DATA_DIR: dataDir,
    LOCAL_POSTGRES_PORT: String(portBase + 1),
    LOCAL_KAFKA_PORT: String(portBase + 2),
    LOCAL_KAFKA_CONTROLLER_PORT: String(portBase + 3),
    LOCAL_KAFKA_HEAP: '1g',
    ...extraEnv,
  };
  delete env.KAFKA_BROKERS;
  delete env.DATABASE_URL;
  const child = track(
    spawn(process.execPath, [join(DIST, 'scripts', 'stack.js')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const ready = JSON.parse(await waitForLine(child, /^STACK_READY (.*)$/, 'stack')) as Omit<
    Stack,
    'stop'
  >;
  return {
    ...ready,
    stop: async () => {
      await stopChild(child);
      rmSync(join(ROOT, dataDir), { recursive: true, force: true });
    },
  };
}

export async function startProcess(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ stop(): Promise<void>; pid: number }> {
  const child = track(
    spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  await waitForLine(child, /listening on/, name, 60_000);
  child.stdout!.resume();
  child.stderr!.resume();
  return { stop: () => stopChild(child), pid: child.pid! };
}

/**
 * The gateway as the ingest benches run it: one mobway secret, on loopback. One source sends
 * everything here, from one address: rate limits above any reachable rate keep the limiters on the
 * path without turning the measurement into 429s (the defaults are 2,000 req/s per source and per
 * client address: a quiet machine reaches that, and the 429s, their rejected-request penalty and
 * the connections it closes would be what was timed).
 */
export function startGateway(
  kafkaBrokers: string[],
  mobwaySecret: string,
  port: number,
  env: Record<string, string> = {},
  dist: string = DIST,
): ReturnType<typeof startProcess> {
  return startProcess('gateway', join(dist, 'apps', 'ingest-gateway', 'src', 'main.js'), [], {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    MOBWAY_SIGN_SECRET: mobwaySecret,
    GATEWAY_PORT: String(port),
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_SOURCE: '1000000',
    RATE_LIMIT_BURST: '1000000',
    CLIENT_RATE_LIMIT: '1000000',
    CLIENT_RATE_BURST: '1000000',
    // the benches send one signed body over and over: with the replay cache on they would time its hits
    REPLAY_WINDOW_SECONDS: '0',
    ...env,
  });
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
}

export async function load(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  connections: number,
  durationSeconds: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    body,
    headers,
    connections,
    duration: durationSeconds,
    pipelining: 1,
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node supports

/** user + system CPU seconds a process has used so far (Linux /proc; NaN elsewhere or once it is gone) */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    // the fields after the parenthesised command name: utime and stime are the 12th and 13th of them
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * CPU seconds of a process and of its children (an app run as several instances: its primary and
 * the instances, see libs/platform/src/instances.ts); just the process's when it has none.
 */
export function processTreeCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  let children: number[] = [];
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    children = text ? text.split(/\s+/).map(Number) : [];
  } catch {
    // no such file (not Linux, or gone): the process alone
  }
  return children.reduce((sum, child) => sum + processCpuSeconds(child), processCpuSeconds(pid));
}

/** CPU seconds the whole machine has spent busy so far, all cores (Linux /proc/stat; NaN elsewhere) */
export function machineBusySeconds(): number {
  try {
    // cpu  user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
    const ticks = fields.slice(0, 8).map(Number);
    const busy = ticks.reduce((sum, t) => sum + t, 0) - ticks[3] - ticks[4];
    return busy / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** writes the JSON result and replaces this benchmark's section of docs/benchmarks.md */
export function report(name: string, result: unknown, markdown: string): void {
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const docs = join(ROOT, 'docs', 'benchmarks.md');
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  const current = existsSync(docs) ? readFileSync(docs, 'utf8') : '# Benchmarks\n';
  const section = `${begin}\n${markdown.trim()}\n${end}`;
  const next = current.includes(begin)
    ? current.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), section)
    : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(docs, next);
}

/** BENCH_PORT_BASE, else the bench's own default: two benches (or two helpers) on one machine need distinct ports */
export function portBase(fallback: number): number {
  const given = process.env.BENCH_PORT_BASE;
  if (given === undefined || given === '') return fallback;
  const port = Number(given);
  if (!Number.isInteger(port) || port < 1024 || port > 65_000)
    throw new Error(`BENCH_PORT_BASE must be a port number from 1024 to 65000, got "${given}"`);
  return port;
}

/** the 1-minute load average, two decimals: what else the machine was doing while a figure was taken */
export function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}
