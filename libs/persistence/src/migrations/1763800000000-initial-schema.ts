import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One table per record contract. `seq` is the ingestion order (writers serialise on an advisory
 * lock, so it is also commit order and the changes feed never skips a late commit); `event_id` is
 * the idempotency key; (entity, recorded_at, event_id) serves keyset pages by time.
 */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE vehicle_telemetry (
        seq                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
        CONSTRAINT vehicle_telemetry_event_id_key UNIQUE (event_id)
      )`);
    await q.query(
      `CREATE INDEX vehicle_telemetry_vin_time_idx ON vehicle_telemetry (vin, recorded_at, event_id)`,
    );

    await q.query(`
      CREATE TABLE device_location (
        seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
        CONSTRAINT device_location_event_id_key UNIQUE (event_id)
      )`);
    await q.query(
      `CREATE INDEX device_location_device_time_idx ON device_location (device_id, recorded_at, event_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE device_location`);
    await q.query(`DROP TABLE vehicle_telemetry`);
  }
}
