import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import { LaunchedProcesses } from './process-watchdog';

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** where each output line goes; default: prefixed to the launcher's stdout */
  onLine?: (line: string) => void;
  /** how the launcher's watchdog and `npm run stop` stop it: signal, order (lower first), grace */
  stopSignal?: NodeJS.Signals;
  stopOrder?: number;
  stopGraceMs?: number;
}

/** apps stop first (0), then Kafka (1), then PostgreSQL (2) */
export const STOP_ORDER = { app: 0, kafka: 1, postgres: 2 } as const;

/**
 * A child process in its own process group, so a terminal Ctrl-C reaches only the launcher,
 * which then stops the children in order (apps, then Kafka, then PostgreSQL). Should the
 * launcher die without doing so, its watchdog stops them (see LaunchedProcesses).
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private readonly lineListeners = new Set<(line: string) => void>();

  constructor(private readonly options: ManagedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get name(): string {
    return this.options.name;
  }

  /** how the last run ended: the signal that killed it, if one did */
  get exitSignal(): NodeJS.Signals | null {
    return this.child?.signalCode ?? null;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const { command, args, env, cwd, uid, gid, name } = this.options;
    const spawnOptions: SpawnOptions = {
      env,
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    };
    if (uid !== undefined) spawnOptions.uid = uid;
    if (gid !== undefined) spawnOptions.gid = gid;
    const child = spawn(command, args, spawnOptions);
    this.child = child;
    const pid = child.pid;
    if (pid) {
      // unless told otherwise a process stops between the apps and PostgreSQL, where Kafka does
      const {
        stopSignal = 'SIGTERM',
        stopOrder = STOP_ORDER.kafka,
        stopGraceMs = 20_000,
      } = this.options;
      LaunchedProcesses.shared.add(pid, {
        name,
        argv: [command, ...args],
        stopSignal,
        stopOrder,
        graceMs: stopGraceMs,
      });
      child.once('exit', () => LaunchedProcesses.shared.remove(pid));
    }
    const emit =
      this.options.onLine ?? ((line: string) => process.stdout.write(`[${name}] ${line}\n`));
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        emit(line);
        for (const listener of this.lineListeners) listener(line);
      });
    }
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', (error) => {
        emit(`failed to start: ${error.message}`);
        resolve(-1);
      });
    });
  }

  /** resolves when a line matches, rejects when the process exits first or the time runs out */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          done(
            new Error(`${this.options.name}: no line matching ${pattern} within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      const listener = (line: string): void => {
        if (pattern.test(line)) done(undefined, line);
      };
      const done = (error?: Error, line?: string): void => {
        clearTimeout(timer);
        this.lineListeners.delete(listener);
        if (error) reject(error);
        else resolve(line as string);
      };
      this.lineListeners.add(listener);
      void this.exited?.then((code) =>
        done(new Error(`${this.options.name} exited with code ${code} before it was ready`)),
      );
    });
  }

  whenExited(): Promise<number | null> {
    return this.exited ?? Promise.resolve(null);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running && this.child?.pid) {
      try {
        process.kill(-this.child.pid, signal);
      } catch {
        // already gone
      }
    }
  }

  /** polite signal first, SIGKILL to the whole group when it does not exit in time */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.signal(signal);
    const timedOut = Symbol('timeout');
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.whenExited(),
      new Promise<typeof timedOut>(
        (resolve) => (timer = setTimeout(() => resolve(timedOut), graceMs)),
      ),
    ]);
    clearTimeout(timer);
    if (result === timedOut) {
      process.stdout.write(`[${this.options.name}] did not stop within ${graceMs} ms; killing\n`);
      this.signal('SIGKILL');
      await this.whenExited();
    }
  }
}
