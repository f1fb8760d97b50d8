import { Client, CustomTypesConfig } from 'pg';
import { VEHICLE_SCHEMA, VehicleTelemetryV1 } from '@app/contracts';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';
import { RecordQuerySql, SqlQuery } from '@app/query/record-query.sql';
import { CpuMeter, LoadSnapshot } from '../consume/machine-load';
import { PageTimer } from '../consume/page-timer';
import { benchVin } from '../consume/records';
import { Summary, summarize } from '../consume/stats';
import { Fleet } from './fleet';

const PAGE = 1000;
const WARMUP = 20;
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as CustomTypesConfig;

export interface PageLatency {
  samples: number;
  rangeApi: Summary;
  rangeSql: Summary;
  changesApi: Summary;
  changesSql: Summary;
  /** partitions of the table, and how many the plan of one range page and one changes page reads */
  partitions: number;
  rangePlanPartitions: number;
  changesPlanPartitions: number;
  explainRange: string;
  explainChanges: string;
  load: LoadSnapshot;
}

/**
 * 1,000-row pages at full size, one request at a time, as bench:consume times them (PageTimer:
 * a keep-alive client counting body bytes), API first, then the repository's SQL on a pg client
 * with rows as text (the database + wire floor). A range page is one random vehicle's readings
 * from a random reading on, up to the time 1,000 readings later: it covers one to a few day
 * partitions (1,000 readings a day by default: one day, so mostly two partitions). A changes page
 * starts after a random seq. Every page must be full: a fast short page is no figure.
 */
export async function pageLatency(args: {
  db: Client;
  port: number;
  apiKey: string;
  fleet: Fleet;
  maxSeq: number;
  samples: number;
  log: (line: string) => void;
}): Promise<PageLatency> {
  const { db, fleet, samples, log } = args;
  const sql = new RecordQuerySql<VehicleTelemetryV1>({
    table: VEHICLE_TABLE,
    schema: VEHICLE_SCHEMA,
    entityKey: 'vin',
    position: { latitude: 'latitude', longitude: 'longitude' },
  });
  // the days the top-up filled whole: every window holds a full page
  const readings = fleet.fullDaysReadings;
  if (readings < PAGE) throw new Error(`a vehicle has ${readings} readings, fewer than a page`);
  const auth = { authorization: `Bearer ${args.apiKey}`, accept: 'application/json' };
  const randomWindow = (): { vin: string; from: string; to: string } => {
    const k = Math.floor(Math.random() * (readings - PAGE + 1));
    return {
      vin: benchVin(Math.floor(Math.random() * fleet.vins)),
      from: new Date(fleet.time(k)).toISOString(),
      to: new Date(fleet.time(k + PAGE)).toISOString(),
    };
  };
  const randomAfter = (): number => Math.floor(Math.random() * (args.maxSeq - PAGE));
  const rangePath = (w: { vin: string; from: string; to: string }): string =>
    `/v1/vehicles/${w.vin}/telemetry?from=${encodeURIComponent(w.from)}&to=${encodeURIComponent(w.to)}&limit=${PAGE}`;
  const changesPath = (after: number): string =>
    `/v1/vehicles/telemetry/changes?after=${after}&limit=${PAGE}`;

  const timer = new PageTimer('127.0.0.1', args.port);
  try {
    // a full page's size, and that it holds PAGE items
    const full = async (path: string): Promise<number> => {
      const res = await timer.get(path, auth);
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
      return res.bytes;
    };
    const probe = await probeItems(args.port, rangePath(randomWindow()), auth);
    const changesProbe = await probeItems(args.port, changesPath(randomAfter()), auth);
    if (probe.items !== PAGE || changesProbe.items !== PAGE)
      throw new Error(
        `pages hold ${probe.items} (range) and ${changesProbe.items} (changes) items, not ${PAGE}`,
      );
    const timed = async (path: string, fullBytes: number): Promise<number> => {
      const res = await timer.get(path, auth);
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
      if (res.bytes < 0.9 * fullBytes)
        throw new Error(`GET ${path}: ${res.bytes} bytes, a full page is ~${fullBytes}`);
      return res.ms;
    };
    const sqlCall = async (query: SqlQuery): Promise<number> => {
      const started = performance.now();
      const result = await db.query({ text: query.text, values: query.values, types: RAW_TEXT });
      const ms = performance.now() - started;
      if (result.rowCount !== PAGE + 1 && result.rowCount !== PAGE)
        throw new Error(`reference SQL returned ${result.rowCount} rows, expected ${PAGE} (+1)`);
      return ms;
    };
    const rangeSql = (): SqlQuery => {
      const w = randomWindow();
      return sql.range(w.vin, { from: w.from, to: w.to }, PAGE + 1);
    };

    for (let i = 0; i < WARMUP; i++) {
      await full(rangePath(randomWindow()));
      await full(changesPath(randomAfter()));
    }
    const meter = new CpuMeter();
    const series = {
      rangeApi: [] as number[],
      rangeSql: [] as number[],
      changesApi: [] as number[],
      changesSql: [] as number[],
    };
    for (let i = 0; i < samples; i++) {
      series.rangeApi.push(await timed(rangePath(randomWindow()), probe.bytes));
      series.changesApi.push(await timed(changesPath(randomAfter()), changesProbe.bytes));
      if ((i + 1) % 100 === 0) log(`API pages: ${i + 1} / ${samples} of each`);
    }
    for (let i = 0; i < WARMUP; i++) {
      await sqlCall(rangeSql());
      await sqlCall(sql.changes(String(randomAfter()), PAGE + 1));
    }
    for (let i = 0; i < samples; i++) {
      series.rangeSql.push(await sqlCall(rangeSql()));
      series.changesSql.push(await sqlCall(sql.changes(String(randomAfter()), PAGE + 1)));
    }
    const load = meter.read();

    const explain = async (query: SqlQuery): Promise<string> => {
      const { rows } = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${query.text}`,
        query.values,
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    const explainRange = await explain(rangeSql());
    const explainChanges = await explain(sql.changes(String(randomAfter()), PAGE + 1));
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = '${VEHICLE_TABLE.table}'::regclass`,
    );
    return {
      samples,
      rangeApi: summarize(series.rangeApi),
      rangeSql: summarize(series.rangeSql),
      changesApi: summarize(series.changesApi),
      changesSql: summarize(series.changesSql),
      partitions: rows[0].n,
      rangePlanPartitions: partitionsIn(explainRange),
      changesPlanPartitions: partitionsIn(explainChanges),
      explainRange,
      explainChanges,
      load,
    };
  } finally {
    timer.close();
  }
}

/** distinct partitions a plan's scans name (`… on vehicle_telemetry_p20261130 …`) */
export function partitionsIn(plan: string): number {
  return new Set(plan.match(new RegExp(`${VEHICLE_TABLE.table}_p\\d{8}`, 'g')) ?? []).size;
}

async function probeItems(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ items: number; bytes: number }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 200)}`);
  return { items: (JSON.parse(body) as { items: unknown[] }).items.length, bytes: body.length };
}
