import { Client, CustomTypesConfig } from 'pg';
import { VEHICLE_SCHEMA, VehicleTelemetryV1 } from '@app/contracts';
import { writerLockKeys } from '@app/persistence/record-batch.writer';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';
import { RecordQuerySql } from '@app/query/record-query.sql';
import { HttpClient } from './http';
import { PageTimer } from './page-timer';
import { CpuMeter, LoadSnapshot } from './machine-load';
import { benchVin, INTERVAL_S, T0, topUpSql, VINS } from './records';
import { fmt, Summary, summarize } from './stats';

/** readings per vehicle per INSERT … SELECT: 50 × 10,000 = 500,000 rows per transaction */
const TOPUP_CHUNK = 50;
const PAGE = 1000;
const WARMUP = 20;
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as CustomTypesConfig;

export interface TopUpResult {
  inserted: number;
  seconds: number;
  vacuumSeconds: number;
  tableRows: number;
  maxSeq: number;
  tableBytes: number;
  indexBytes: number;
}

/**
 * Readings 0 … firstPreloaded-1 of every bench vehicle, made by PostgreSQL (the preload holds the
 * newest ones), each transaction holding the table's writer lock as RecordBatchWriter does; then
 * VACUUM ANALYZE so the planner and visibility map are as a long-running table's would be, and a
 * CHECKPOINT so the write-back of the top-up does not run during the timed queries.
 */
export async function topUp(
  db: Client,
  firstPreloaded: number,
  log: (line: string) => void,
): Promise<TopUpResult> {
  const [namespace, key] = writerLockKeys(VEHICLE_TABLE);
  const started = performance.now();
  let inserted = 0;
  for (let k = 0; k < firstPreloaded; k += TOPUP_CHUNK) {
    const end = Math.min(firstPreloaded, k + TOPUP_CHUNK);
    await db.query('BEGIN');
    try {
      await db.query('SELECT pg_advisory_xact_lock($1, $2)', [namespace, key]);
      const result = await db.query(topUpSql(VEHICLE_TABLE.table, k, end));
      await db.query('COMMIT');
      inserted += result.rowCount ?? 0;
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    log(
      `top-up: ${fmt(inserted)} / ${fmt(firstPreloaded * VINS)} rows (${fmt(inserted / seconds)} rows/s)`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  log('top-up: VACUUM ANALYZE');
  const vacuumStarted = performance.now();
  await db.query(`VACUUM (ANALYZE) ${VEHICLE_TABLE.table}`);
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
  // the top-up dirtied gigabytes: write them out now, or the queries share the disk with the checkpointer
  log('top-up: CHECKPOINT');
  await db.query('CHECKPOINT');
  const { rows } = await db.query<{ n: string; seq: string; heap: string; idx: string }>(
    `SELECT count(*)::text AS n, max(seq)::text AS seq, pg_table_size('${VEHICLE_TABLE.table}')::text AS heap, pg_indexes_size('${VEHICLE_TABLE.table}')::text AS idx FROM ${VEHICLE_TABLE.table}`,
  );
  return {
    inserted,
    seconds: Math.round(seconds * 10) / 10,
    vacuumSeconds: Math.round(vacuumSeconds * 10) / 10,
    tableRows: Number(rows[0].n),
    maxSeq: Number(rows[0].seq),
    tableBytes: Number(rows[0].heap),
    indexBytes: Number(rows[0].idx),
  };
}

export interface QueryLatency {
  samples: number;
  rangeApi: Summary;
  rangeSqlText: Summary;
  changesApi: Summary;
  changesSqlText: Summary;
  /** bytes of one 1,000-row API page, for scale */
  rangePageBytes: number;
  changesPageBytes: number;
  explainRange: string;
  explainChanges: string;
  load: LoadSnapshot;
}

/**
 * One request at a time, in two passes: the API pages (range and changes alternating), then the
 * reference SQL (range and changes). Each draws its own random VIN / seq so none reads pages
 * another just warmed. The reference is the repository's own statement (RecordQuerySql, with
 * limit+1 as the service asks) on a pg client with rows left as text: what the database and the
 * wire cost. It is a floor to read the API's figure against, not a subtrahend: the API is timed by
 * a lean byte-counting client and the SQL by pg's, so their difference is not the app's overhead.
 * Any page of the wrong size fails the bench: a fast wrong page is no figure.
 */
export async function queryLatency(
  db: Client,
  api: HttpClient,
  apiKey: string,
  readingsPerVin: number,
  maxSeq: number,
  samples: number,
  log: (line: string) => void,
): Promise<QueryLatency> {
  const sql = new RecordQuerySql<VehicleTelemetryV1>({
    table: VEHICLE_TABLE,
    schema: VEHICLE_SCHEMA,
    entityKey: 'vin',
    position: { latitude: 'latitude', longitude: 'longitude' },
  });
  const auth = { authorization: `Bearer ${apiKey}`, accept: 'application/json' };
  // the whole of one vehicle's readings: exactly PAGE rows when readingsPerVin = 1,000
  const from = new Date(T0).toISOString();
  const to = new Date(T0 + readingsPerVin * INTERVAL_S * 1000).toISOString();
  const randomVin = (): string => benchVin(Math.floor(Math.random() * VINS));
  const randomAfter = (): number => Math.floor(Math.random() * Math.max(1, maxSeq - PAGE));
  const rangePath = (vin: string): string =>
    `/v1/vehicles/${vin}/telemetry?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=${PAGE}`;
  const changesPath = (after: number): string =>
    `/v1/vehicles/telemetry/changes?after=${after}&limit=${PAGE}`;

  // the timed pages: status and length checked, bodies counted, not kept (see PageTimer); the probes
  // below read whole bodies through the ordinary client
  const timer = new PageTimer('127.0.0.1', api.port);
  const apiCall = async (path: string): Promise<{ ms: number; bytes: number }> => {
    const res = await timer.get(path, auth);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
    return { ms: res.ms, bytes: res.bytes };
  };
  // rows as text: no type parsing in this process, so the figure is the database and the wire
  const sqlCall = async (
    query: { text: string; values: unknown[] },
    rows: number,
  ): Promise<number> => {
    const started = performance.now();
    const result = await db.query({ text: query.text, values: query.values, types: RAW_TEXT });
    const ms = performance.now() - started;
    // limit+1 asks whether a next page exists: the full table always has one
    if (result.rowCount !== rows + 1 && result.rowCount !== rows)
      throw new Error(`reference SQL returned ${result.rowCount} rows, expected ${rows} (+1)`);
    return ms;
  };

  // sanity: a page is what it claims to be
  const probe = await api.get(rangePath(benchVin(0)), auth);
  const probeItems = (JSON.parse(probe.body.toString()) as { items: unknown[] }).items.length;
  const changesProbe = await api.get(changesPath(randomAfter()), auth);
  const changesItems = (JSON.parse(changesProbe.body.toString()) as { items: unknown[] }).items
    .length;
  const rangeRows = Math.min(PAGE, readingsPerVin);
  if (probeItems !== rangeRows || changesItems !== PAGE)
    throw new Error(
      `pages hold ${probeItems} (range) and ${changesItems} (changes) items, not ${rangeRows} and ${PAGE}`,
    );

  // two passes: the API pages alone, then the SQL reference series. Interleaved, the garbage this
  // process makes parsing 1,000-row SQL results is collected during the next API request, which
  // then times the client's GC as well as the app
  for (let i = 0; i < WARMUP; i++) {
    await apiCall(rangePath(randomVin()));
    await apiCall(changesPath(randomAfter()));
  }
  const meter = new CpuMeter();
  const series = {
    rangeApi: [] as number[],
    rangeSqlText: [] as number[],
    changesApi: [] as number[],
    changesSqlText: [] as number[],
  };
  // the timed pages are not parsed: one whose size falls well short of the probed full page is
  // missing rows, and fails the bench
  const timedPage = async (path: string, fullBytes: number): Promise<number> => {
    const { ms, bytes } = await apiCall(path);
    if (bytes < 0.9 * fullBytes)
      throw new Error(`GET ${path}: ${bytes} bytes, a full page is ~${fullBytes}`);
    return ms;
  };
  for (let i = 0; i < samples; i++) {
    series.rangeApi.push(await timedPage(rangePath(randomVin()), probe.body.length));
    series.changesApi.push(await timedPage(changesPath(randomAfter()), changesProbe.body.length));
    if ((i + 1) % 100 === 0) log(`API pages: ${i + 1} / ${samples} of each`);
  }
  for (let i = 0; i < WARMUP; i++) {
    await sqlCall(sql.range(randomVin(), { from, to }, PAGE + 1), rangeRows);
    await sqlCall(sql.changes(String(randomAfter()), PAGE + 1), PAGE);
  }
  for (let i = 0; i < samples; i++) {
    series.rangeSqlText.push(
      await sqlCall(sql.range(randomVin(), { from, to }, PAGE + 1), rangeRows),
    );
    series.changesSqlText.push(await sqlCall(sql.changes(String(randomAfter()), PAGE + 1), PAGE));
    if ((i + 1) % 100 === 0) log(`SQL series: ${i + 1} / ${samples} of each`);
  }
  const load = meter.read();
  timer.close();

  const explain = async (query: { text: string; values: unknown[] }): Promise<string> => {
    const { rows } = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${query.text}`,
      query.values,
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };
  return {
    samples,
    rangeApi: summarize(series.rangeApi),
    rangeSqlText: summarize(series.rangeSqlText),
    changesApi: summarize(series.changesApi),
    changesSqlText: summarize(series.changesSqlText),
    rangePageBytes: probe.body.length,
    changesPageBytes: changesProbe.body.length,
    explainRange: await explain(sql.range(randomVin(), { from, to }, PAGE + 1)),
    explainChanges: await explain(sql.changes(String(randomAfter()), PAGE + 1)),
    load,
  };
}
