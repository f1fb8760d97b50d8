import { ChildProcess, spawn } from 'node:child_process';
import { isAlive as alive } from './pid-files';
import { watchdogArgs } from './process-watchdog';

/** a process group of its own, like every service the launcher starts; optionally deaf to SIGTERM */
function service(ignoreTerm = false): ChildProcess {
  const program = `${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', program], { detached: true, stdio: 'ignore' });
  return child;
}

const exited = (child: ChildProcess): Promise<{ at: number; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) =>
    child.once('exit', (_code, signal) => resolve({ at: Date.now(), signal })),
  );

describe('the launcher watchdog', () => {
  const started: ChildProcess[] = [];
  afterEach(() => {
    for (const child of started.splice(0)) {
      child.stdin?.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  function watchdog(): ChildProcess {
    const sut = spawn(process.execPath, watchdogArgs(), { stdio: ['pipe', 'ignore', 'ignore'] });
    started.push(sut);
    return sut;
  }

  it('stops what it watches when its input ends (the launcher died), in stop order, SIGKILL after the grace', async () => {
    const app = service(true);
    const postgres = service();
    const forgotten = service();
    started.push(app, postgres, forgotten);
    await new Promise((r) => setTimeout(r, 200));
    const sut = watchdog();
    sut.stdin!.write(
      `watch ${postgres.pid} SIGINT 2 5000\nwatch ${app.pid} SIGTERM 0 700\nwatch ${forgotten.pid} SIGTERM 1 1000\nforget ${forgotten.pid}\n`,
    );
    const appExit = exited(app);
    const postgresExit = exited(postgres);
    const sutExit = exited(sut);
    const closedAt = Date.now();

    sut.stdin!.end();

    const [a, p] = await Promise.all([appExit, postgresExit, sutExit]);
    expect(a.signal).toBe('SIGKILL'); // ignored SIGTERM, killed after its 700 ms
    expect(a.at - closedAt).toBeGreaterThanOrEqual(600);
    expect(p.signal).toBe('SIGINT');
    expect(p.at - closedAt).toBeGreaterThanOrEqual(600); // PostgreSQL only once the apps are gone
    expect(alive(forgotten.pid!)).toBe(true);
  });

  it('stops nothing while its input stays open', async () => {
    const app = service();
    started.push(app);
    const sut = watchdog();
    sut.stdin!.write(`watch ${app.pid} SIGTERM 0 500\n`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(alive(app.pid!)).toBe(true);
    expect(sut.exitCode).toBeNull();
    sut.stdin!.write(`forget ${app.pid}\n`);
    const sutExit = exited(sut);
    sut.stdin!.end();
    await sutExit;
    expect(alive(app.pid!)).toBe(true);
  });
});
