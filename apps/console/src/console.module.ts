import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ConfigModule } from '@app/config';
import { KafkaModule } from '@app/kafka';
import { PersistenceModule } from '@app/persistence';
import { MetricsModule } from '@app/metrics';
import { AsyncApiController, HealthController } from '@app/platform';
import { DeadLetterModule } from './dead-letters/dead-letter.module';
import { IngestRedriver } from './replay/ingest.redriver';
import { ReplayModule } from './replay/replay.module';
import { WebConsoleModule } from './web/web-console.module';

/** the operator's app: dead letters to list, inspect and re-drive replays; the web console */
@Module({})
export class ConsoleModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [
        ConfigModule.forRoot('console', config),
        KafkaModule,
        PersistenceModule,
        TerminusModule,
        MetricsModule.forRoot(config),
        DeadLetterModule.forRoot({ ingestRedriver: IngestRedriver, imports: [ReplayModule] }),
        ReplayModule,
        WebConsoleModule,
      ],
      controllers: [HealthController, AsyncApiController],
    };
  }
}
