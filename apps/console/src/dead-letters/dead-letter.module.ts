import { DynamicModule, Module, Type } from '@nestjs/common';
import { ApiKeyGuard } from '@app/query';
import { DeadLetterConsumer } from './dead-letter.consumer';
import {
  CONSUME_REDRIVER,
  DeadLetterRedriver,
  INGEST_REDRIVER,
  IngestRedriveUnsupported,
} from './dead-letter.redriver';
import { DeadLetterRepository } from './dead-letter.repository';
import { DeadLetterRetention } from './dead-letter.retention';
import { DeadLetterService } from './dead-letter.service';
import { DeadLettersController } from './dead-letters.controller';
import { RecordRepublisher } from './record.republisher';

export interface DeadLetterModuleOptions {
  /** re-drives ingest-stage letters (replays their request); until given, they fail as not supported */
  ingestRedriver?: Type<DeadLetterRedriver>;
  /** modules the ingest redriver needs */
  imports?: DynamicModule['imports'];
}

/**
 * The dead-letter store: telemetry.deadletter.v1 kept in PostgreSQL, listed, shown and re-driven
 * at /v1/dead-letters, expired after DEAD_LETTER_RETENTION_DAYS. Needs the global ConfigModule,
 * KafkaModule and PersistenceModule.
 */
@Module({})
export class DeadLetterModule {
  static forRoot(options: DeadLetterModuleOptions = {}): DynamicModule {
    return {
      module: DeadLetterModule,
      imports: options.imports ?? [],
      controllers: [DeadLettersController],
      providers: [
        DeadLetterRepository,
        DeadLetterService,
        DeadLetterConsumer,
        DeadLetterRetention,
        RecordRepublisher,
        ApiKeyGuard,
        { provide: CONSUME_REDRIVER, useExisting: RecordRepublisher },
        { provide: INGEST_REDRIVER, useClass: options.ingestRedriver ?? IngestRedriveUnsupported },
      ],
      exports: [DeadLetterService, DeadLetterConsumer],
    };
  }
}
