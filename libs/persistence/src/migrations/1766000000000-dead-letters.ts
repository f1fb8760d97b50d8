import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console's copy of `telemetry.deadletter.v1`, to list, inspect and re-drive. A letter is
 * known by where it sits on that topic (partition, offset): a redelivery adds no row. `letter` is
 * the message value as it was received, JSON text (not jsonb: a letter whose reading held U+0000 is
 * valid JSON that jsonb refuses). The columns beside it are read from it for filters.
 *
 * Retention deletes old rows in batches by `occurred_at` (DEAD_LETTER_RETENTION_DAYS): dead letters
 * are a trickle next to the records, a few thousand rows an hour at worst, so DELETE and
 * autovacuum keep up without the partitions the record tables need.
 */
export class DeadLetters1766000000000 implements MigrationInterface {
  name = 'DeadLetters1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dead_letters (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kafka_partition integer NOT NULL,
        kafka_offset    bigint NOT NULL,
        schema          text,
        stage           text,
        source          text,
        reasons         text[] NOT NULL,
        reason_class    text NOT NULL,
        entity_id       text,
        request_id      text,
        record_topic    text,
        occurred_at     timestamptz NOT NULL,
        received_at     timestamptz NOT NULL,
        stored_at       timestamptz NOT NULL DEFAULT now(),
        letter          text NOT NULL,
        redrive_status  text,
        redriven_at     timestamptz,
        redrive_outcome text,
        CONSTRAINT dead_letters_position_key UNIQUE (kafka_partition, kafka_offset),
        CONSTRAINT dead_letters_redrive_status_check
          CHECK (redrive_status IN ('pending', 'done', 'failed'))
      )`);
    // newest first, the list's order and its keyset; retention deletes from the other end
    await q.query(`CREATE INDEX dead_letters_occurred_idx ON dead_letters (occurred_at, id)`);
    await q.query(`CREATE INDEX dead_letters_source_idx ON dead_letters (source, occurred_at, id)`);
    // one vehicle's or device's letters: spread over the whole table, a scan in time order would
    // read most of it (656 ms at a million letters, 2.5 ms with this)
    await q.query(
      `CREATE INDEX dead_letters_entity_idx ON dead_letters (entity_id, occurred_at, id) WHERE entity_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dead_letters`);
  }
}
