import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** whether a process with this id exists (signal 0 checks without sending anything) */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
/**
 * What a launcher started, one JSON file per process in `<data dir>/run/`: how a later start names
 * its leftovers and how `npm run stop` stops them. A record is trusted only while its process still
 * runs the command line it was started with: a pid the system has given to another program since is
 * never signalled.
 */
export interface PidRecord {
  name: string;
  pid: number;
  /** the command line as started (what /proc/<pid>/cmdline shows) */
  argv: string[];
  stopSignal: NodeJS.Signals;
  /** lower stops first: apps, then Kafka, then PostgreSQL */
  stopOrder: number;
  graceMs: number;
  startedAt: string;
}

export const LAUNCHER_RECORD = 'launcher';

export function runDir(dataDir: string): string {
  return join(dataDir, 'run');
}

const fileOf = (dir: string, name: string): string => join(dir, `${name}.pid.json`);

export function writePidRecord(dir: string, record: PidRecord): void {
  mkdirSync(dir, { recursive: true });
  const file = fileOf(dir, record.name);
  // written whole, then renamed: a reader never sees half a record
  writeFileSync(`${file}.tmp`, JSON.stringify(record));
  renameSync(`${file}.tmp`, file);
}

/** removes the record only when it still names this pid (a restart may have replaced it) */
export function removePidRecord(dir: string, name: string, pid: number): void {
  const file = fileOf(dir, name);
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as PidRecord).pid === pid)
      rmSync(file, { force: true });
  } catch {
    // no record, or not ours to parse: leave it
  }
}

export function readPidRecords(dir: string): PidRecord[] {
  if (!existsSync(dir)) return [];
  const records: PidRecord[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.pid.json'))) {
    try {
      const record = JSON.parse(readFileSync(join(dir, file), 'utf8')) as PidRecord;
      if (Number.isInteger(record.pid) && Array.isArray(record.argv)) records.push(record);
    } catch {
      // a torn or foreign file says nothing about a running process
    }
  }
  return records;
}

/** the records whose process is alive and still runs the recorded command line */
export function liveRecords(dir: string): PidRecord[] {
  return readPidRecords(dir).filter(isRunningAsRecorded);
}

export function isRunningAsRecorded(record: PidRecord): boolean {
  const argv = commandLine(record.pid);
  if (!argv) return false;
  // without procfs, `ps` gives the arguments joined by spaces
  return argv.length === 1 && record.argv.length > 1
    ? argv[0] === record.argv.join(' ')
    : argv.length === record.argv.length && argv.every((a, i) => a === record.argv[i]);
}

/** a process's arguments, or undefined when there is no such (live) process */
export function commandLine(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the state follows the parenthesised name; a zombie has finished
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return undefined;
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.replace(/\0$/, '').split('\0');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self'))
      return undefined;
  }
  try {
    const line = execFileSync('ps', ['-p', String(pid), '-o', 'command='], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return line ? [line] : undefined;
  } catch {
    return undefined;
  }
}

/** this process's own command line as the system shows it (process.argv resolves paths) */
export function ownCommandLine(): string[] {
  return commandLine(process.pid) ?? [process.argv0, ...process.argv.slice(1)];
}

export function describeRecord(record: PidRecord): string {
  return `${record.name} (pid ${record.pid})`;
}

/** the process group a process leads, or undefined when it leads none (or procfs is missing) */
function groupLed(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    return pgrp === pid ? pid : undefined;
  } catch {
    return undefined;
  }
}

function signalRecorded(record: PidRecord, signal: NodeJS.Signals): void {
  // checked again right before each signal: the pid must still be the recorded program
  if (!isRunningAsRecorded(record)) return;
  const leader = groupLed(record.pid);
  try {
    process.kill(leader ? -leader : record.pid, signal);
  } catch {
    // gone meanwhile
  }
}

/**
 * Stops what the records in `dir` name and is still running as recorded: in stop order (the
 * launcher first, which stops its own children), each with its signal, SIGKILL after its grace.
 * Records of processes that are gone are removed. Returns what was stopped.
 */
export async function stopRecorded(dir: string, log: (line: string) => void): Promise<string[]> {
  const stopped: string[] = [];
  for (const record of readPidRecords(dir))
    if (!isRunningAsRecorded(record)) removePidRecord(dir, record.name, record.pid);
  const orders = [...new Set(liveRecords(dir).map((r) => r.stopOrder))].sort((a, b) => a - b);
  for (const order of orders) {
    // read again: a launcher stopped in the previous round takes its children with it
    const group = liveRecords(dir).filter((r) => r.stopOrder === order);
    for (const record of group) {
      log(
        `${describeRecord(record)}: ${record.stopSignal} (${record.argv.join(' ').slice(0, 120)})`,
      );
      signalRecorded(record, record.stopSignal);
    }
    const deadline = Date.now() + Math.max(0, ...group.map((r) => r.graceMs));
    while (group.some(isRunningAsRecorded) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    for (const record of group.filter(isRunningAsRecorded)) {
      log(`${describeRecord(record)} did not stop within ${record.graceMs} ms: SIGKILL`);
      signalRecorded(record, 'SIGKILL');
    }
    for (const record of group) {
      removePidRecord(dir, record.name, record.pid);
      stopped.push(describeRecord(record));
    }
  }
  return stopped;
}
