import { MigrationInterface, QueryRunner } from 'typeorm';

// frozen here, as of this migration (libs/ledger's LEDGERS binds the same names)
const LEDGERS = [
  {
    records: 'vehicle_telemetry',
    ledger: 'vehicle_telemetry_ledger',
    requests: 'vehicle_telemetry_ledger_requests',
  },
  {
    records: 'device_location',
    ledger: 'device_location_ledger',
    requests: 'device_location_ledger_requests',
  },
];

/**
 * The completeness ledger (libs/ledger): counts per source and minute of receipt, the requests
 * counted (a retry counts once), and how far each ledger consumer has counted per topic
 * partition. The record tables get a BRIN index on received_at, which the ledger counts stored
 * rows by: rows are appended in receipt order, so a block range's receipt times are narrow, and
 * the index is a few pages per partition that an insert rarely touches. Created on the
 * partitioned parent, so every partition has it and every partition attached later gets one.
 */
export class CompletenessLedger1766200000000 implements MigrationInterface {
  name = 'CompletenessLedger1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_offsets (
        consumer    text NOT NULL,
        topic       text NOT NULL,
        partition   integer NOT NULL,
        next_offset bigint NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, topic, partition)
      )`);
    for (const { records, ledger, requests } of LEDGERS) {
      await q.query(`
        CREATE TABLE ${ledger} (
          source        text NOT NULL,
          minute        timestamptz NOT NULL,
          received      bigint NOT NULL DEFAULT 0,
          requests      bigint NOT NULL DEFAULT 0,
          readings      bigint NOT NULL DEFAULT 0,
          accepted      bigint NOT NULL DEFAULT 0,
          dead_lettered bigint NOT NULL DEFAULT 0,
          untallied     bigint NOT NULL DEFAULT 0,
          published     bigint NOT NULL DEFAULT 0,
          PRIMARY KEY (source, minute)
        )`);
      await q.query(`CREATE INDEX ${ledger}_minute_idx ON ${ledger} (minute)`);
      await q.query(`
        CREATE TABLE ${requests} (
          source        text NOT NULL,
          request_key   text NOT NULL,
          received_at   timestamptz NOT NULL,
          accepted      integer NOT NULL,
          dead_lettered integer NOT NULL,
          tallied       boolean NOT NULL,
          PRIMARY KEY (source, request_key)
        )`);
      await q.query(`CREATE INDEX ${requests}_received_idx ON ${requests} (received_at)`);
      await q.query(`CREATE INDEX ${records}_received_brin ON ${records} USING brin (received_at)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const { records, ledger, requests } of LEDGERS) {
      await q.query(`DROP INDEX ${records}_received_brin`);
      await q.query(`DROP TABLE ${requests}`);
      await q.query(`DROP TABLE ${ledger}`);
    }
    await q.query(`DROP TABLE ledger_offsets`);
  }
}
