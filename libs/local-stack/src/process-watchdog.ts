import { ChildProcess, spawn } from 'node:child_process';
import { PidRecord, removePidRecord, writePidRecord } from './pid-files';

export interface StopPlan {
  stopSignal: NodeJS.Signals;
  stopOrder: number;
  graceMs: number;
}

/**
 * The watchdog's whole program, run as `node -e`. Its stdin is a pipe from the launcher; the kernel
 * closes it however the launcher ends (SIGKILL, a crash, a closed terminal), and end of input means
 * "the launcher is gone": each watched process group gets its polite signal in stop order, SIGKILL
 * after its grace, and the watchdog exits. It runs in its own session, so a terminal's SIGINT/SIGHUP
 * never reaches it before it has done its job.
 */
function watchdogProgram(): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- it runs on its own under `node -e` (watchdogArgs), where this module's imports do not exist */
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const { createInterface } = require('node:readline') as typeof import('node:readline');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const watched = new Map<number, { signal: NodeJS.Signals; order: number; graceMs: number }>();
  const send = (target: number, signal: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(target, signal);
      return true;
    } catch {
      return false;
    }
  };
  const finished = (pid: number): boolean => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    } catch {
      return !send(pid, 0);
    }
  };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const stopAll = async (): Promise<void> => {
    const orders = [...new Set([...watched.values()].map((w) => w.order))].sort((a, b) => a - b);
    for (const order of orders) {
      const group = [...watched].filter(([, w]) => w.order === order);
      // each was started as the leader of its own process group: signal the group
      for (const [pid, w] of group) if (!send(-pid, w.signal)) send(pid, w.signal);
      const deadline = Date.now() + Math.max(...group.map(([, w]) => w.graceMs));
      while (group.some(([pid]) => !finished(pid)) && Date.now() < deadline) await sleep(100);
      for (const [pid] of group) if (!send(-pid, 'SIGKILL')) send(pid, 'SIGKILL');
    }
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGHUP', 'SIGPIPE'] as const)
    process.on(signal, () => undefined);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [verb, pid, signal, order, graceMs] = line.split(' ');
    if (verb === 'watch')
      watched.set(Number(pid), {
        signal: signal as NodeJS.Signals,
        order: Number(order),
        graceMs: Number(graceMs),
      });
    else if (verb === 'forget') watched.delete(Number(pid));
  });
  lines.on('close', () => void stopAll());
}

/** `node <these>` runs the watchdog; input lines: `watch <pid> <signal> <order> <graceMs>`, `forget <pid>` */
export function watchdogArgs(): string[] {
  return ['-e', `(${watchdogProgram.toString()})()`];
}

interface Launched extends StopPlan {
  name: string;
  argv: string[];
  startedAt: string;
}

/**
 * Every process a launcher starts through ManagedProcess: each dies with the launcher, however the
 * launcher dies (a watchdog process stops them when its pipe from the launcher closes), and, once a
 * run folder is set, each has a pid file there naming it for the next start and for `npm run stop`.
 */
export class LaunchedProcesses {
  static readonly shared = new LaunchedProcesses();

  private readonly launched = new Map<number, Launched>();
  private watchdog?: ChildProcess;
  private pidDir?: string;

  /** from now on, pid files for what is running and what starts later go to `dir` */
  recordIn(dir: string): void {
    this.pidDir = dir;
    for (const [pid, entry] of this.launched) this.writeRecord(pid, entry);
  }

  get watchdogPid(): number | undefined {
    return this.watchdog?.pid;
  }

  add(pid: number, entry: Omit<Launched, 'startedAt'>): void {
    const launched = { ...entry, startedAt: new Date().toISOString() };
    this.launched.set(pid, launched);
    this.ensureWatchdog();
    this.tell(`watch ${pid} ${entry.stopSignal} ${entry.stopOrder} ${entry.graceMs}`);
    this.writeRecord(pid, launched);
  }

  remove(pid: number): void {
    const entry = this.launched.get(pid);
    if (!entry) return;
    this.launched.delete(pid);
    if (this.pidDir) removePidRecord(this.pidDir, entry.name, pid);
    this.tell(`forget ${pid}`);
    // nothing left to guard: end the watchdog's input, it exits with nothing to stop
    if (this.launched.size === 0) this.releaseWatchdog();
  }

  private writeRecord(pid: number, entry: Launched): void {
    if (!this.pidDir) return;
    const record: PidRecord = { pid, ...entry };
    try {
      writePidRecord(this.pidDir, record);
    } catch {
      // a pid file is a convenience for `npm run stop`; the watchdog is what guarantees the stop
    }
  }

  private ensureWatchdog(): void {
    if (this.watchdog) return;
    const child = spawn(process.execPath, watchdogArgs(), {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    this.watchdog = child;
    child.stdin.on('error', () => undefined);
    child.once('exit', () => {
      if (this.watchdog !== child) return;
      this.watchdog = undefined;
      // killed while it still had work: a new one takes over what is running
      if (this.launched.size > 0) {
        this.ensureWatchdog();
        for (const [pid, entry] of this.launched)
          this.tell(`watch ${pid} ${entry.stopSignal} ${entry.stopOrder} ${entry.graceMs}`);
      }
    });
    // the pipe and the process must not keep a launcher's event loop alive
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  private releaseWatchdog(): void {
    const child = this.watchdog;
    this.watchdog = undefined;
    child?.stdin?.end();
  }

  private tell(line: string): void {
    this.watchdog?.stdin?.write(`${line}\n`);
  }
}
