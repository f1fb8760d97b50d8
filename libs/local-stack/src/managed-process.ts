import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

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
}

/**
 * A child process in its own process group, so a terminal Ctrl-C reaches only the launcher,
 * which then stops the children in order (apps, then Kafka, then PostgreSQL).
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private readonly lineListeners = new Set<(line: string) => void>();

  constructor(private readonly options: ManagedProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const { command, args, env, cwd, uid, gid, name } = this.options;
    const spawnOptions: SpawnOptions = { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] };
    if (uid !== undefined) spawnOptions.uid = uid;
    if (gid !== undefined) spawnOptions.gid = gid;
    const child = spawn(command, args, spawnOptions);
    this.child = child;
    const emit = this.options.onLine ?? ((line: string) => process.stdout.write(`[${name}] ${line}\n`));
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
      const timer = setTimeout(() => done(new Error(`${this.options.name}: no line matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
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
      void this.exited?.then((code) => done(new Error(`${this.options.name} exited with code ${code} before it was ready`)));
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
      new Promise<typeof timedOut>((resolve) => (timer = setTimeout(() => resolve(timedOut), graceMs))),
    ]);
    clearTimeout(timer);
    if (result === timedOut) {
      process.stdout.write(`[${this.options.name}] did not stop within ${graceMs} ms; killing\n`);
      this.signal('SIGKILL');
      await this.whenExited();
    }
  }
}
