import { MigrationInterface, QueryRunner } from 'typeorm';
import { aheadTimes, createPartitions, DEFAULT_PARTITION_SPAN, Sql } from '../record-partitions';

// the schema that holds the unpartitioned tables while their rows are copied
const OLD = 'record_upgrade';

interface TableShape {
  table: string;
  entity: string;
  /** every column but seq and the generated page_inline, as declared */
  columns: string;
  /** the columns the covering range index includes */
  include: string;
}

// frozen here, as of this migration: later changes to the bindings are later migrations
const TABLES: TableShape[] = [
  {
    table: 'vehicle_telemetry',
    entity: 'vin',
    columns: `
        event_id             uuid NOT NULL,
        source               text NOT NULL,
        vin                  varchar(17) NOT NULL,
        recorded_at          timestamptz NOT NULL,
        received_at          timestamptz NOT NULL,
        stored_at            timestamptz NOT NULL DEFAULT now(),
        latitude             double precision,
        longitude            double precision,
        speed_kph            double precision,
        heading_deg          double precision,
        odometer_km          double precision,
        fuel_level_pct       double precision,
        engine_rpm           double precision,
        lv_battery_voltage_v double precision,
        hv_battery_soc_pct   double precision,
        event                text,
        flags                jsonb NOT NULL DEFAULT '{}'::jsonb,
        attributes           jsonb NOT NULL DEFAULT '{}'::jsonb,
        kafka_partition      integer NOT NULL,
        kafka_offset         bigint NOT NULL,
        page_inline          boolean NOT NULL GENERATED ALWAYS AS
          (coalesce(record_value_bytes(event), 0) + record_value_bytes(flags) + record_value_bytes(attributes) <= 2000) STORED`,
    include:
      'seq, source, received_at, latitude, longitude, speed_kph, heading_deg, odometer_km, fuel_level_pct, engine_rpm, lv_battery_voltage_v, hv_battery_soc_pct, event, flags, attributes',
  },
  {
    table: 'device_location',
    entity: 'device_id',
    columns: `
        event_id        uuid NOT NULL,
        source          text NOT NULL,
        device_id       varchar(128) NOT NULL,
        recorded_at     timestamptz NOT NULL,
        received_at     timestamptz NOT NULL,
        stored_at       timestamptz NOT NULL DEFAULT now(),
        latitude        double precision NOT NULL,
        longitude       double precision NOT NULL,
        accuracy_m      double precision,
        speed_kph       double precision,
        heading_deg     double precision,
        altitude_m      double precision,
        battery_pct     double precision,
        attributes      jsonb NOT NULL DEFAULT '{}'::jsonb,
        kafka_partition integer NOT NULL,
        kafka_offset    bigint NOT NULL,
        page_inline     boolean NOT NULL GENERATED ALWAYS AS (record_value_bytes(attributes) <= 2000) STORED`,
    include:
      'seq, source, received_at, latitude, longitude, accuracy_m, speed_kph, heading_deg, altitude_m, battery_pct, attributes',
  },
];

/**
 * The record tables partitioned by reading time (RANGE on recorded_at), rebuilt in place from the
 * unpartitioned ones: each is moved aside, the partitioned table made with the same columns and
 * indexes, a partition made for every span that holds a stored reading, every row copied with its
 * own seq, and the identity sequence carried on, so no row is lost or doubled and a changes-feed
 * cursor taken before still resumes where it was. It all runs in the migration's transaction: a
 * failure leaves the old tables as they were. Partitions: see record-partitions.ts.
 *
 * A unique index of a partitioned table must hold the partition key. `event_id` is a UUIDv5 of
 * the source, the entity, recordedAt and the reading, so two rows with one event id have one
 * recorded_at: UNIQUE (event_id, recorded_at) refuses exactly the rows UNIQUE (event_id) refused,
 * and ON CONFLICT (event_id, recorded_at) skips exactly the redeliveries. Likewise the primary key
 * is (seq, recorded_at), seq being unique on its own (one identity sequence for all partitions).
 *
 * No DEFAULT partition: rows in it would have to be moved out (under an exclusive lock) before a
 * partition for their span could be made, it is never old enough to drop, every query would scan
 * it, and DETACH … CONCURRENTLY refuses to run while one exists. A reading no partition holds
 * gets its partition made on demand instead (RecordBatchWriter).
 */
export class PartitionedRecords1765000000000 implements MigrationInterface {
  name = 'PartitionedRecords1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const sql: Sql = (text, values) => q.query(text, values);
    await q.query(`CREATE SCHEMA ${OLD}`);
    for (const { table, entity, columns, include } of TABLES) {
      await q.query(`ALTER TABLE ${table} SET SCHEMA ${OLD}`);
      await q.query(`
      CREATE TABLE ${table} (
        seq                  bigint GENERATED ALWAYS AS IDENTITY,${columns},
        CONSTRAINT ${table}_pkey PRIMARY KEY (seq, recorded_at),
        CONSTRAINT ${table}_event_id_key UNIQUE (event_id, recorded_at)
      ) PARTITION BY RANGE (recorded_at)`);
      await q.query(
        `CREATE INDEX ${table}_${entity === 'vin' ? 'vin' : 'device'}_time_idx ON ${table} (${entity}, recorded_at, event_id)`,
      );
      await q.query(
        `CREATE INDEX ${table}_range_idx ON ${table} (${entity}, recorded_at, event_id) INCLUDE (${include}) WHERE page_inline`,
      );
      await q.query(
        `CREATE INDEX ${table}_range_wide_idx ON ${table} (${entity}, recorded_at, event_id) WHERE NOT page_inline`,
      );

      const days = (await q.query(
        `SELECT DISTINCT extract(epoch FROM date_trunc('day', recorded_at, 'UTC')) * 1000 AS day FROM ${OLD}.${table}`,
      )) as { day: string }[];
      const now = Date.now();
      await createPartitions(
        sql,
        table,
        [...days.map((d) => Number(d.day)), ...aheadTimes(now, DEFAULT_PARTITION_SPAN)],
        DEFAULT_PARTITION_SPAN,
        now,
      );
      await copyRows(q, `${OLD}.${table}`, table);
    }
    await q.query(`DROP SCHEMA ${OLD}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA ${OLD}`);
    for (const { table, entity, columns, include } of TABLES) {
      await q.query(`ALTER TABLE ${table} SET SCHEMA ${OLD}`);
      await q.query(`
      CREATE TABLE ${table} (
        seq                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,${columns},
        CONSTRAINT ${table}_event_id_key UNIQUE (event_id)
      )`);
      await q.query(
        `CREATE INDEX ${table}_${entity === 'vin' ? 'vin' : 'device'}_time_idx ON ${table} (${entity}, recorded_at, event_id)`,
      );
      await q.query(
        `CREATE INDEX ${table}_range_idx ON ${table} (${entity}, recorded_at, event_id) INCLUDE (${include}) WHERE page_inline`,
      );
      await q.query(
        `CREATE INDEX ${table}_range_wide_idx ON ${table} (${entity}, recorded_at, event_id) WHERE NOT page_inline`,
      );
      await q.query(
        `ALTER TABLE ${table} SET (autovacuum_vacuum_insert_threshold = 100000, autovacuum_vacuum_insert_scale_factor = 0)`,
      );
      // the partitions stay where they are and go with their parent
      await copyRows(q, `${OLD}.${table}`, table);
    }
    await q.query(`DROP SCHEMA ${OLD}`);
  }
}

/**
 * every row of `from` into `to` with its own seq, then `to`'s identity sequence where `from`'s was.
 * Text and jsonb values are rebuilt on the way: read from the table they may be compressed, and
 * page_inline, computed again for the copy, measures the value as given (record_value_bytes is
 * pg_column_size); rebuilt, each is measured at the size it had when it was first stored.
 */
async function copyRows(q: QueryRunner, from: string, to: string): Promise<void> {
  const columns = (await q.query(
    `SELECT quote_ident(attname) AS name, format_type(atttypid, NULL) AS type FROM pg_attribute ` +
      `WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [from],
  )) as { name: string; type: string }[];
  const names = columns.map((c) => c.name).join(', ');
  const values = columns
    .map(({ name, type }) =>
      type === 'jsonb' ? `${name}::text::jsonb` : type === 'text' ? `${name} || ''` : name,
    )
    .join(', ');
  await q.query(
    `INSERT INTO ${to} (${names}) OVERRIDING SYSTEM VALUE SELECT ${values} FROM ${from}`,
  );
  const [sequence] = (await q.query(
    `SELECT pg_get_serial_sequence($1, 'seq') AS old, pg_get_serial_sequence($2, 'seq') AS new`,
    [from, to],
  )) as { old: string; new: string }[];
  await q.query(`SELECT setval($1::regclass, last_value, is_called) FROM ${sequence.old}`, [
    sequence.new,
  ]);
  await q.query(`DROP TABLE ${from}`);
}
