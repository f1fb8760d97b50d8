import { ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { TOPICS } from '@app/contracts';
import { isAlive } from '@app/local-stack/pid-files';
import { projectRoot } from '@app/local-stack/project-root';

/** the build this file belongs to (dist/ or dist-chaos/): the apps are taken from the same one */
export const DIST = join(__dirname, '..');
export const ROOT = projectRoot(__dirname);

/** `kafka` alone, or one node of a local cluster (`kafka-1`, …; CHAOS_SCALED) */
export type ServiceName = 'kafka' | 'postgres' | `kafka-${number}`;

export function isKafka(service: ServiceName): boolean {
  return service === 'kafka' || service.startsWith('kafka-');
}

/**
 * Every process of a run carries `FLEET_CHAOS_RUN=<port base>:<harness pid>` in its environment
 * (Kafka and PostgreSQL inherit it from the launcher), so what a killed harness left behind can be
 * found by the next run, and the end of a run can prove nothing of it is left.
 */
const RUN_MARK = 'FLEET_CHAOS_RUN';
let runMark = '';

export function markRun(portBase: number): Record<string, string> {
  runMark = `${portBase}:${process.pid}`;
  return { [RUN_MARK]: runMark };
}

function markedProcesses(portBase: number): { pid: number; harnessPid: number }[] {
  const found: { pid: number; harnessPid: number }[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return found; // no procfs: nothing to look at
  }
  const pattern = new RegExp(`(?:^|\\0)${RUN_MARK}=${portBase}:(\\d+)(?:\\0|$)`);
  for (const name of entries) {
    try {
      const match = pattern.exec(readFileSync(`/proc/${name}/environ`, 'latin1'));
      if (match && Number(name) !== process.pid)
        found.push({ pid: Number(name), harnessPid: Number(match[1]) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** processes of an earlier run on these ports whose harness is gone (it was SIGKILLed): SIGKILLed now */
export function reapOrphans(portBase: number): number {
  const orphans = markedProcesses(portBase).filter((p) => !isAlive(p.harnessPid));
  for (const { pid } of orphans) killPid(pid);
  return orphans.length;
}

/** processes of this run still there (after the orderly stop there should be none): SIGKILLed now */
export function reapLeftovers(portBase: number): number {
  const mine = markedProcesses(portBase).filter((p) => p.harnessPid === process.pid);
  for (const { pid } of mine) killPid(pid);
  return mine.length;
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** the state letter of /proc/<pid>/stat (R, S, D, T stopped, Z zombie…); undefined when there is no such process */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // `pid (comm) state ppid pgrp …`: comm may hold spaces and parentheses, so read after the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** live (not zombie) processes whose process group is `pgid` */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

/**
 * Resolves once nothing of `pid` (and, with `group`, of its process group) is alive, zombies
 * counting as gone; rejects with what is still there after `timeoutMs`. A SIGKILL is only
 * counted as a fault once this has seen it take effect.
 */
export async function confirmGone(
  pid: number,
  group: boolean,
  timeoutMs = 10_000,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const alive = group
      ? groupMembers(pid)
      : [pid].filter((p) => ![undefined, 'Z'].includes(processState(p)));
    if (alive.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `pid ${alive.join(', ')} still alive ${timeoutMs} ms after SIGKILL${group ? ` of group ${pid}` : ''}`,
      );
    await sleep(20);
  }
}

/** SIGSTOP or SIGCONT to a process (or its whole group), and wait until /proc shows it took effect */
export async function freeze(
  pid: number,
  group: boolean,
  frozen: boolean,
  timeoutMs = 5000,
): Promise<void> {
  process.kill(group ? -pid : pid, frozen ? 'SIGSTOP' : 'SIGCONT');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = processState(pid);
    if (state === undefined) throw new Error(`pid ${pid} is gone`);
    if ((state === 'T') === frozen) return;
    if (Date.now() > deadline)
      throw new Error(
        `pid ${pid} in state ${state} ${timeoutMs} ms after ${frozen ? 'SIGSTOP' : 'SIGCONT'}`,
      );
    await sleep(10);
  }
}

// whatever happens to the run, nothing it started outlives it: apps and the stack launcher are our
// children; Kafka and PostgreSQL are the launcher's, each in its own process group
const children = new Set<ChildProcess>();
const serviceGroups = new Map<ServiceName, number>();
const dataDirs = new Set<string>();

export function rememberServicePid(service: ServiceName, pid: number | undefined): void {
  if (pid) serviceGroups.set(service, pid);
}

export function removeOnExit(dir: string): void {
  dataDirs.add(dir);
}

/** the last resort, synchronous: used on process exit when the orderly stop did not run or finish */
export function killEverythingNow(): void {
  for (const child of children) signal(child, 'SIGKILL');
  for (const pid of serviceGroups.values()) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  // done: an old pid must never be signalled again (it may belong to someone else by then)
  children.clear();
  serviceGroups.clear();
  dataDirs.clear();
}

process.on('exit', killEverythingNow);

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(name);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Output goes to a file rather than a pipe: the stack launcher must be able to stop Kafka and
 * PostgreSQL even after we are gone, and writing to a closed pipe would kill it first.
 */
function spawnLogged(
  script: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
): { child: ChildProcess; logOffset: number } {
  const logOffset = existsSync(logFile) ? statSync(logFile).size : 0;
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(process.execPath, ['--enable-source-maps', script], {
      cwd: ROOT,
      env,
      stdio: ['ignore', fd, fd],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return { child, logOffset };
  } finally {
    closeSync(fd);
  }
}

/** the text appended to the file since `offset` */
function readFrom(file: string, offset: number): string {
  if (!existsSync(file)) return '';
  const size = statSync(file).size;
  if (size <= offset) return '';
  const buffer = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

/** resolves with the first match in the output written since `offset`; rejects when the process exits first */
async function waitForOutput(
  child: ChildProcess,
  file: string,
  offset: number,
  pattern: RegExp,
  what: string,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFrom(file, offset);
    const match = pattern.exec(text);
    if (match) return match;
    const tail = () => text.split('\n').slice(-15).join('\n');
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail()}`,
      );
    if (Date.now() > deadline)
      throw new Error(`${what} not ready within ${timeoutMs} ms:\n${tail()}`);
    await sleep(100);
  }
}

export interface StackInfo {
  kafkaBrokers: string[];
  databaseUrl: string;
  kafkaPid?: number;
  /** every local Kafka node's, in node order */
  kafkaPids?: number[];
  postgresPid?: number;
  controlPort: number;
}

/** a fresh real PostgreSQL and Kafka (dist/scripts/stack.js) with the control port open */
export class ChaosStack {
  private child?: ChildProcess;
  info!: StackInfo;

  constructor(
    readonly dataDir: string,
    private readonly portBase: number,
    private readonly logFile: string,
    /** Kafka nodes (LOCAL_KAFKA_BROKERS): several from portBase + 20, their controllers after */
    private readonly brokers = 1,
  ) {}

  get controlPort(): number {
    return this.portBase + 4;
  }

  async start(): Promise<StackInfo> {
    rmSync(this.dataDir, { recursive: true, force: true });
    mkdirSync(this.dataDir, { recursive: true });
    removeOnExit(this.dataDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOCAL_DATA_DIR: this.dataDir,
      LOCAL_POSTGRES_PORT: String(this.portBase + 1),
      LOCAL_KAFKA_BROKERS: String(this.brokers),
      LOCAL_KAFKA_PORT: String(this.portBase + (this.brokers > 1 ? 20 : 2)),
      LOCAL_KAFKA_CONTROLLER_PORT: String(
        this.portBase + (this.brokers > 1 ? 20 + this.brokers : 3),
      ),
      LOCAL_CONTROL_PORT: String(this.controlPort),
      LOCAL_KAFKA_HEAP: process.env.LOCAL_KAFKA_HEAP ?? (this.brokers > 1 ? '512m' : '1g'),
      NO_COLOR: '1',
      [RUN_MARK]: runMark,
    };
    // the stack starts its own services only when these are not set
    delete env.KAFKA_BROKERS;
    delete env.DATABASE_URL;
    const { child, logOffset } = spawnLogged(join(DIST, 'scripts', 'stack.js'), env, this.logFile);
    this.child = child;
    const [, json] = await waitForOutput(
      child,
      this.logFile,
      logOffset,
      /^STACK_READY (.*)$/m,
      'stack',
      300_000,
    );
    this.info = JSON.parse(json) as StackInfo;
    if (this.brokers > 1)
      this.info.kafkaPids?.forEach((pid, i) => rememberServicePid(`kafka-${i + 1}`, pid));
    else rememberServicePid('kafka', this.info.kafkaPid);
    rememberServicePid('postgres', this.info.postgresPid);
    return this.info;
  }

  /** the service's current process (the leader of its process group) */
  pidOf(service: ServiceName): number {
    const pid = serviceGroups.get(service);
    if (!pid) throw new Error(`no ${service} pid known`);
    return pid;
  }

  /** `POST /<service>/<action>` on the control port; start resolves once the service is usable again */
  async control(service: ServiceName, action: 'kill' | 'start' | 'stop'): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${this.controlPort}/${service}/${action}`, {
      method: 'POST',
      signal: AbortSignal.timeout(300_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${service} ${action}: HTTP ${res.status} ${text.slice(0, 300)}`);
    if (action === 'start')
      rememberServicePid(service, (JSON.parse(text) as Record<string, number>)[`${service}Pid`]);
  }

  /** resolves once the service answers a real request: Kafka metadata, PostgreSQL `SELECT 1` */
  async waitUntilUsable(service: ServiceName, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await (isKafka(service) ? this.kafkaAnswers() : this.postgresAnswers());
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(
            `${service} not usable within ${timeoutMs} ms: ${(error as Error).message}`,
            { cause: error },
          );
        await sleep(200);
      }
    }
  }

  private async kafkaAnswers(): Promise<void> {
    const admin = new Kafka({
      clientId: 'chaos-probe',
      brokers: this.info.kafkaBrokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2000,
      requestTimeout: 3000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.fetchTopicMetadata({ topics: [TOPICS.raw] });
      // a node that was killed is usable again once it is back in the cluster
      const { brokers } = await admin.describeCluster();
      if (brokers.length < this.brokers)
        throw new Error(`${brokers.length} of ${this.brokers} Kafka brokers in the cluster`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async postgresAnswers(): Promise<void> {
    const client = new Client({
      connectionString: this.info.databaseUrl,
      connectionTimeoutMillis: 2000,
      query_timeout: 3000,
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * SIGTERM: the launcher stops Kafka, then PostgreSQL; the data folder goes afterwards, but the
   * Kafka nodes' own logs (server.log: leadership moves, log truncations) are first copied to
   * `keepLogsIn`, as `kafka-<path under the data folder>`
   */
  async stop(graceMs = 90_000, keepLogsIn?: string): Promise<void> {
    if (this.child) {
      signal(this.child, 'SIGTERM');
      const stopped = await Promise.race([
        exited(this.child).then(() => true),
        sleep(graceMs).then(() => false),
      ]);
      if (!stopped) signal(this.child, 'SIGKILL');
    }
    // whatever the launcher left (a service it could not stop) goes now
    // before killEverythingNow, which removes the data folder too
    if (keepLogsIn) keepKafkaLogs(this.dataDir, keepLogsIn);
    killEverythingNow();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function keepKafkaLogs(dataDir: string, into: string): void {
  let files: string[];
  try {
    files = readdirSync(dataDir, { recursive: true, encoding: 'utf8' });
  } catch {
    return; // nothing was started
  }
  for (const file of files.filter((f) => /(^|\/)server\.log(\.\d+)?$/.test(f))) {
    try {
      copyFileSync(join(dataDir, file), join(into, `kafka-${file.replace(/\//g, '_')}`));
    } catch {
      // a log that cannot be copied must not keep the data folder from going
    }
  }
}

/**
 * One of our apps as its own process, restarted the way a supervisor would: spawn, and when it
 * exits before it listens (a dependency away at boot), spawn again until it does.
 */
export class AppProcess {
  private child?: ChildProcess;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    readonly port: number,
  ) {}

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.name} has no process`);
    return this.child.pid;
  }

  /** resolves once the app answers HTTP at all (`/health`, whatever its status) */
  async waitUntilAnswering(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await fetch(`http://127.0.0.1:${this.port}/health`, {
          signal: AbortSignal.timeout(2000),
        }).then((res) => res.arrayBuffer());
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(
            `${this.name} not answering within ${timeoutMs} ms: ${(error as Error).message}`,
            { cause: error },
          );
        await sleep(200);
      }
    }
  }

  get script(): string {
    return join(DIST, 'apps', this.name, 'src', 'main.js');
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const { child, logOffset } = spawnLogged(
        this.script,
        { PATH: process.env.PATH, NO_COLOR: '1', [RUN_MARK]: runMark, ...this.env },
        this.logFile,
      );
      this.child = child;
      this.starts++;
      try {
        await waitForOutput(
          child,
          this.logFile,
          logOffset,
          /listening on/,
          this.name,
          Math.max(1000, deadline - Date.now()),
        );
        return;
      } catch (error) {
        signal(child, 'SIGKILL');
        await exited(child);
        if (Date.now() > deadline) throw error;
        await sleep(Math.min(500 * attempt, 3000));
      }
    }
  }

  /** SIGKILL; resolves with the pid once it has exited */
  async kill(): Promise<number> {
    const child = this.child;
    if (!child?.pid) throw new Error(`${this.name} has no process to kill`);
    signal(child, 'SIGKILL');
    await exited(child);
    return child.pid;
  }

  /** SIGTERM and wait for the graceful shutdown; SIGKILL when it takes longer than graceMs */
  async terminate(graceMs = 30_000): Promise<{ graceful: boolean; exit: string; pid?: number }> {
    const child = this.child;
    if (!child) return { graceful: true, exit: 'not running' };
    signal(child, 'SIGTERM');
    const graceful = await Promise.race([
      exited(child).then(() => true),
      sleep(graceMs).then(() => false),
    ]);
    if (!graceful) {
      signal(child, 'SIGKILL');
      await exited(child);
    }
    // Nest re-raises the signal after its shutdown hooks: a graceful stop ends by SIGTERM, not a code
    return {
      graceful,
      exit: child.exitCode !== null ? `code ${child.exitCode}` : String(child.signalCode),
      pid: child.pid,
    };
  }
}
