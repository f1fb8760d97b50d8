import { DynamicModule, Global, Module } from '@nestjs/common';
import { RECORD_TALLY } from '@app/sink/record.tally';
import { CompletenessController } from './completeness.controller';
import { CompletenessMetrics } from './completeness.metrics';
import { CompletenessService } from './completeness.service';
import { LedgerRepository } from './ledger.repository';
import { LEDGER_BINDING } from './ledger.options';
import type { LedgerBinding } from './ledger.tables';
import { PublishedTally } from './published.tally';
import { RawLedgerConsumer } from './raw-ledger.consumer';
import { ReplacedLogs } from './replaced-logs';

/**
 * The completeness ledger of one record type: `LedgerModule.forRoot(LEDGERS.vehicle)`. Counts the
 * raw archive, gives the sink its "published" tally (RECORD_TALLY, global) and serves
 * GET /v1/completeness. Needs the global ConfigModule, KafkaModule and PersistenceModule.
 */
@Global()
@Module({})
export class LedgerModule {
  static forRoot(binding: LedgerBinding): DynamicModule {
    return {
      module: LedgerModule,
      controllers: [CompletenessController],
      providers: [
        { provide: LEDGER_BINDING, useValue: binding },
        LedgerRepository,
        ReplacedLogs,
        { provide: RECORD_TALLY, useClass: PublishedTally },
        RawLedgerConsumer,
        CompletenessService,
        CompletenessMetrics,
      ],
      exports: [RECORD_TALLY, CompletenessService, RawLedgerConsumer],
    };
  }
}
