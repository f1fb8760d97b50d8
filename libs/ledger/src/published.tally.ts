import { Inject, Injectable } from '@nestjs/common';
import type { RecordTally, TalliedChunk } from '@app/sink/record.tally';
import { LedgerRepository, ConsumedRecord } from './ledger.repository';
import { LEDGER_BINDING } from './ledger.options';
import type { LedgerBinding } from './ledger.tables';
import { ReplacedLogs } from './replaced-logs';

/** the sink's stored chunks into the ledger's "published", by source and minute of receipt */
@Injectable()
export class PublishedTally implements RecordTally {
  constructor(
    @Inject(LEDGER_BINDING) private readonly binding: LedgerBinding,
    private readonly ledger: LedgerRepository,
    private readonly replacedLogs: ReplacedLogs,
  ) {}

  async consumed(
    chunk: TalliedChunk,
    records: { offset: string; record: unknown }[],
  ): Promise<void> {
    // nothing is counted against offsets of a log that is gone
    await this.replacedLogs.checked();
    const counted: ConsumedRecord[] = [];
    for (const { offset, record } of records) {
      const { source, receivedAt } = record as { source?: unknown; receivedAt?: unknown };
      const at = typeof receivedAt === 'string' ? Date.parse(receivedAt) : NaN;
      // the sink stores only records that passed the contract: both are there
      if (typeof source === 'string' && Number.isFinite(at))
        counted.push({ offset, source, receivedAt: at });
    }
    await this.ledger.countPublished(
      this.binding,
      chunk.groupId,
      chunk.topic,
      chunk.partition,
      counted,
      BigInt(chunk.last) + 1n,
    );
  }
}
