import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Positions on a Kafka topic are only meaningful on the log they were read from. A topic deleted
 * and made again, or a new cluster (a wiped local stack, a move to another provider), starts every
 * partition at offset 0 again, and what is kept here by position must not take the new messages
 * for ones it has:
 * - `ledger_offsets.cluster_id`: the cluster the consumer counted on. The ledger's consumers check
 *   at start that it is the cluster they reach, and count another cluster's logs from their start
 *   (libs/ledger). NULL: counted before this column, on whatever cluster the consumer finds next.
 * - `dead_letters`: a letter was known by (partition, offset) alone, so a new log's letters at
 *   positions an old one had used were dropped as redeliveries. It is now known by its position
 *   and its content's digest: a redelivery is the same bytes, a new letter at a used position is
 *   not.
 */
export class KafkaLogIdentity1766400000000 implements MigrationInterface {
  name = 'KafkaLogIdentity1766400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ledger_offsets ADD COLUMN cluster_id text`);
    await q.query(`ALTER TABLE dead_letters DROP CONSTRAINT dead_letters_position_key`);
    await q.query(
      `CREATE UNIQUE INDEX dead_letters_position_key ON dead_letters (kafka_partition, kafka_offset, md5(letter))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX dead_letters_position_key`);
    // a position held by letters of two logs keeps the first
    await q.query(
      `DELETE FROM dead_letters d USING dead_letters e WHERE d.kafka_partition = e.kafka_partition AND d.kafka_offset = e.kafka_offset AND d.id > e.id`,
    );
    await q.query(
      `ALTER TABLE dead_letters ADD CONSTRAINT dead_letters_position_key UNIQUE (kafka_partition, kafka_offset)`,
    );
    await q.query(`ALTER TABLE ledger_offsets DROP COLUMN cluster_id`);
  }
}
