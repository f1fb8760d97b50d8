import { Client } from 'pg';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';
import {
  listPartitions,
  partitionName,
  PARTITION_STORAGE,
  Sql,
} from '@app/persistence/record-partitions';
import { ATTRIBUTES, benchVin, vehicleRecordAt } from '../consume/records';
import { fmt } from '../consume/stats';

export const DAY_MS = 86_400_000;

/**
 * The storage bench's fleet: `vins` vehicles, each reading `perDay` times a day at a fixed
 * interval, over `days` whole UTC days ending at the start of today, one day partition each
 * (RECORD_PARTITION_SPAN=day). Reading k of a vehicle (k counted from the first day) is at
 * start + k × interval; the persist rounds and the live phase add readings between those, at
 * start of yesterday + (k + fraction) × interval, a fraction of their own each, so their event ids
 * never meet another phase's.
 */
export class Fleet {
  readonly intervalMs: number;
  /** start of the first day (Unix ms) */
  readonly start: number;
  /** start of the last day of data: yesterday, where the persist rounds write */
  readonly lastDay: number;

  constructor(
    readonly vins: number,
    readonly perDay: number,
    readonly days: number,
    now = Date.now(),
  ) {
    if (DAY_MS % perDay !== 0) throw new Error(`readings per day must divide ${DAY_MS} ms`);
    this.intervalMs = DAY_MS / perDay;
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    this.start = today - days * DAY_MS;
    this.lastDay = today - DAY_MS;
  }

  get rows(): number {
    return this.vins * this.perDay * this.days;
  }

  /** the time of reading k (from the first day's start) */
  time(k: number): number {
    return this.start + k * this.intervalMs;
  }

  /**
   * Record i of a phase writing `fraction` of an interval after yesterday's readings:
   * vehicle i % vins, reading ⌊i / vins⌋ of yesterday (time-major, as a fleet's records arrive).
   */
  phaseRecord(fraction: number): (i: number) => { vin: string; eventId: string; json: string } {
    return (i) => {
      const k = Math.floor(i / this.vins);
      return vehicleRecordAt(
        i % this.vins,
        k,
        Math.round(this.lastDay + (k + fraction) * this.intervalMs),
      );
    };
  }
}

/** a pg client as the Sql the partition helpers take */
export function clientSql(client: Client): Sql {
  return async (text, values) => (await client.query<Record<string, unknown>>(text, values)).rows;
}

/** drops every partition of the vehicle table (the migration made some, empty, with its own span) */
export async function dropAllPartitions(db: Client): Promise<number> {
  const partitions = await listPartitions(clientSql(db), VEHICLE_TABLE.table);
  for (const p of partitions) await db.query(`DROP TABLE ${p.name}`);
  return partitions.length;
}

export interface TopUpResult {
  rows: number;
  partitions: number;
  seconds: number;
  /** of which: building the indexes (ATTACH), VACUUM ANALYZE */
  indexSeconds: number;
  vacuumSeconds: number;
}

const COLUMNS = [
  'seq',
  ...VEHICLE_TABLE.columns.map((c) => c.column),
  'kafka_partition',
  'kafka_offset',
].join(', ');

/**
 * The fleet's readings made by PostgreSQL, one day partition at a time, the fast way a partition
 * can be filled: rows into a table of the partition's shape with no index (time-major, every
 * vehicle's reading k, then k + 1, so one vehicle's rows are spread over the heap as a live fleet's
 * are), a CHECK matching the bound so ATTACH need not scan it, then ATTACH, which builds the
 * table's indexes on it (sorted builds: denser than indexes grown row by row, which is what the
 * persist rounds' partition has), then VACUUM ANALYZE. `seq` is given in time order, from 1, and
 * the identity sequence set past it, so the changes feed pages through the top-up in order.
 * Event ids are random UUIDs (as scattered in the unique index as UUIDv5s).
 */
export async function topUp(
  db: Client,
  fleet: Fleet,
  log: (line: string) => void,
): Promise<TopUpResult> {
  const table = VEHICLE_TABLE.table;
  const started = performance.now();
  let indexMs = 0;
  let vacuumMs = 0;
  const perPartition = fleet.vins * fleet.perDay;
  for (let d = 0; d < fleet.days; d++) {
    const lower = fleet.start + d * DAY_MS;
    const upper = lower + DAY_MS;
    const name = partitionName(table, lower);
    const k0 = d * fleet.perDay;
    const seq0 = d * perPartition;
    const at = (k: string): string =>
      `to_timestamp((${fleet.start} + (${k})::float8 * ${fleet.intervalMs}) / 1000.0)`;
    await db.query(
      `CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION) WITH (${PARTITION_STORAGE})`,
    );
    await db.query(`
      INSERT INTO ${name} (${COLUMNS})
      SELECT ${seq0} + (k - ${k0})::bigint * ${fleet.vins} + v + 1, gen_random_uuid(), 'mobway', '${benchVin(0).slice(0, 8)}' || lpad(v::text, 9, '0'),
        ${at('k')}, ${at('k')} + interval '2 seconds',
        round((-23.55 + (v % 100) * 0.01 + k * 0.0001)::numeric, 6), round((-46.63 + (v / 100) * 0.01 + k * 0.0001)::numeric, 6),
        (k * 7 + v) % 120, (k * 13 + v) % 360, 10000 + v + k * 0.25, 90 - (k % 800) * 0.1, 800 + (k * 37 + v) % 3000,
        13.9, NULL, CASE WHEN k % 100 = 0 THEN 'ignition_on' END, '{}'::jsonb, '${JSON.stringify(ATTRIBUTES)}'::jsonb,
        v % 6, k::bigint * ${fleet.vins} + v
      FROM generate_series(${k0}, ${k0 + fleet.perDay - 1}) AS k CROSS JOIN LATERAL generate_series(0, ${fleet.vins - 1}) AS v`);
    const lo = new Date(lower).toISOString();
    const hi = new Date(upper).toISOString();
    await db.query(
      `ALTER TABLE ${name} ADD CONSTRAINT bench_bound CHECK (recorded_at >= '${lo}' AND recorded_at < '${hi}')`,
    );
    const indexStarted = performance.now();
    await db.query(
      `ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${lo}') TO ('${hi}')`,
    );
    indexMs += performance.now() - indexStarted;
    await db.query(`ALTER TABLE ${name} DROP CONSTRAINT bench_bound`);
    const vacuumStarted = performance.now();
    await db.query(`VACUUM (ANALYZE) ${name}`);
    vacuumMs += performance.now() - vacuumStarted;
    const seconds = (performance.now() - started) / 1000;
    log(
      `top-up: ${name} done, ${fmt((d + 1) * perPartition)} / ${fmt(fleet.rows)} rows (${fmt(((d + 1) * perPartition) / seconds)} rows/s)`,
    );
  }
  await db.query(`SELECT setval(pg_get_serial_sequence('${table}', 'seq'), ${fleet.rows})`);
  await db.query(`ANALYZE ${table}`);
  log('top-up: CHECKPOINT');
  await db.query('CHECKPOINT');
  return {
    rows: fleet.rows,
    partitions: fleet.days,
    seconds: round1((performance.now() - started) / 1000),
    indexSeconds: round1(indexMs / 1000),
    vacuumSeconds: round1(vacuumMs / 1000),
  };
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
