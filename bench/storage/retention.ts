import { Client } from 'pg';
import { createDataSource } from '@app/persistence/data-source';
import {
  RecordPartitionManager,
  RetentionOutcome,
} from '@app/persistence/record-partition.manager';
import { listPartitions } from '@app/persistence/record-partitions';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';
import { fmt } from '../consume/stats';
import { clientSql, DAY_MS, Fleet, round3 } from './fleet';
import { persistRound, Progress, RoundResult, Spawn } from './persist';

export interface RetentionResult {
  /** the partition dropped, its rows (counted before) and bytes with indexes */
  dropped: RetentionOutcome['dropped'];
  droppedRows: number;
  /** RecordPartitionManager.dropExpired: list, DETACH … CONCURRENTLY, DROP */
  dropSeconds: number;
  partitionsBefore: number;
  partitionsAfter: number;
  ingest: Omit<RoundResult, 'database' | 'round' | 'rowsBefore'>;
  /** committed rows per second from the first row to the drop, during it, and after it */
  rowsPerSecondBefore: number;
  rowsPerSecondDuring: number;
  rowsPerSecondAfter: number;
  /** rows committed while the drop ran */
  rowsDuring: number;
  /** the longest time no row was committed: while the drop ran, and over the whole phase */
  longestPauseDuringMs: number;
  longestPauseMs: number;
  /** every row of the other partitions still there, every live row stored, the dropped ones gone */
  rowsBefore: number;
  rowsAfter: number;
  lost: number;
}

/**
 * Retention under live ingest: records preloaded for yesterday's partition, the consumer started
 * on the full database, and once it has stored ~30 % of them the oldest day partition dropped by
 * the code the retention schedule runs (RecordPartitionManager.dropExpired, the retention days
 * chosen so exactly that partition is expired), while ingest goes on. Progress is sampled every
 * 100 ms throughout; afterwards the table must hold exactly what it held, less the dropped
 * partition's rows, plus the live ones.
 */
export async function dropUnderIngest(args: {
  db: Client;
  databaseUrl: string;
  fleet: Fleet;
  spawn: Spawn;
  expected: number;
  timeoutMs: number;
  log: (line: string) => void;
}): Promise<RetentionResult> {
  const { db, fleet, log } = args;
  const table = VEHICLE_TABLE.table;
  const count = async (): Promise<number> => {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
    return Number(rows[0].n);
  };
  const partitionsBefore = (await listPartitions(clientSql(db), table)).length;
  const oldest = (await listPartitions(clientSql(db), table))[0];
  const { rows: oldestRows } = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM ${oldest.name}`,
  );
  const droppedRows = Number(oldestRows[0].n);
  log(`retention: counting the table before (untimed)`);
  const rowsBefore = await count();
  // readings before now - days × 1 day are expired: with days = fleet.days - 1, exactly the first
  // day's partition (it ends fleet.days - 1 days before the start of today)
  const retentionDays = fleet.days - 1;
  if (oldest.lower !== fleet.start || oldest.upper !== fleet.start + DAY_MS)
    throw new Error(`the oldest partition is ${oldest.name}, not the fleet's first day`);

  const dataSource = await createDataSource(args.databaseUrl, 2, 'bench-retention').initialize();
  const manager = new RecordPartitionManager(dataSource, 'day');
  const samples: Progress[] = [];
  let drop: Promise<RetentionOutcome> | undefined;
  let dropStart = NaN;
  let dropEnd = NaN;
  try {
    const ingest = await persistRound({
      db,
      fleet,
      spawn: args.spawn,
      expected: args.expected,
      timeoutMs: args.timeoutMs,
      log,
      samples,
      onProgress: ({ at, seq }, seqBefore) => {
        if (drop || seq - seqBefore < 0.3 * args.expected) return;
        log(`retention: dropping ${oldest.name} (${fmt(droppedRows)} rows) under ingest`);
        dropStart = at;
        const t0 = performance.now();
        drop = manager.dropExpired(table, retentionDays).then((outcome) => {
          dropEnd = dropStart + (performance.now() - t0);
          return outcome;
        });
      },
    });
    if (!drop) throw new Error('ingest ended before the drop began: preload more records');
    const outcome = await drop;
    const seqBefore = ingest.seqBefore;
    const rowsAfter = await count();
    const partitionsAfter = (await listPartitions(clientSql(db), table)).length;
    if (outcome.dropped.length !== 1 || outcome.dropped[0].name !== oldest.name)
      throw new Error(
        `retention dropped ${outcome.dropped.map((p) => p.name).join(', ') || 'nothing'}, not ${oldest.name}`,
      );

    // committed rows per second in a window, from the samples (ms since spawn, max seq)
    const seqAt = (ms: number): number => {
      let seq = seqBefore;
      for (const s of samples) if (s.at <= ms) seq = s.seq;
      return seq;
    };
    const firstRowMs = ingest.firstRowSeconds * 1000;
    const doneMs = ingest.seconds * 1000;
    const rate = (from: number, to: number): number =>
      to > from ? Math.round((seqAt(to) - seqAt(from)) / ((to - from) / 1000)) : NaN;
    // pauses: time between successive samples that saw the seq move, first row to last
    const pauses: { from: number; to: number }[] = [];
    let lastMove = firstRowMs;
    let lastSeq = seqAt(firstRowMs);
    for (const s of samples) {
      if (s.at <= firstRowMs || s.at > doneMs) continue;
      if (s.seq > lastSeq) {
        pauses.push({ from: lastMove, to: s.at });
        lastMove = s.at;
        lastSeq = s.seq;
      }
    }
    const longest = (within?: [number, number]): number =>
      Math.round(
        Math.max(
          0,
          ...pauses
            .filter((p) => !within || (p.to >= within[0] && p.from <= within[1]))
            .map((p) => p.to - p.from),
        ),
      );
    // the other partitions' rows all there, and every live record stored
    const lost =
      rowsBefore - droppedRows + ingest.rows - rowsAfter + Math.max(0, args.expected - ingest.rows);
    return {
      dropped: outcome.dropped,
      droppedRows,
      dropSeconds: round3((dropEnd - dropStart) / 1000),
      partitionsBefore,
      partitionsAfter,
      ingest,
      rowsPerSecondBefore: rate(firstRowMs, dropStart),
      rowsPerSecondDuring: rate(dropStart, dropEnd),
      rowsPerSecondAfter: rate(dropEnd, doneMs),
      rowsDuring: seqAt(dropEnd) - seqAt(dropStart),
      longestPauseDuringMs: longest([dropStart, dropEnd]),
      longestPauseMs: longest(),
      rowsBefore,
      rowsAfter,
      lost,
    };
  } finally {
    await drop?.catch(() => undefined);
    await dataSource.destroy();
  }
}
