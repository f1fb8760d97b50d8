import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { MIGRATIONS, runMigrations } from '@app/persistence/data-source';
import { makePartitions } from '@app/persistence/record-partitions';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';
import { CpuMeter, LoadSnapshot } from '../consume/machine-load';
import { psql } from '../consume/psql';
import { fmt } from '../consume/stats';
import { clientSql, dropAllPartitions, round3 } from './fleet';

/** the unpartitioned layout as it was before time partitions: the first two migrations */
const PREVIOUS_LAYOUT = MIGRATIONS.slice(0, 2);

export interface LayoutSize {
  rows: number;
  /** heap with TOAST, free space and visibility maps */
  tableBytes: number;
  indexBytes: number;
  /** each index: name → bytes */
  indexes: Record<string, number>;
  bytesPerRow: number;
  /** the load into the empty table, indexes in place (as a consumer writes), one COPY */
  copySeconds: number;
  copyRowsPerSecond: number;
}

export interface LayoutResult {
  sampleRows: number;
  previous: LayoutSize;
  partitioned: LayoutSize;
  /** partitioned / previous, bytes per row */
  ratio: number;
  load: LoadSnapshot;
}

/**
 * Bytes on disk per row, the partitioned layout against the previous unpartitioned one, from the
 * same rows stored the same way: the rows the consumer wrote in the last empty-database round are
 * exported (untimed), then COPYed into a fresh database of each layout (the previous one built by
 * the first two migrations, the current one by all of them with a day partition for the rows), the
 * indexes in place so they grow row by row as under ingest; then VACUUM (as autovacuum would) and
 * the relations' sizes.
 */
export async function compareLayouts(args: {
  admin: Client;
  databaseUrl: (name: string) => string;
  sourceUrl: string;
  file: string;
  lastDay: number;
  log: (line: string) => void;
}): Promise<LayoutResult> {
  const { admin, log } = args;
  const columns = [
    ...VEHICLE_TABLE.columns.map((c) => c.column),
    'kafka_partition',
    'kafka_offset',
  ].join(', ');
  const table = VEHICLE_TABLE.table;
  log('layout: exporting the sample rows (untimed)');
  await psql(
    args.sourceUrl,
    `\\copy (SELECT ${columns} FROM ${table} ORDER BY seq) TO '${args.file}'`,
  );
  const meter = new CpuMeter();
  try {
    const measure = async (name: string, previous: boolean): Promise<LayoutSize> => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      const url = args.databaseUrl(name);
      await runMigrations(url, previous ? PREVIOUS_LAYOUT : MIGRATIONS);
      const db = new Client({ connectionString: url });
      await db.connect();
      try {
        if (!previous) {
          await dropAllPartitions(db);
          await makePartitions(clientSql(db), table, [args.lastDay], 'day');
        }
        await db.query('CHECKPOINT');
        const started = performance.now();
        await psql(url, `\\copy ${table} (${columns}) FROM '${args.file}'`);
        const copySeconds = (performance.now() - started) / 1000;
        await db.query(`VACUUM (ANALYZE) ${table}`);
        // the relations holding rows: the table itself, or its partitions
        const { rows: relations } = await db.query<{ oid: number }>(
          `SELECT oid FROM pg_class WHERE oid = '${table}'::regclass AND relkind = 'r' ` +
            `UNION ALL SELECT inhrelid FROM pg_inherits WHERE inhparent = '${table}'::regclass`,
        );
        const { rows: counted } = await db.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM ${table}`,
        );
        const rowCount = Number(counted[0].n);
        let tableBytes = 0;
        const indexes: Record<string, number> = {};
        for (const { oid } of relations) {
          const { rows: size } = await db.query<{ bytes: string }>(
            `SELECT pg_table_size($1::oid)::text AS bytes`,
            [oid],
          );
          tableBytes += Number(size[0].bytes);
          const { rows: idx } = await db.query<{ name: string; bytes: string }>(
            `SELECT c.relname AS name, pg_relation_size(c.oid)::text AS bytes FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::oid ORDER BY c.relname`,
            [oid],
          );
          for (const row of idx) indexes[row.name] = Number(row.bytes);
        }
        const indexBytes = Object.values(indexes).reduce((a, b) => a + b, 0);
        const result: LayoutSize = {
          rows: rowCount,
          tableBytes,
          indexBytes,
          indexes,
          bytesPerRow: Math.round((tableBytes + indexBytes) / rowCount),
          copySeconds: round3(copySeconds),
          copyRowsPerSecond: Math.round(rowCount / copySeconds),
        };
        log(
          `layout ${previous ? 'previous (unpartitioned)' : 'partitioned'}: ${fmt(rowCount)} rows, table ${fmt(tableBytes / 2 ** 20)} MiB, indexes ${fmt(indexBytes / 2 ** 20)} MiB → ${fmt(result.bytesPerRow)} B/row; COPY ${fmt(result.copyRowsPerSecond)} rows/s`,
        );
        return result;
      } finally {
        await db.end();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    };
    const previous = await measure('bench_layout_previous', true);
    const partitioned = await measure('bench_layout_partitioned', false);
    if (previous.rows !== partitioned.rows)
      throw new Error(`layouts hold ${previous.rows} and ${partitioned.rows} rows`);
    return {
      sampleRows: previous.rows,
      previous,
      partitioned,
      ratio: Math.round((partitioned.bytesPerRow / previous.bytesPerRow) * 1000) / 1000,
      load: meter.read(),
    };
  } finally {
    rmSync(args.file, { force: true });
  }
}
