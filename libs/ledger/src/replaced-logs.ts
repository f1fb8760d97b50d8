import { Inject, Injectable, Logger } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { TOPICS } from '@app/contracts';
import { LedgerRepository } from './ledger.repository';
import { LEDGER_BINDING } from './ledger.options';
import type { LedgerBinding } from './ledger.tables';

/**
 * The ledger keeps Kafka offsets in PostgreSQL, and an offset is only meaningful on the log it was
 * read from. Before this app counts anything (the raw archive here, its record topic in the sink's
 * tally), what was counted on another Kafka cluster (a wiped local Kafka, a move to another
 * cluster) is forgotten, so the new cluster's logs are counted from their start rather than skipped
 * up to the old offsets. Checked once per process. A topic deleted and made again on the same
 * cluster cannot be told from here (kafkajs does not read topic ids): the README says what to do.
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
    let clusterId: string;
    try {
      ({ clusterId } = await admin.describeCluster());
    } finally {
      await admin.disconnect();
    }
    const forgotten = await this.ledger.forgetOtherClusters(
      [TOPICS.raw, TOPICS[this.binding.recordType]],
      clusterId,
    );
    for (const f of forgotten)
      this.logger.warn(
        `${f.consumer} had counted ${f.topic}[${f.partition}] up to offset ${f.counted} on Kafka cluster ${f.cluster}; ` +
          `this is cluster ${clusterId}, so its log is counted again from its start`,
      );
  }
}
