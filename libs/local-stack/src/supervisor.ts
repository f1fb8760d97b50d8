/** one thing `npm start` keeps running: PostgreSQL, Kafka or an app */
export interface SupervisedUnit {
  name: string;
  /** starts it; resolves once it is usable, rejects when it dies or times out first */
  start(): Promise<void>;
  /** resolves when the running instance exits, with how it ended */
  whenExited(): Promise<string>;
}

export interface RestartPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  /** a unit that ran this long before it died starts again after the first delay */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  firstDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

/** the wait before restart number `failures` in a row (1, 2, …): doubling, capped */
export function restartDelay(policy: RestartPolicy, failures: number): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, failures - 1));
}

interface UnitState {
  unit: SupervisedUnit;
  restarts: number;
  failuresInARow: number;
  up: boolean;
  timer?: NodeJS.Timeout;
}

/**
 * Restarts what dies unexpectedly, with backoff (1 s doubling to 30 s, back to 1 s once a unit ran
 * a minute), logs each exit and restart with its count, and prints a status line whenever one
 * changes. Stopping the stack is the caller's: `stop()` only ends the supervision.
 */
export class Supervisor {
  private readonly units = new Map<string, UnitState>();
  private stopped = false;

  constructor(
    private readonly log: (line: string) => void,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /** watch a unit that has just started (its first start is the caller's) */
  supervise(unit: SupervisedUnit): void {
    const state: UnitState = { unit, restarts: 0, failuresInARow: 0, up: true };
    this.units.set(unit.name, state);
    this.watch(state);
  }

  restarts(name: string): number {
    return this.units.get(name)?.restarts ?? 0;
  }

  statusLine(): string {
    return [...this.units.values()]
      .map(
        (s) =>
          `${s.unit.name} ${s.up ? 'up' : 'DOWN'} (${s.restarts} restart${s.restarts === 1 ? '' : 's'})`,
      )
      .join(', ');
  }

  stop(): void {
    this.stopped = true;
    for (const state of this.units.values()) clearTimeout(state.timer);
  }

  private watch(state: UnitState): void {
    const startedAt = this.now();
    void state.unit.whenExited().then((how) => {
      if (this.stopped) return;
      state.up = false;
      const ranMs = this.now() - startedAt;
      if (ranMs >= this.policy.stableAfterMs) state.failuresInARow = 0;
      state.failuresInARow++;
      this.log(`${state.unit.name} ${how} after ${formatDuration(ranMs)}, unexpectedly`);
      this.scheduleRestart(state);
    });
  }

  private scheduleRestart(state: UnitState): void {
    const delay = restartDelay(this.policy, state.failuresInARow);
    const attempt = state.restarts + 1;
    this.log(`restarting ${state.unit.name} in ${formatDuration(delay)} (restart ${attempt})`);
    state.timer = setTimeout(() => {
      if (this.stopped) return;
      state.restarts = attempt;
      state.unit.start().then(
        () => {
          if (this.stopped) return;
          state.up = true;
          this.log(`${state.unit.name} is back (restart ${attempt}); status: ${this.statusLine()}`);
          this.watch(state);
        },
        (error: Error) => {
          if (this.stopped) return;
          state.failuresInARow++;
          this.log(`${state.unit.name} restart ${attempt} failed: ${error.message.split('\n')[0]}`);
          this.scheduleRestart(state);
        },
      );
    }, delay);
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
