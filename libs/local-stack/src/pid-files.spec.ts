import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  commandLine,
  liveRecords,
  PidRecord,
  readPidRecords,
  stopRecorded,
  writePidRecord,
} from './pid-files';

const PROGRAM = 'setInterval(() => {}, 1000)';

describe('pid files', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pid-files-'));
  });
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  function running(): ChildProcess {
    const child = spawn(process.execPath, ['-e', PROGRAM], { detached: true, stdio: 'ignore' });
    children.push(child);
    return child;
  }

  const record = (
    name: string,
    pid: number,
    argv = [process.execPath, '-e', PROGRAM],
  ): PidRecord => ({
    name,
    pid,
    argv,
    stopSignal: 'SIGTERM',
    stopOrder: 1,
    graceMs: 2000,
    startedAt: new Date().toISOString(),
  });

  const exited = (child: ChildProcess): Promise<NodeJS.Signals | null> =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.signalCode)
      : new Promise((resolve) => child.once('exit', (_c, signal) => resolve(signal)));

  it('reads a process command line as started', async () => {
    const child = running();
    await new Promise((r) => setTimeout(r, 100));
    expect(commandLine(child.pid!)).toEqual([process.execPath, '-e', PROGRAM]);
  });

  it('names a recorded process as live only while it runs the recorded command line', async () => {
    const child = running();
    await new Promise((r) => setTimeout(r, 100));
    writePidRecord(dir, record('kafka', child.pid!));
    writePidRecord(dir, record('postgres', child.pid!, ['/usr/bin/postgres', '-D', '/elsewhere']));
    expect(liveRecords(dir).map((r) => r.name)).toEqual(['kafka']);
  });

  it('stops what the records name, and never signals a pid that now runs something else', async () => {
    const leftover = running();
    const stranger = running();
    await new Promise((r) => setTimeout(r, 100));
    writePidRecord(dir, record('kafka', leftover.pid!));
    // the recorded program is gone and the system gave its pid to someone else
    writePidRecord(dir, record('postgres', stranger.pid!, ['/usr/bin/postgres', '-D', '/data']));
    const lines: string[] = [];

    const stopped = await stopRecorded(dir, (line) => lines.push(line));

    expect(await exited(leftover)).toBe('SIGTERM');
    expect(stopped).toEqual([`kafka (pid ${leftover.pid})`]);
    expect(stranger.exitCode === null && stranger.signalCode === null).toBe(true);
    expect(readPidRecords(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });
});
