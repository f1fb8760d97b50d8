import { Client } from 'pg';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';
import { CpuMeter, LoadSnapshot } from '../consume/machine-load';
import { fmt } from '../consume/stats';
import { DAY_MS, Fleet, round3 } from './fleet';

const POLL_MS = 100;

/** one consumer process to start on a database: resolves once it listens */
export type Spawn = () => Promise<{ stop(): Promise<void> }>;

export interface Progress {
  /** ms since the process was spawned, and the newest seq committed then */
  at: number;
  seq: number;
}

export interface RoundResult {
  database: 'empty' | 'full';
  round: number;
  rows: number;
  /** rows the database held before the round (all partitions) */
  rowsBefore: number;
  /** process spawned → listening (Nest boot, partitions ahead) */
  bootSeconds: number;
  /** process spawned → first row committed */
  firstRowSeconds: number;
  /** process spawned → last row committed */
  seconds: number;
  rowsPerSecond: number;
  /** first row → last row: what storing costs, without boot and group join */
  steadyRowsPerSecond: number;
  /** rows of earlier rounds stored again (a consumer stopped before committing its offsets) */
  redelivered: number;
  load: LoadSnapshot;
}

/**
 * Starts the consumer on `db`'s database and times it until `expected` new rows are committed in
 * yesterday's partition (the records were preloaded onto the topic before). Progress is read from
 * max(seq) (an index probe per partition) every 100 ms: the time of the first poll that sees the
 * last row is the end, so the figure is never late by the final count, which is taken after (an
 * index-only count of yesterday's partition, before and after) and must match.
 * `onProgress` sees every poll (the retention phase acts on it).
 */
export async function persistRound(args: {
  db: Client;
  fleet: Fleet;
  spawn: Spawn;
  expected: number;
  timeoutMs: number;
  log: (line: string) => void;
  onProgress?: (progress: Progress, seqBefore: number) => void | Promise<void>;
  samples?: Progress[];
}): Promise<Omit<RoundResult, 'database' | 'round' | 'rowsBefore'> & { seqBefore: number }> {
  const { db, fleet, expected, log } = args;
  const yesterday = async (): Promise<number> => {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${VEHICLE_TABLE.table} WHERE recorded_at >= $1 AND recorded_at < $2`,
      [new Date(fleet.lastDay).toISOString(), new Date(fleet.lastDay + DAY_MS).toISOString()],
    );
    return Number(rows[0].n);
  };
  const maxSeq = async (): Promise<number> => {
    const { rows } = await db.query<{ seq: string }>(
      `SELECT coalesce(max(seq), 0)::text AS seq FROM ${VEHICLE_TABLE.table}`,
    );
    return Number(rows[0].seq);
  };
  const countBefore = await yesterday();
  const seqBefore = await maxSeq();
  const meter = new CpuMeter();
  const spawnedAt = performance.now();
  const consumer = await args.spawn();
  const listeningAt = performance.now();
  try {
    let firstRowAt: number | undefined;
    let doneAt: number | undefined;
    let lastLog = spawnedAt;
    for (;;) {
      const now = performance.now();
      const seq = await maxSeq();
      const progress = { at: now - spawnedAt, seq };
      args.samples?.push(progress);
      if (seq > seqBefore && firstRowAt === undefined) firstRowAt = now;
      await args.onProgress?.(progress, seqBefore);
      if (seq >= seqBefore + expected) {
        doneAt ??= now;
        const stored = (await yesterday()) - countBefore;
        if (stored >= expected) {
          const seconds = (doneAt - spawnedAt) / 1000;
          return {
            seqBefore,
            rows: stored,
            bootSeconds: round3((listeningAt - spawnedAt) / 1000),
            firstRowSeconds: round3((firstRowAt! - spawnedAt) / 1000),
            seconds: round3(seconds),
            rowsPerSecond: Math.round(expected / seconds),
            steadyRowsPerSecond: Math.round(expected / ((doneAt - firstRowAt!) / 1000)),
            redelivered: stored - expected,
            load: meter.read(),
          };
        }
        // seq reached the mark but rows are missing: a gap in seq (an INSERT path); not done yet
        doneAt = undefined;
      }
      if (now - lastLog >= 5000) {
        lastLog = now;
        log(
          `  ~${fmt(seq - seqBefore)} / ${fmt(expected)} rows after ${((now - spawnedAt) / 1000).toFixed(1)} s`,
        );
      }
      if (now - spawnedAt > args.timeoutMs)
        throw new Error(
          `the consumer stored ~${seq - seqBefore} of ${expected} rows in ${args.timeoutMs / 1000} s; giving up`,
        );
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await consumer.stop();
  }
}
