import { rmSync } from 'node:fs';
import { CompressionTypes, Kafka, logLevel, Message, Partitioners } from 'kafkajs';
import { Client } from 'pg';
import { VEHICLE_SCHEMA } from '@app/contracts/record.rules';
import { TOPICS } from '@app/contracts/topics';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';
import { CpuMeter, LoadSnapshot } from './machine-load';
import { psql } from './psql';
import { fmt } from './stats';
import { vehicleRecord, VINS } from './records';

const PRODUCERS = 4;
const PRODUCE_BATCH = 10_000;
const POLL_MS = 250;

export interface PreloadResult {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  bytes: number;
}

/**
 * `records` vehicle readings onto telemetry.vehicle.v1, keyed by VIN with the Java client's murmur2
 * partitioner (as the gateway does): the newest `records / VINS` readings of every vehicle.
 * Several plain (non-idempotent) producers, 10,000-message batches, acks=all, no compression
 * (the gateway does not compress either, so the consumer fetches the same bytes).
 */
export async function preload(
  brokers: string[],
  records: number,
  firstReading: number,
  log: (line: string) => void,
  // record i of the preload; by default reading firstReading + ⌊i / VINS⌋ of vehicle i % VINS
  make: (i: number) => { vin: string; eventId: string; json: string } = (i) =>
    vehicleRecord(i % VINS, firstReading + Math.floor(i / VINS)),
): Promise<PreloadResult> {
  const kafka = new Kafka({
    clientId: 'bench-consume-preload',
    brokers,
    logLevel: logLevel.WARN,
    requestTimeout: 60_000,
  });
  const producers = Array.from({ length: PRODUCERS }, () =>
    kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    }),
  );
  await Promise.all(producers.map((p) => p.connect()));
  let next = 0;
  let done = 0;
  let bytes = 0;
  const started = performance.now();
  const progress = setInterval(
    () =>
      log(
        `preload: ${fmt(done)} / ${fmt(records)} records (${fmt(done / ((performance.now() - started) / 1000))}/s)`,
      ),
    5000,
  );
  try {
    await Promise.all(
      producers.map(async (producer) => {
        while (next < records) {
          const from = next;
          const to = Math.min(records, from + PRODUCE_BATCH);
          next = to;
          const messages = new Array<Message>(to - from);
          for (let i = from; i < to; i++) {
            const { vin, eventId, json } = make(i);
            bytes += json.length;
            messages[i - from] = {
              key: vin,
              value: json,
              headers: {
                schema: VEHICLE_SCHEMA,
                'event-id': eventId,
                'request-id': `bench-preload-${i}`,
              },
            };
          }
          await producer.send({
            topic: TOPICS.vehicle,
            messages,
            acks: -1,
            compression: CompressionTypes.None,
            timeout: 60_000,
          });
          done += to - from;
        }
      }),
    );
  } finally {
    clearInterval(progress);
    await Promise.all(producers.map((p) => p.disconnect().catch(() => undefined)));
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    records,
    seconds: round3(seconds),
    recordsPerSecond: Math.round(records / seconds),
    bytes,
  };
}

export interface ConsumeResult {
  rows: number;
  /** process spawned → listening (Nest boot) */
  bootSeconds: number;
  /** process spawned → first row visible */
  firstRowSeconds: number;
  /** process spawned → every row committed */
  seconds: number;
  rowsPerSecond: number;
  /** first row → last row */
  steadyRowsPerSecond: number;
  /**
   * share of pg_stat_activity samples (every 20 ms, first row → last row) in which a backend was
   * running the sink's COPY or INSERT: below 1, PostgreSQL waited for the consumer (fetch, decode, commit)
   */
  writerActive: number;
  load: LoadSnapshot;
  /**
   * CPU time per row stored, first row → last row (boot and group join left out), in µs: of each
   * process `cpu` measured (the consumer with its instances, PostgreSQL with its backends, Kafka)
   * and of the whole machine; rows are those stored in that window
   */
  cpuMicrosPerRow?: Record<string, number>;
}

/** CPU seconds used so far, by name: what `awaitRows` charges to the rows it waits for */
export type CpuSampler = () => Record<string, number>;

/**
 * Waits for `expected` rows in vehicle_telemetry, timed from `spawnedAt`. Progress is read from
 * max(seq) (a backward index probe) rather than count(*), which would scan a growing table four
 * times a second on a 2-core machine; the end is confirmed with count(*). Meanwhile a second
 * connection samples pg_stat_activity for the sink's COPY or INSERT, to tell a busy database from one
 * waiting for the consumer.
 */
export async function awaitRows(
  db: Client,
  sampler: Client,
  expected: number,
  spawnedAt: number,
  listeningAt: number,
  timeoutMs: number,
  log: (line: string) => void,
  cpu?: CpuSampler,
): Promise<ConsumeResult> {
  const meter = new CpuMeter();
  const writer = { samples: 0, active: 0 };
  let firstRowAt: number | undefined;
  let cpuAtFirstRow: { seconds: Record<string, number>; seq: number } | undefined;
  let sampling = true;
  const sampled = (async () => {
    while (sampling) {
      // the sink sends its COPY in one message with BEGIN, the writer lock and COMMIT: waiting for that lock, or for the
      // consumer to send rows, is not writing
      const { rows } = await sampler.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND coalesce(wait_event_type, '') NOT IN ('Lock', 'Client') AND (query LIKE 'INSERT INTO ${VEHICLE_TABLE.table} %' OR query LIKE '%COPY ${VEHICLE_TABLE.table} %')`,
      );
      if (firstRowAt !== undefined) {
        writer.samples++;
        if (rows[0].n > 0) writer.active++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  try {
    let lastLog = performance.now();
    for (;;) {
      const now = performance.now();
      const { rows } = await db.query<{ seq: string }>(
        'SELECT coalesce(max(seq), 0)::text AS seq FROM vehicle_telemetry',
      );
      const seq = Number(rows[0].seq);
      if (seq > 0 && firstRowAt === undefined) {
        firstRowAt = now;
        if (cpu) cpuAtFirstRow = { seconds: cpu(), seq };
      }
      if (seq >= expected) {
        const { rows: counted } = await db.query<{ n: string }>(
          'SELECT count(*)::text AS n FROM vehicle_telemetry',
        );
        if (Number(counted[0].n) >= expected) {
          const doneAt = performance.now();
          const cpuAtEnd = cpu?.();
          const seconds = (doneAt - spawnedAt) / 1000;
          return {
            rows: Number(counted[0].n),
            bootSeconds: round3((listeningAt - spawnedAt) / 1000),
            firstRowSeconds: round3((firstRowAt! - spawnedAt) / 1000),
            seconds: round3(seconds),
            rowsPerSecond: Math.round(expected / seconds),
            steadyRowsPerSecond: Math.round(expected / ((doneAt - firstRowAt!) / 1000)),
            writerActive:
              writer.samples > 0 ? Math.round((writer.active / writer.samples) * 100) / 100 : NaN,
            load: meter.read(),
            ...(cpuAtFirstRow &&
              cpuAtEnd && {
                cpuMicrosPerRow: perRow(
                  cpuAtFirstRow.seconds,
                  cpuAtEnd,
                  expected - cpuAtFirstRow.seq,
                ),
              }),
          };
        }
      }
      if (now - lastLog >= 5000) {
        lastLog = now;
        log(
          `consume: ~${fmt(seq)} / ${fmt(expected)} rows after ${((now - spawnedAt) / 1000).toFixed(1)} s`,
        );
      }
      if (now - spawnedAt > timeoutMs)
        throw new Error(
          `the consumer stored ~${seq} of ${expected} rows in ${timeoutMs / 1000} s; giving up`,
        );
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    sampling = false;
    await sampled.catch(() => undefined);
  }
}

export interface CopyResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  load: LoadSnapshot;
}

const SCRATCH = 'bench_copy_scratch';

/**
 * The limit: the very rows the consumer stored, exported to a file first (untimed), then loaded
 * with one COPY (psql's \copy) into an empty table with the same columns, identity, defaults,
 * constraints and indexes. A CHECKPOINT first so the COPY does not pay for the consumer's dirty pages.
 */
export async function copyLimit(
  db: Client,
  databaseUrl: string,
  file: string,
  log: (line: string) => void,
): Promise<CopyResult> {
  const columns = [
    ...VEHICLE_TABLE.columns.map((c) => c.column),
    'kafka_partition',
    'kafka_offset',
  ].join(', ');
  await db.query(`DROP TABLE IF EXISTS ${SCRATCH}`);
  await db.query(`CREATE TABLE ${SCRATCH} (LIKE ${VEHICLE_TABLE.table} INCLUDING ALL)`);
  try {
    log('copy: exporting the stored rows to a file (untimed)');
    await psql(
      databaseUrl,
      `\\copy (SELECT ${columns} FROM ${VEHICLE_TABLE.table} ORDER BY seq) TO '${file}'`,
    );
    await db.query('CHECKPOINT');
    log('copy: COPY into the scratch table (timed)');
    const meter = new CpuMeter();
    const started = performance.now();
    await psql(databaseUrl, `\\copy ${SCRATCH} (${columns}) FROM '${file}'`);
    const seconds = (performance.now() - started) / 1000;
    const load = meter.read();
    const { rows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${SCRATCH}`);
    const n = Number(rows[0].n);
    return { rows: n, seconds: round3(seconds), rowsPerSecond: Math.round(n / seconds), load };
  } finally {
    rmSync(file, { force: true });
    await db.query(`DROP TABLE IF EXISTS ${SCRATCH}`);
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function perRow(
  before: Record<string, number>,
  after: Record<string, number>,
  rows: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after).map((name) => [
      name,
      Math.round(((after[name] - before[name]) * 1e6) / rows),
    ]),
  );
}
