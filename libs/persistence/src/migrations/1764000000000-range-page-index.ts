import { MigrationInterface, QueryRunner } from 'typeorm';

// a btree entry holds at most 2,704 bytes; the key and the fixed-size columns of either table take
// under 450 of them, so payloads up to this size always fit, before the compression PostgreSQL
// tries on a wide entry
const INLINE_PAYLOAD_BYTES = 2000;
// an index-only scan still reads the heap page of a row whose page VACUUM has not yet marked
// all-visible; by default an insert-only table is vacuumed after 20 % growth (2M rows at 10M),
// which would leave the newest data, the data gap recovery asks for most, to heap fetches
const VACUUM_EVERY_INSERTS = 100_000;
const TABLES = ['vehicle_telemetry', 'device_location'];

/**
 * Range pages served by index-only scans. A 1,000-row page of one vehicle found its rows through
 * the (entity, recorded_at, event_id) index but read them from ~1,000 heap pages, one per row:
 * rows arrive time-major, every vehicle's interleaved with every other's. An index that also holds
 * every column a page returns (INCLUDE) keeps one vehicle's rows side by side in a few dozen
 * leaf pages. At 10M rows that took the database's part of a page from ~7 ms to ~3 ms.
 *
 * A btree entry has a size limit and `event`, `flags` and `attributes` have none, so the covering
 * index holds only the rows whose payload fits (`page_inline`); a second, partial index finds the
 * few others, and the range query reads both, merged in order (RecordQuerySql.range). `page_inline`
 * is computed once, at insert, from the values' in-memory size (pg_column_size, wrapped as
 * IMMUTABLE for the generated column: a row's values never change, so neither does its size) and
 * stored, so every later index build agrees with it.
 */

export class RangePageIndex1764000000000 implements MigrationInterface {
  name = 'RangePageIndex1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE FUNCTION record_value_bytes(anyelement) RETURNS integer IMMUTABLE PARALLEL SAFE LANGUAGE sql AS 'SELECT pg_column_size($1)'`,
    );
    await q.query(
      `ALTER TABLE vehicle_telemetry ADD COLUMN page_inline boolean NOT NULL GENERATED ALWAYS AS ` +
        `(coalesce(record_value_bytes(event), 0) + record_value_bytes(flags) + record_value_bytes(attributes) <= ${INLINE_PAYLOAD_BYTES}) STORED`,
    );
    await q.query(
      `CREATE INDEX vehicle_telemetry_range_idx ON vehicle_telemetry (vin, recorded_at, event_id) ` +
        `INCLUDE (seq, source, received_at, latitude, longitude, speed_kph, heading_deg, odometer_km, fuel_level_pct, engine_rpm, lv_battery_voltage_v, hv_battery_soc_pct, event, flags, attributes) ` +
        `WHERE page_inline`,
    );
    await q.query(
      `CREATE INDEX vehicle_telemetry_range_wide_idx ON vehicle_telemetry (vin, recorded_at, event_id) WHERE NOT page_inline`,
    );

    await q.query(
      `ALTER TABLE device_location ADD COLUMN page_inline boolean NOT NULL GENERATED ALWAYS AS ` +
        `(record_value_bytes(attributes) <= ${INLINE_PAYLOAD_BYTES}) STORED`,
    );
    await q.query(
      `CREATE INDEX device_location_range_idx ON device_location (device_id, recorded_at, event_id) ` +
        `INCLUDE (seq, source, received_at, latitude, longitude, accuracy_m, speed_kph, heading_deg, altitude_m, battery_pct, attributes) ` +
        `WHERE page_inline`,
    );
    await q.query(
      `CREATE INDEX device_location_range_wide_idx ON device_location (device_id, recorded_at, event_id) WHERE NOT page_inline`,
    );

    for (const table of TABLES) {
      await q.query(
        `ALTER TABLE ${table} SET (autovacuum_vacuum_insert_threshold = ${VACUUM_EVERY_INSERTS}, autovacuum_vacuum_insert_scale_factor = 0)`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(
        `ALTER TABLE ${table} RESET (autovacuum_vacuum_insert_threshold, autovacuum_vacuum_insert_scale_factor)`,
      );
      await q.query(`ALTER TABLE ${table} DROP COLUMN page_inline`);
    }
    await q.query(`DROP FUNCTION record_value_bytes(anyelement)`);
  }
}
