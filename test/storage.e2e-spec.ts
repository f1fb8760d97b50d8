import { randomInt, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { VehicleTelemetryV1 } from '@app/contracts';
import { aVehicleRecord } from '@app/contracts/testing';
import {
  createDataSource,
  listPartitions,
  MIGRATIONS,
  RecordBatchWriter,
  RecordPartitionManager,
  RecordRow,
  runMigrations,
  VEHICLE_TABLE,
} from '@app/persistence';
import { PartitionedRecords1765000000000 } from '@app/persistence/migrations/1765000000000-partitioned-records';
import { RecordQuerySql } from '@app/query';
import { VEHICLE_QUERY } from '../apps/vehicle-consumer/src/query/vehicle-query.definition';
import { vehicleDataWindow } from '../apps/vehicle-consumer/src/vehicle-data/vehicle-data.window';
import { RunningApp, TEST_QUERY_KEY, testStack } from './support/running-app';

// each part runs in a database of its own on the test PostgreSQL: retention must not drop what
// other suites stored, and the upgrade starts from the schema before partitioning

const DAY = 86_400_000;
const NOW = Date.now();
const VIN_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const aVin = (): string =>
  `PRT${Array.from({ length: 14 }, () => VIN_ALPHABET[randomInt(VIN_ALPHABET.length)]).join('')}`;
const iso = (at: number): string => new Date(at).toISOString();
let nextOffset = 1;

function rowsOf(records: VehicleTelemetryV1[]): RecordRow<VehicleTelemetryV1>[] {
  return records.map((record) => ({ record, partition: 0, offset: String(nextOffset++) }));
}

const reading = (vin: string, at: number, extra: Partial<VehicleTelemetryV1> = {}) =>
  aVehicleRecord({
    eventId: randomUUID(),
    vin,
    recordedAt: iso(at),
    receivedAt: iso(NOW),
    ...extra,
  });

/** a fresh database on the test server; its URL */
async function aDatabase(admin: Client, name: string): Promise<string> {
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(testStack().databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function connected(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

/** the relations a plan reads (partitions by name) */
async function relationsRead(db: Client, query: { text: string; values: unknown[] }) {
  const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `EXPLAIN (FORMAT JSON) ${query.text}`,
    query.values,
  );
  const names = new Set<string>();
  const walk = (node: PlanNode): void => {
    if (node['Relation Name']) names.add(node['Relation Name']);
    node.Plans?.forEach(walk);
  };
  walk(rows[0]['QUERY PLAN'][0].Plan);
  return [...names].sort();
}
interface PlanNode {
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

describe('storage: time partitions, retention, pruning and the upgrade in place (real PostgreSQL)', () => {
  let admin: Client;
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);

  beforeAll(async () => {
    admin = await connected(testStack().databaseUrl);
  });

  afterAll(async () => {
    await admin?.end();
  });

  describe('upgrade in place', () => {
    let url: string;
    let db: Client;

    beforeAll(async () => {
      url = await aDatabase(admin, `storage_upgrade_${suffix}`);
      db = await connected(url);
    });

    afterAll(async () => {
      await db?.end();
    });

    it('turns a filled unpartitioned database into the partitioned layout, every row kept once, as it was', async () => {
      // the layout before partitioning, then that one migration (later ones are not this test's)
      const upgrade = MIGRATIONS.findIndex((m) => m === PartitionedRecords1765000000000);
      const before = MIGRATIONS.slice(0, upgrade);
      expect(await runMigrations(url, before)).toEqual(before.map((m) => new m().name));
      // the previous schema, filled as the sink filled it: many times (years late, ahead, the
      // contract's extremes), rows too wide for the covering index, a gap in seq (a rolled back insert)
      await db.query(
        `INSERT INTO vehicle_telemetry (event_id, source, vin, recorded_at, received_at, latitude, speed_kph, event, flags, attributes, kafka_partition, kafka_offset)
         SELECT gen_random_uuid(), 'mobway', 'UPG' || lpad((i % 7)::text, 14, '0'),
                now() - (i * interval '37 minutes'), now(), -23.5, i % 120,
                CASE WHEN i % 97 = 0 THEN repeat(md5(i::text), 100) END,
                jsonb_build_object('ignition', i % 2 = 0), jsonb_build_object('n', i), i % 3, i
         FROM generate_series(1, 4000) i`,
      );
      await db.query(
        `INSERT INTO vehicle_telemetry (event_id, source, vin, recorded_at, received_at, kafka_partition, kafka_offset)
         VALUES (gen_random_uuid(), 'mobway', 'UPG00000000000009', '1970-01-01T00:00:00Z', now(), 0, 1),
                (gen_random_uuid(), 'mobway', 'UPG00000000000009', '9999-12-31T23:59:59.999Z', now(), 0, 2),
                (gen_random_uuid(), 'mobway', 'UPG00000000000009', '2019-06-01T12:00:00Z', now(), 0, 3),
                (gen_random_uuid(), 'mobway', 'UPG00000000000009', now() + interval '2 days', now(), 0, 4)`,
      );
      await db.query('BEGIN');
      await db.query(
        `INSERT INTO vehicle_telemetry (event_id, source, vin, recorded_at, received_at, kafka_partition, kafka_offset)
         VALUES (gen_random_uuid(), 'mobway', 'UPG00000000000009', now(), now(), 0, 5)`,
      );
      await db.query('ROLLBACK');
      await db.query(
        `INSERT INTO device_location (event_id, source, device_id, recorded_at, received_at, latitude, longitude, attributes, kafka_partition, kafka_offset)
         SELECT gen_random_uuid(), 'weguard', 'upg-' || (i % 5), now() - (i * interval '5 hours'), now(), 40.7, -74.0,
                CASE WHEN i % 50 = 0 THEN jsonb_build_object('blob', repeat(md5(i::text), 100)) ELSE '{}'::jsonb END, 0, i
         FROM generate_series(1, 1500) i`,
      );
      const snapshot = async (table: string) =>
        (
          await db.query<{ row: string }>(
            `SELECT row_to_json(t)::text AS row FROM ${table} t ORDER BY seq`,
          )
        ).rows.map((r) => r.row);
      const vehiclesBefore = await snapshot('vehicle_telemetry');
      const devicesBefore = await snapshot('device_location');
      const lastSeqBefore = (
        await db.query<{ last: string }>(
          `SELECT last_value::text AS last FROM vehicle_telemetry_seq_seq`,
        )
      ).rows[0].last;

      expect(await runMigrations(url, MIGRATIONS.slice(0, upgrade + 1))).toEqual([
        'PartitionedRecords1765000000000',
      ]);

      expect(await snapshot('vehicle_telemetry')).toEqual(vehiclesBefore);
      expect(await snapshot('device_location')).toEqual(devicesBefore);
      expect(vehiclesBefore).toHaveLength(4004);
      expect(devicesBefore).toHaveLength(1500);
      const { rows: kinds } = await db.query<{ relname: string; relkind: string }>(
        `SELECT relname, relkind FROM pg_class WHERE relname IN ('vehicle_telemetry', 'device_location') ORDER BY relname`,
      );
      expect(kinds).toEqual([
        { relname: 'device_location', relkind: 'p' },
        { relname: 'vehicle_telemetry', relkind: 'p' },
      ]);
      // every row sits in a partition made for its time; no DEFAULT partition catches any
      const partitions = await listPartitions(
        async (text, values) => (await db.query<Record<string, unknown>>(text, values)).rows,
        'vehicle_telemetry',
      );
      expect(partitions.length).toBeGreaterThan(10);
      const { rows: defaults } = await db.query(
        `SELECT 1 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'`,
      );
      expect(defaults).toEqual([]);

      // the sink goes on where it was: seq past the last one handed out, redeliveries still skipped
      const dataSource = await createDataSource(url, 2).initialize();
      try {
        const writer = new RecordBatchWriter(dataSource);
        const [old] = (
          await db.query<{ event_id: string; vin: string; recorded_at: Date }>(
            `SELECT event_id, vin, recorded_at FROM vehicle_telemetry WHERE recorded_at = '2019-06-01T12:00:00Z'`,
          )
        ).rows;
        const again = reading(old.vin, old.recorded_at.getTime(), { eventId: old.event_id });
        const fresh = reading(old.vin, NOW);
        expect(await writer.write(VEHICLE_TABLE, rowsOf([again, fresh]))).toBe(1);
        const { rows } = await db.query<{ seq: string }>(
          `SELECT seq::text FROM vehicle_telemetry WHERE event_id = $1`,
          [fresh.eventId],
        );
        // (the INSERT path draws a seq for the skipped row too: seq has gaps, never repeats)
        expect(BigInt(rows[0].seq)).toBeGreaterThan(BigInt(lastSeqBefore));
        const { rows: copies } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM vehicle_telemetry WHERE event_id = $1`,
          [old.event_id],
        );
        expect(copies[0].n).toBe(1);
      } finally {
        await dataSource.destroy();
      }
    });
  });

  describe('partitions on demand, retention, pruning and the changes feed', () => {
    let url: string;
    let db: Client;
    let dataSource: DataSource;
    let writer: RecordBatchWriter;
    let manager: RecordPartitionManager;
    const sql = new RecordQuerySql(VEHICLE_QUERY);
    const partitionsOf = () =>
      listPartitions(
        async (text, values) => (await db.query<Record<string, unknown>>(text, values)).rows,
        'vehicle_telemetry',
      );
    const stored = async (ids: string[]) =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[])`,
          [ids],
        )
      ).rows[0].n;

    beforeAll(async () => {
      url = await aDatabase(admin, `storage_partitions_${suffix}`);
      await runMigrations(url);
      db = await connected(url);
      dataSource = await createDataSource(url, 4).initialize();
      manager = new RecordPartitionManager(dataSource, 'week');
      writer = new RecordBatchWriter(dataSource, manager);
    });

    afterAll(async () => {
      await dataSource?.destroy();
      await db?.end();
    });

    it('stores a reading of any valid time, making its partition: years late, slightly ahead, the contract extremes', async () => {
      const vin = aVin();
      const records = [
        reading(vin, NOW),
        reading(vin, NOW + 2 * DAY),
        reading(vin, NOW + 40 * DAY),
        reading(vin, Date.parse('2019-06-01T12:00:00.000Z')),
        reading(vin, Date.parse('1970-01-01T00:00:00.000Z')),
        reading(vin, Date.parse('9999-12-31T23:59:59.999Z')),
      ];

      // one at a time and all at once: the COPY path and a batch spanning many partitions
      expect(await writer.write(VEHICLE_TABLE, rowsOf(records.slice(0, 1)))).toBe(1);
      expect(await writer.write(VEHICLE_TABLE, rowsOf(records))).toBe(5);

      expect(await stored(records.map((r) => r.eventId))).toBe(6);
      const names = (await partitionsOf()).map((p) => p.name);
      // far from now: one partition for the year
      expect(names).toEqual(
        expect.arrayContaining([
          'vehicle_telemetry_p19700101',
          'vehicle_telemetry_p20190101',
          'vehicle_telemetry_p99990101',
        ]),
      );
    });

    it('lets writers in several processes make the same missing partition at once: every row stored', async () => {
      const others = await Promise.all([1, 2, 3].map(() => createDataSource(url, 2).initialize()));
      try {
        const at = Date.parse('2011-03-04T05:06:07.000Z');
        const batches = others.map(() => [reading(aVin(), at), reading(aVin(), at + 1000)]);
        const written = await Promise.all(
          others.map((other, i) =>
            new RecordBatchWriter(other, new RecordPartitionManager(other, 'week')).write(
              VEHICLE_TABLE,
              rowsOf(batches[i]),
            ),
          ),
        );
        expect(written).toEqual([2, 2, 2]);
        expect(await stored(batches.flat().map((r) => r.eventId))).toBe(6);
      } finally {
        await Promise.all(others.map((other) => other.destroy()));
      }
    });

    it('reads only the partitions a query window covers (EXPLAIN)', async () => {
      const vin = aVin();
      const weeks = Array.from({ length: 8 }, (_, i) => NOW - (i + 1) * 7 * DAY);
      await writer.write(VEHICLE_TABLE, rowsOf(weeks.map((at) => reading(vin, at))));
      const all = await partitionsOf();
      const holding = (from: number, to: number) =>
        all
          .filter((p) => p.upper > from && p.lower < to)
          .map((p) => p.name)
          .sort();
      const from = NOW - 20 * DAY;
      const to = NOW - 12 * DAY;
      const expected = holding(from, to);
      expect(expected.length).toBeGreaterThanOrEqual(2);
      expect(expected.length).toBeLessThan(all.length - 5);

      // a range page, and the next one after a cursor
      expect(
        await relationsRead(db, sql.range(vin, { from: iso(from), to: iso(to) }, 1000)),
      ).toEqual(expected);
      const cursor = { recordedAt: iso(from), eventId: randomUUID() };
      expect(await relationsRead(db, sql.range(vin, { to: iso(to), after: cursor }, 1000))).toEqual(
        expected,
      );
      // gaps
      expect(await relationsRead(db, sql.gaps(vin, iso(from), iso(to), 60, 100))).toEqual(expected);
      // /vehicle-data: its window becomes the same range pages
      const window = vehicleDataWindow(from, to - 1000, NOW, 31);
      if (!('window' in window)) throw new Error(window.problem);
      expect(
        await relationsRead(
          db,
          sql.range(vin, { from: iso(window.window.from!), to: iso(window.window.to!) }, 1000),
        ),
      ).toEqual(expected);
      // latest: the recent partitions first (RecordQueryRepository.latest), not every one
      const recent = NOW - 7 * DAY;
      expect(await relationsRead(db, sql.latest(vin, iso(recent)))).toEqual(
        holding(recent, Infinity),
      );
      // without a bound every partition is read: the bound is what prunes
      expect(await relationsRead(db, sql.range(vin, {}, 1000))).toHaveLength(all.length);
    });

    it('drops whole partitions older than the retention window, by detaching, and nothing inside the window; counted', async () => {
      const vin = aVin();
      const retentionDays = 30;
      const cutoff = NOW - retentionDays * DAY;
      const old = [reading(vin, cutoff - 60 * DAY), reading(vin, cutoff - 400 * DAY)];
      // in the partition the cutoff falls in: older than the window, but its partition is not
      const straddling = reading(vin, cutoff - 1000);
      const inside = [reading(vin, cutoff + 1000), reading(vin, NOW - DAY), reading(vin, NOW)];
      await writer.write(VEHICLE_TABLE, rowsOf([...old, straddling, ...inside]));
      const before = await partitionsOf();
      const insideBefore = (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM vehicle_telemetry WHERE recorded_at >= $1`,
          [iso(cutoff)],
        )
      ).rows[0].n;

      // with ingest running all along
      let ingesting = true;
      const ingested: string[] = [];
      const ingest = (async () => {
        while (ingesting) {
          const batch = [reading(aVin(), Date.now()), reading(aVin(), Date.now() - DAY)];
          await writer.write(VEHICLE_TABLE, rowsOf(batch));
          ingested.push(...batch.map((r) => r.eventId));
        }
      })();
      const outcome = await manager.dropExpired('vehicle_telemetry', retentionDays, NOW);
      ingesting = false;
      await ingest;

      const expired = before.filter((p) => p.upper <= cutoff).map((p) => p.name);
      expect(expired.length).toBeGreaterThanOrEqual(3);
      expect(outcome.dropped.map((p) => p.name).sort()).toEqual(expired.sort());
      expect(outcome.dropped.reduce((n, p) => n + p.bytes, 0)).toBeGreaterThan(0);
      const after = (await partitionsOf()).map((p) => p.name);
      expect(after).toEqual(
        expect.arrayContaining(before.filter((p) => !expired.includes(p.name)).map((p) => p.name)),
      );
      expect(after.filter((name) => expired.includes(name))).toEqual([]);
      const { rows: tables } = await db.query(
        `SELECT relname FROM pg_class WHERE relname = ANY($1)`,
        [expired],
      );
      expect(tables).toEqual([]);
      expect(await stored(old.map((r) => r.eventId))).toBe(0);
      expect(await stored([straddling.eventId, ...inside.map((r) => r.eventId)])).toBe(4);
      const insideAfter = (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM vehicle_telemetry WHERE recorded_at >= $1 AND NOT (event_id = ANY($2::uuid[]))`,
          [iso(cutoff), ingested],
        )
      ).rows[0].n;
      expect(insideAfter).toBe(insideBefore);
      expect(ingested.length).toBeGreaterThan(0);
      expect(await stored(ingested)).toBe(ingested.length);

      // 0 keeps everything; a second round finds nothing more
      expect((await manager.dropExpired('vehicle_telemetry', 0, NOW)).dropped).toEqual([]);
      expect((await manager.dropExpired('vehicle_telemetry', retentionDays, NOW)).dropped).toEqual(
        [],
      );
      // a late reading for a dropped span is stored all the same (in a partition made again)
      const late = reading(vin, cutoff - 60 * DAY);
      expect(await writer.write(VEHICLE_TABLE, rowsOf([late]))).toBe(1);
    });

    it('keeps the changes feed whole across partitions, late data landing in old partitions included (through the API)', async () => {
      const app = await RunningApp.start('vehicle-consumer', {
        DATABASE_URL: url,
        VEHICLE_RETENTION_DAYS: '0',
      });
      try {
        const get = async <T>(path: string): Promise<T> => {
          const res = await fetch(`${app.url}${path}`, {
            headers: { authorization: `Bearer ${TEST_QUERY_KEY}` },
          });
          expect(res.status).toBe(200);
          return (await res.json()) as T;
        };
        const { rows } = await db.query<{ seq: string }>(
          `SELECT coalesce(max(seq), 0)::text AS seq FROM vehicle_telemetry`,
        );
        const start = rows[0].seq;
        const vin = aVin();
        const batches = [
          [reading(vin, NOW), reading(vin, NOW + 1000)],
          // years late: a partition of its own, far below the newest
          [reading(vin, Date.parse('2016-02-29T10:00:00.000Z'))],
          [reading(vin, NOW - 3 * DAY), reading(vin, NOW + 2000)],
          [reading(vin, Date.parse('2016-03-01T10:00:00.000Z')), reading(vin, NOW + 3000)],
        ];
        for (const batch of batches) await writer.write(VEHICLE_TABLE, rowsOf(batch));

        interface ChangesPage {
          items: Array<{ seq: string; eventId: string; vin: string }>;
          nextCursor: string;
          hasMore: boolean;
        }
        const seen: ChangesPage['items'] = [];
        let cursor = start;
        for (;;) {
          const page = await get<ChangesPage>(
            `/v1/vehicles/telemetry/changes?after=${cursor}&limit=2`,
          );
          seen.push(...page.items);
          cursor = page.nextCursor;
          if (!page.hasMore) break;
        }
        const ours = seen.filter((item) => item.vin === vin);
        // in ingestion order, each once, the late ones where they were ingested
        expect(ours.map((item) => item.eventId)).toEqual(batches.flat().map((r) => r.eventId));
        const seqs = seen.map((item) => BigInt(item.seq));
        expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1])).toBe(true);

        const latest = await get<{ eventId: string }>(`/v1/vehicles/${vin}/latest`);
        expect(latest.eventId).toBe(batches[3][1].eventId);
        const leap = await get<{ items: Array<{ eventId: string }> }>(
          `/v1/vehicles/${vin}/telemetry?from=2016-01-01T00:00:00Z&to=2017-01-01T00:00:00Z`,
        );
        expect(leap.items.map((item) => item.eventId)).toEqual([
          batches[1][0].eventId,
          batches[3][0].eventId,
        ]);
      } finally {
        await app.stop();
      }
    });
  });
});
