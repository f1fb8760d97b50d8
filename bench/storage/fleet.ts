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
 * interval, over `days` UTC days ending at the start of today, one day partition each
 * (RECORD_PARTITION_SPAN=day). Reading k of a vehicle (k counted from the first day) is at
 * start + k × interval. The top-up fills every day but the last (yesterday) whole, and yesterday's
 * first `lastDayReadings` readings; the persist rounds and the live phase then store the next
 * readings, `perPhase` per vehicle each, as a fleet's new records arrive: appended to each
 * vehicle's readings in the current partition. An empty-database round stores the very records
 * its full-database round stores.
 */
export class Fleet {
  readonly intervalMs: number;
  /** start of the first day (Unix ms) */
  readonly start: number;
  /** start of the last day of data: yesterday, where the persist rounds write */
  readonly lastDay: number;
  /** readings per vehicle the top-up puts in yesterday's partition */
  readonly lastDayReadings: number;

  constructor(
    readonly vins: number,
    readonly perDay: number,
    readonly days: number,
    /** readings per vehicle of each phase after the top-up */
    readonly perPhase: number,
    phases: number,
    now = Date.now(),
  ) {
    if (DAY_MS % perDay !== 0) throw new Error(`readings per day must divide ${DAY_MS} ms`);
    this.intervalMs = DAY_MS / perDay;
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    this.start = today - days * DAY_MS;
    this.lastDay = today - DAY_MS;
    this.lastDayReadings = perDay - phases * perPhase;
    if (this.lastDayReadings < 0)
      throw new Error(`${phases} phases of ${perPhase} readings do not fit in a day of ${perDay}`);
  }

  /** rows the top-up makes */
  get rows(): number {
    return this.vins * (this.perDay * (this.days - 1) + this.lastDayReadings);
  }

  /** readings per vehicle in the days before yesterday: the range pages' span */
  get fullDaysReadings(): number {
    return this.perDay * (this.days - 1);
  }

  /** the time of reading k (from the first day's start) */
  time(k: number): number {
    return this.start + k * this.intervalMs;
  }

  /**
   * Record i of phase p (0, 1, …): vehicle i % vins, reading ⌊i / vins⌋ of the phase's readings
   * (time-major, as a fleet's records arrive), with the values bench:consume gives reading k.
   */
  phaseRecord(phase: number): (i: number) => { vin: string; eventId: string; json: string } {
    const first = this.lastDayReadings + phase * this.perPhase;
    return (i) => {
      const k = first + Math.floor(i / this.vins);
      return vehicleRecordAt(i % this.vins, k, this.lastDay + k * this.intervalMs);
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
// every column but seq, event_id and the Kafka position, as the first day's copies keep them
const COPIED_COLUMNS = VEHICLE_TABLE.columns
  .map((c) => c.column)
  .filter((c) => c !== 'event_id')
  .join(', ');

/**
 * The fleet's readings made by PostgreSQL, one day partition at a time, the fast way a partition
 * can be filled: rows into a table of the partition's shape with no index (time-major, every
 * vehicle's reading k, then k + 1, so one vehicle's rows are spread over the heap as a live fleet's
 * are; the first day computed, the others copies of it shifted by whole days), a CHECK matching the bound so ATTACH need not scan it, then ATTACH, which builds the
 * table's indexes on it (sorted builds: denser than indexes grown row by row, which is what the
 * persist rounds' partition has), then VACUUM ANALYZE. Two partitions are built at a time. `seq` is given in time order, from 1, and
 * the identity sequence set past it, so the changes feed pages through the top-up in order.
 * Event ids are random UUIDs (as scattered in the unique index as UUIDv5s).
 */
export async function topUp(
  db: Client,
  databaseUrl: string,
  fleet: Fleet,
  log: (line: string) => void,
): Promise<TopUpResult> {
  const table = VEHICLE_TABLE.table;
  const started = performance.now();
  const spent = { index: 0, vacuum: 0 };
  const perPartition = fleet.vins * fleet.perDay;
  const firstDay = partitionName(table, fleet.start);
  let made = 0;
  const build = async (client: Client, d: number): Promise<void> => {
    const lower = fleet.start + d * DAY_MS;
    const upper = lower + DAY_MS;
    const name = partitionName(table, lower);
    const seq0 = d * perPartition;
    const last = d === fleet.days - 1;
    const at = (k: string): string =>
      `to_timestamp((${fleet.start} + (${k})::float8 * ${fleet.intervalMs}) / 1000.0)`;
    await client.query(
      `CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION) WITH (${PARTITION_STORAGE})`,
    );
    if (d === 0)
      await client.query(`
      INSERT INTO ${name} (${COLUMNS})
      SELECT k::bigint * ${fleet.vins} + v + 1, gen_random_uuid(), 'mobway', '${benchVin(0).slice(0, 8)}' || lpad(v::text, 9, '0'),
        ${at('k')}, ${at('k')} + interval '2 seconds',
        round((-23.55 + (v % 100) * 0.01 + k * 0.0001)::numeric, 6), round((-46.63 + (v / 100) * 0.01 + k * 0.0001)::numeric, 6),
        (k * 7 + v) % 120, (k * 13 + v) % 360, 10000 + v + k * 0.25, 90 - (k % 800) * 0.1, 800 + (k * 37 + v) % 3000,
        13.9, NULL, CASE WHEN k % 100 = 0 THEN 'ignition_on' END, '{}'::jsonb, '${JSON.stringify(ATTRIBUTES)}'::jsonb,
        v % 6, k::bigint * ${fleet.vins} + v
      FROM generate_series(0, ${fleet.perDay - 1}) AS k CROSS JOIN LATERAL generate_series(0, ${fleet.vins - 1}) AS v`);
    // later days: the first day's rows a whole number of days later, each with a new event id and
    // seq (a copy costs PostgreSQL far less per row than computing the values again); yesterday
    // only its first readings
    else
      await client.query(`
      INSERT INTO ${name} (${COLUMNS})
      SELECT seq + ${seq0}, gen_random_uuid(), ${COPIED_COLUMNS.replace(/recorded_at|received_at/g, (c) => `${c} + interval '${d} days'`)},
        kafka_partition, kafka_offset + ${seq0}
      FROM ${firstDay}${last ? ` WHERE seq <= ${fleet.lastDayReadings * fleet.vins}` : ''}`);
    const lo = new Date(lower).toISOString();
    const hi = new Date(upper).toISOString();
    await client.query(
      `ALTER TABLE ${name} ADD CONSTRAINT bench_bound CHECK (recorded_at >= '${lo}' AND recorded_at < '${hi}')`,
    );
    const indexStarted = performance.now();
    await client.query(
      `ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${lo}') TO ('${hi}')`,
    );
    spent.index += performance.now() - indexStarted;
    await client.query(`ALTER TABLE ${name} DROP CONSTRAINT bench_bound`);
    const vacuumStarted = performance.now();
    await client.query(`VACUUM (ANALYZE) ${name}`);
    spent.vacuum += performance.now() - vacuumStarted;
    made += last ? fleet.lastDayReadings * fleet.vins : perPartition;
    const seconds = (performance.now() - started) / 1000;
    log(
      `top-up: ${name} done, ${fmt(made)} / ${fmt(fleet.rows)} rows (${fmt(made / seconds)} rows/s)`,
    );
  };
  // two builders, each on its own connection, after the first day (the others' source)
  const second = new Client({ connectionString: databaseUrl });
  await second.connect();
  try {
    for (const client of [db, second])
      // sorted index builds in memory rather than in temporary files (the default is 64MB)
      await client.query(`SET maintenance_work_mem = '1GB'`);
    await build(db, 0);
    let next = 1;
    await Promise.all(
      [db, second].map(async (client) => {
        while (next < fleet.days) await build(client, next++);
      }),
    );
  } finally {
    await second.end();
    await db.query(`RESET maintenance_work_mem`);
  }
  // again, one at a time, now that no other transaction is open: each VACUUM above ran while the
  // other builder's INSERT held a snapshot older than the rows, so it could mark no page all-visible,
  // and the range pages' index-only scans would fetch every row from the heap (as the planner then
  // prefers a bitmap heap scan): not what a partition autovacuum has seen looks like
  const vacuumStarted = performance.now();
  for (let d = 0; d < fleet.days; d++)
    await db.query(`VACUUM ${partitionName(table, fleet.start + d * DAY_MS)}`);
  spent.vacuum += performance.now() - vacuumStarted;
  log(
    `top-up: every partition vacuumed again (${round1((performance.now() - vacuumStarted) / 1000)} s)`,
  );
  await db.query(
    `SELECT setval(pg_get_serial_sequence('${table}', 'seq'), ${(fleet.days - 1) * perPartition + fleet.lastDayReadings * fleet.vins})`,
  );
  // the partitions were analysed as they were made: the parent's own statistics only
  await db.query(`ANALYZE ONLY ${table}`);
  log('top-up: CHECKPOINT');
  await db.query('CHECKPOINT');
  return {
    rows: made,
    partitions: fleet.days,
    seconds: round1((performance.now() - started) / 1000),
    indexSeconds: round1(spent.index / 1000),
    vacuumSeconds: round1(spent.vacuum / 1000),
  };
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
