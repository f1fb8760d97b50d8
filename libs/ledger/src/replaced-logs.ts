import { Inject, Injectable, Logger } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { TOPICS } from '@app/contracts';
import { LedgerRepository } from './ledger.repository';
import { LEDGER_BINDING } from './ledger.options';
import type { LedgerBinding } from './ledger.tables';

/**
 * The ledger keeps Kafka offsets in PostgreSQL, and an offset is only meaningful on the log it was
 * read from. Before this app counts anything (the raw archive here, its record topic in the sink's
 * tally), what was counted on a log that is gone is forgotten, so that log's replacement is
 * counted from its start rather than skipped up to the old offset: rows counted on another
 * cluster, and rows counted past where a partition now ends (a topic deleted and made again).
 * Checked once per process; a topic made again while the app runs is noticed at its next start.
 */
@Injectable()
export class ReplacedLogs {
  private readonly logger = new Logger(ReplacedLogs.name);
  private done?: Promise<void>;

  constructor(
    @Inject(LEDGER_BINDING) private readonly binding: LedgerBinding,
    private readonly kafka: Kafka,
    private readonly ledger: LedgerRepository,
  ) {}

  /** resolves once checked; rejects while Kafka or PostgreSQL cannot answer (the next call tries again) */
  checked(): Promise<void> {
    this.done ??= this.check().catch((error: Error) => {
      this.done = undefined;
      throw error;
    });
    return this.done;
  }

  private async check(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { clusterId } = await admin.describeCluster();
      for (const topic of [TOPICS.raw, TOPICS[this.binding.recordType]]) {
        const ends = await admin.fetchTopicOffsets(topic);
        const forgotten = await this.ledger.forgetReplacedLogs(
          topic,
          clusterId,
          new Map(ends.map((e) => [e.partition, e.high])),
        );
        for (const f of forgotten)
          this.logger.warn(
            `${f.consumer} had counted ${topic}[${f.partition}] up to offset ${f.counted} on cluster ${f.cluster ?? '(not recorded)'}; ` +
              `on cluster ${clusterId} that partition ends at ${ends.find((e) => e.partition === f.partition)?.high ?? '(none)'}: ` +
              `the log was replaced (a topic made again, or another cluster), so it is counted again from its start`,
          );
      }
    } finally {
      await admin.disconnect();
    }
  }
}
