import { DEFAULT_RESTART_POLICY, restartDelay, SupervisedUnit, Supervisor } from './supervisor';

/** a unit whose runs the test ends by hand; `failNextStarts` makes that many starts reject */
class FakeUnit implements SupervisedUnit {
  starts = 0;
  failNextStarts = 0;
  private exit?: (how: string) => void;

  constructor(readonly name: string) {}

  start(): Promise<void> {
    this.starts++;
    if (this.failNextStarts > 0) {
      this.failNextStarts--;
      return Promise.reject(new Error('port in use'));
    }
    return Promise.resolve();
  }

  whenExited(): Promise<string> {
    return new Promise((resolve) => (this.exit = resolve));
  }

  die(how = 'was killed by SIGKILL'): void {
    this.exit?.(how);
  }
}

describe(Supervisor.name, () => {
  let clock: number;
  let lines: string[];
  let sut: Supervisor;
  beforeEach(() => {
    jest.useFakeTimers();
    clock = 0;
    lines = [];
    sut = new Supervisor(
      (line) => lines.push(line),
      DEFAULT_RESTART_POLICY,
      () => clock,
    );
  });
  afterEach(() => {
    sut.stop();
    jest.useRealTimers();
  });

  /** lets promise callbacks run, then moves the clock */
  async function advance(ms: number): Promise<void> {
    await jest.advanceTimersByTimeAsync(0);
    clock += ms;
    await jest.advanceTimersByTimeAsync(ms);
  }

  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [5, 16_000],
    [6, 30_000],
    [20, 30_000],
  ])('waits before restart %d in a row %d ms', (failures, delay) => {
    expect(restartDelay(DEFAULT_RESTART_POLICY, failures)).toBe(delay);
  });

  it('restarts a unit that died after 1 s, then 2 s when it dies again at once, and counts each', async () => {
    const kafka = new FakeUnit('kafka');
    sut.supervise(kafka);

    kafka.die();
    await advance(999);
    expect(kafka.starts).toBe(0);
    await advance(1);
    expect(kafka.starts).toBe(1);
    kafka.die();
    await advance(1_999);
    expect(kafka.starts).toBe(1);
    await advance(1);

    expect(kafka.starts).toBe(2);
    expect(sut.restarts('kafka')).toBe(2);
    expect(lines).toContain('kafka was killed by SIGKILL after 0 ms, unexpectedly');
    expect(lines).toContain('kafka is back (restart 2); status: kafka up (2 restarts)');
  });

  it('doubles the wait after each failed start and goes back to 1 s once a run lasted a minute', async () => {
    const app = new FakeUnit('vehicle-consumer');
    sut.supervise(app);
    app.failNextStarts = 2;

    app.die('exited with code 1');
    await advance(1_000); // restart 1 fails
    await advance(2_000); // restart 2 fails
    await advance(3_999);
    expect(app.starts).toBe(2);
    await advance(1); // restart 3, after 4 s, holds
    expect(app.starts).toBe(3);
    expect(sut.statusLine()).toBe('vehicle-consumer up (3 restarts)');

    await advance(60_000);
    app.die();
    await advance(1_000);
    expect(app.starts).toBe(4);
    expect(
      lines.filter((l) => l.includes('restart 1 failed') || l.includes('restart 2 failed')),
    ).toHaveLength(2);
  });

  it('restarts nothing once stopped', async () => {
    const postgres = new FakeUnit('postgres');
    sut.supervise(postgres);
    postgres.die();
    sut.stop();
    await advance(60_000);
    expect(postgres.starts).toBe(0);
  });
});
