import { civilFromDays, daysFromCivil } from '@app/contracts';
import { advisoryLockKeys } from './advisory-lock';

/** how much reading time one partition of a record table holds (RECORD_PARTITION_SPAN) */
export type PartitionSpan = 'day' | 'week' | 'month';
export const PARTITION_SPANS: readonly PartitionSpan[] = ['day', 'week', 'month'];
export const DEFAULT_PARTITION_SPAN: PartitionSpan = 'week';

/** one partition of a record table: its reading times are [lower, upper), Unix milliseconds */
export interface PartitionRange {
  name: string;
  /** -Infinity for FROM (MINVALUE) */
  lower: number;
  /** Infinity for TO (MAXVALUE) */
  upper: number;
  /** DETACH … CONCURRENTLY began and did not finish (the retention run finalises it) */
  detaching: boolean;
}

/** runs one statement; rows out (a TypeORM QueryRunner's or a pg client's query, adapted) */
export type Sql = (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

const DAY_MS = 86_400_000;
// a reading further than this from now (either way) gets a partition of its calendar year: late
// or skewed readings are rare, and a sender with a broken clock must not make thousands of
// partitions (a year is at most 52 weeks of partitions' worth of planning)
const NEAR_MS = 366 * DAY_MS;
/** partitions made ahead of time: the one holding now and this many after it */
export const PARTITIONS_AHEAD = 2;
// per partition, as the RangePageIndex migration set on the unpartitioned tables: an index-only
// scan needs the visibility map, so an insert-only partition is vacuumed every 100,000 rows
export const PARTITION_STORAGE =
  'autovacuum_vacuum_insert_threshold = 100000, autovacuum_vacuum_insert_scale_factor = 0';
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
// partition changes wait this long for the table's partition lock or a catalog lock, then fail:
// the sink retries the batch, the schedule its next round
const LOCK_TIMEOUT_MS = 10_000;
const STATEMENT_TIMEOUT_MS = 60_000;

/** the [start, end) of the span holding `at`, UTC: days, ISO weeks (from Monday), calendar months or years */
export function spanAt(at: number, span: PartitionSpan | 'year'): [number, number] {
  const day = Math.floor(at / DAY_MS);
  switch (span) {
    case 'day':
      return [day * DAY_MS, (day + 1) * DAY_MS];
    case 'week': {
      // 1970-01-01 was a Thursday
      const monday = day - ((((day + 3) % 7) + 7) % 7);
      return [monday * DAY_MS, (monday + 7) * DAY_MS];
    }
    case 'month': {
      const [year, month] = civilFromDays(day);
      const next = month === 12 ? [year + 1, 1] : [year, month + 1];
      return [daysFromCivil(year, month, 1) * DAY_MS, daysFromCivil(next[0], next[1], 1) * DAY_MS];
    }
    case 'year': {
      const [year] = civilFromDays(day);
      return [daysFromCivil(year, 1, 1) * DAY_MS, daysFromCivil(year + 1, 1, 1) * DAY_MS];
    }
  }
}

/** the partition existing among `partitions` that holds `at`, if any */
export function partitionHolding(
  partitions: readonly PartitionRange[],
  at: number,
): PartitionRange | undefined {
  return partitions.find((p) => !p.detaching && p.lower <= at && at < p.upper);
}

/**
 * The range of a new partition for a reading at `at`, none holding it yet: the span of `at` (its
 * year when far from now), cut short where an existing partition begins or ends, so it never
 * overlaps one, whatever span those were made with (the span may have been changed since).
 */
export function newPartitionRange(
  table: string,
  partitions: readonly PartitionRange[],
  at: number,
  span: PartitionSpan,
  now: number,
): PartitionRange {
  let [lower, upper] = spanAt(at, Math.abs(at - now) > NEAR_MS ? 'year' : span);
  for (const p of partitions) {
    if (p.upper <= at) lower = Math.max(lower, p.upper);
    else if (p.lower > at) upper = Math.min(upper, p.lower);
  }
  return { name: partitionName(table, lower), lower, upper, detaching: false };
}

/** `vehicle_telemetry_p20261130`: the table and the first day of the partition */
export function partitionName(table: string, lower: number): string {
  const [year, month, day] = civilFromDays(Math.floor(lower / DAY_MS));
  return `${table}_p${pad(year, 4)}${pad(month, 2)}${pad(day, 2)}`;
}

/** the partitions of a table, from the catalog, in time order */
export async function listPartitions(sql: Sql, table: string): Promise<PartitionRange[]> {
  checked(table);
  // the bounds as PostgreSQL prints them, with their offset, read back as instants
  const rows = await sql(
    `SELECT c.relname AS name, i.inhdetachpending AS detaching, ` +
      `extract(epoch FROM (regexp_match(b.bound, 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz) * 1000 AS lower, ` +
      `extract(epoch FROM (regexp_match(b.bound, 'TO \\(''([^'']+)''\\)'))[1]::timestamptz) * 1000 AS upper, ` +
      `b.bound = 'DEFAULT' AS is_default ` +
      `FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ` +
      `CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS bound) b ` +
      `WHERE i.inhparent = $1::regclass`,
    [table],
  );
  return rows
    .filter((row) => row.is_default !== true)
    .map((row) => ({
      name: String(row.name),
      lower: row.lower === null ? -Infinity : Number(row.lower),
      upper: row.upper === null ? Infinity : Number(row.upper),
      detaching: row.detaching === true,
    }))
    .sort((a, b) => a.lower - b.lower);
}

/**
 * Makes a partition for each of `times` none holds yet; resolves to the partitions made. The
 * table is created on its own and then attached: ATTACH takes the parent's SHARE UPDATE EXCLUSIVE
 * lock, which readers and writers do not wait for, where `CREATE TABLE … PARTITION OF` takes an
 * ACCESS EXCLUSIVE lock that would stall every query of the table behind the longest running one.
 * The caller serialises callers (an advisory lock) and runs this in a transaction.
 */
export async function createPartitions(
  sql: Sql,
  table: string,
  times: Iterable<number>,
  span: PartitionSpan,
  now: number,
): Promise<PartitionRange[]> {
  const partitions = await listPartitions(sql, table);
  const made: PartitionRange[] = [];
  let taken: Set<string> | undefined;
  for (const at of times) {
    if (partitionHolding(partitions, at)) continue;
    const range = newPartitionRange(table, partitions, at, span, now);
    // a table of that name that is no partition (detached by a retention round whose DROP failed)
    // must not stop the span from getting one: the new partition takes the next free name
    taken ??= await tableNames(sql, table);
    for (let n = 2; taken.has(range.name); n++)
      range.name = `${partitionName(table, range.lower)}_${n}`;
    taken.add(range.name);
    const name = checked(range.name);
    await sql(
      `CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION) WITH (${PARTITION_STORAGE})`,
    );
    await sql(
      `ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${utcDay(range.lower)}') TO ('${utcDay(range.upper)}')`,
    );
    partitions.push(range);
    partitions.sort((a, b) => a.lower - b.lower);
    made.push(range);
  }
  return made;
}

/** the names of the tables that may collide with the table's partition names */
async function tableNames(sql: Sql, table: string): Promise<Set<string>> {
  const rows = await sql(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = $1::regclass) AND relname LIKE $2`,
    [table, `${table}\\_p%`],
  );
  return new Set(rows.map((row) => String(row.name)));
}

/** the advisory lock makers and droppers of a table's partitions take turns on */
export function partitionLockKeys(table: string): [number, number] {
  return advisoryLockKeys(`${table}:partitions`);
}

/**
 * createPartitions in a transaction of its own holding the table's partition lock, on a
 * connection `sql` has to itself: what the writer, the schedule and a test seeding rows call.
 */
export async function makePartitions(
  sql: Sql,
  table: string,
  times: Iterable<number>,
  span: PartitionSpan,
  now = Date.now(),
): Promise<PartitionRange[]> {
  const [namespace, key] = partitionLockKeys(table);
  await sql(
    `BEGIN; SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`,
  );
  try {
    await sql(`SELECT pg_advisory_xact_lock(${namespace}, ${key})`);
    const made = await createPartitions(sql, table, times, span, now);
    await sql('COMMIT');
    return made;
  } catch (error) {
    await sql('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** the times that need a partition now: each of the span holding now and the PARTITIONS_AHEAD after it */
export function aheadTimes(now: number, span: PartitionSpan): number[] {
  const times: number[] = [];
  let at = now;
  for (let i = 0; i <= PARTITIONS_AHEAD; i++) {
    times.push(at);
    at = spanAt(at, span)[1];
  }
  return times;
}

/** PostgreSQL's "no partition of relation … found for row": a reading no partition holds (yet) */
export function isMissingPartition(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '23514' && typeof message === 'string' && message.startsWith('no partition');
}

// bounds are whole UTC days; a year past 9999 (the end of the last yearly partition) has no ISO text
function utcDay(at: number): string {
  const [year, month, day] = civilFromDays(Math.floor(at / DAY_MS));
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)} 00:00:00+00`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function checked(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}
