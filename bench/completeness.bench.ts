import 'reflect-metadata';
import { join } from 'node:path';
import { Client } from 'pg';
import { PostgresServer } from '@app/local-stack';
import { makePartitions, partitionName, runMigrations, spanAt } from '@app/persistence';

/**
 * What the completeness ledger's BRIN index on received_at costs and buys, on a PostgreSQL of its
 * own: the ingest rate of the last day's rows into vehicle_telemetry without and with the index
 * (the same rows, INSERT … SELECT in chunks of the sink's size, after the earlier days), and the
 * `stored` count of GET /v1/completeness for a day window in hourly buckets (the statement
 * LedgerRepository.report sends), with the index and without it.
 *   BENCH_DAYS (3), BENCH_ROWS_PER_DAY (500,000), BENCH_PG_PORT (19801)
 */
const DAYS = Number(process.env.BENCH_DAYS ?? 3);
const ROWS_PER_DAY = Number(process.env.BENCH_ROWS_PER_DAY ?? 500_000);
const PORT = Number(process.env.BENCH_PG_PORT ?? 19801);
const CHUNK = 5000;
const SOURCES = 5;
const DAY_MS = 86_400_000;
const RUNS = 7;

const STORED = (bySource: boolean) =>
  `SELECT source, (extract(epoch FROM date_bin(make_interval(secs => 3600), received_at, TIMESTAMPTZ 'epoch')) * 1000)::int8 AS bucket, count(*)::int8 ` +
  `FROM vehicle_telemetry WHERE received_at >= $1::timestamptz AND received_at < $2::timestamptz${bySource ? ` AND source = 'src0'` : ''} GROUP BY 1, 2`;

async function main(): Promise<void> {
  const server = new PostgresServer({
    dataDir: join(process.cwd(), '.data', `bench-completeness-${PORT}`),
    port: PORT,
    user: 'postgres',
    password: 'postgres',
    database: 'bench_completeness',
    sharedBuffers: '512MB',
    log: () => undefined,
  });
  await server.start();
  const db = new Client({ connectionString: server.url });
  try {
    await db.connect();
    await db.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    await runMigrations(server.url);
    const start = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAYS * DAY_MS;
    const sql = async (text: string, values?: unknown[]) =>
      (await db.query<Record<string, unknown>>(text, values)).rows;
    await makePartitions(
      sql,
      'vehicle_telemetry',
      Array.from({ length: DAYS + 1 }, (_, d) => start + d * DAY_MS - 60_000),
      'week',
    );
    const ingest: Record<string, number> = {};
    for (const brin of [false, true]) {
      await db.query('TRUNCATE vehicle_telemetry');
      await db.query(
        brin
          ? 'CREATE INDEX IF NOT EXISTS vehicle_telemetry_received_brin ON vehicle_telemetry USING brin (received_at)'
          : 'DROP INDEX IF EXISTS vehicle_telemetry_received_brin',
      );
      for (let day = 0; day < DAYS; day++) {
        const began = process.hrtime.bigint();
        await loadDay(db, start, day);
        const ms = Number(process.hrtime.bigint() - began) / 1e6;
        if (day === DAYS - 1)
          ingest[brin ? 'withBrin' : 'withoutBrin'] = Math.round(ROWS_PER_DAY / (ms / 1000));
        process.stdout.write(
          `${brin ? 'brin' : 'none'} day ${day + 1}/${DAYS}: ${Math.round(ms)} ms\n`,
        );
      }
    }
    await db.query('VACUUM ANALYZE vehicle_telemetry');
    const from = new Date(start + (DAYS - 2) * DAY_MS).toISOString();
    // partitions are weeks from Monday: the name of the one holding the window
    const window = partitionName('vehicle_telemetry', spanAt(Date.parse(from), 'week')[0]);
    const to = new Date(start + (DAYS - 1) * DAY_MS).toISOString();
    const query: Record<string, Record<string, number | string>> = {};
    for (const brin of [true, false]) {
      if (!brin) await db.query('DROP INDEX vehicle_telemetry_received_brin');
      for (const bySource of [true, false]) {
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const began = process.hrtime.bigint();
          await db.query(STORED(bySource), [from, to]);
          times.push(Number(process.hrtime.bigint() - began) / 1e6);
        }
        // the partition holding the window: how it was read
        const plan = (
          await db.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${STORED(bySource)}`,
            [from, to],
          )
        ).rows
          .map((r) => r['QUERY PLAN'].trim())
          .filter((line, i, lines) =>
            lines.slice(Math.max(0, i - 4), i + 1).some((l) => l.includes(window)),
          )
          .join(' | ');
        times.sort((a, b) => a - b);
        query[`${brin ? 'brin' : 'noIndex'}.${bySource ? 'oneSource' : 'allSources'}`] = {
          medianMs: Math.round(times[RUNS >> 1] * 10) / 10,
          minMs: Math.round(times[0] * 10) / 10,
          plan,
        };
      }
      if (brin) {
        const [size] = (
          await db.query<{ table: string; brin: string }>(
            `SELECT pg_size_pretty(sum(pg_relation_size(i.inhrelid))) AS table, ` +
              `pg_size_pretty(sum((SELECT sum(pg_relation_size(x.indexrelid)) FROM pg_index x JOIN pg_class ic ON ic.oid = x.indexrelid ` +
              `JOIN pg_am am ON am.oid = ic.relam WHERE x.indrelid = i.inhrelid AND am.amname = 'brin'))) AS brin ` +
              `FROM pg_inherits i WHERE i.inhparent = 'vehicle_telemetry'::regclass`,
          )
        ).rows;
        query.sizes = { ...size };
      }
    }
    const rows = DAYS * ROWS_PER_DAY;
    process.stdout.write(
      `${JSON.stringify({ rows, rowsPerDay: ROWS_PER_DAY, window: { from, to }, ingestRowsPerSecond: ingest, query }, null, 2)}\n`,
    );
  } finally {
    await db.end().catch(() => undefined);
    await server.stop();
  }
}

/** a day of rows in receipt order, SOURCES sources, in the sink's chunk size */
async function loadDay(db: Client, start: number, day: number): Promise<void> {
  const dayStart = new Date(start + day * DAY_MS).toISOString();
  const step = DAY_MS / ROWS_PER_DAY;
  for (let first = 0; first < ROWS_PER_DAY; first += CHUNK) {
    await db.query(
      `INSERT INTO vehicle_telemetry (event_id, source, vin, recorded_at, received_at, latitude, longitude, speed_kph, kafka_partition, kafka_offset) ` +
        `SELECT gen_random_uuid(), 'src' || (i % ${SOURCES}), 'BENCH' || lpad((i % 5000)::text, 12, '0'), t - interval '30 seconds', t, -23.5, -46.6, i % 120, 0, i ` +
        `FROM generate_series($2::int, $3::int) i, LATERAL (SELECT $1::timestamptz + i * make_interval(secs => $4::float8 / 1000) AS t) x`,
      [dayStart, first, Math.min(first + CHUNK, ROWS_PER_DAY) - 1, step],
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
