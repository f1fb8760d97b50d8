import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ConfigModule } from '@app/config';
import { KafkaModule } from '@app/kafka';
import { LOCATION_TABLE, PersistenceModule, RecordPartitionScheduler } from '@app/persistence';
import { LEDGERS, LedgerModule } from '@app/ledger';
import { MetricsModule } from '@app/metrics';
import { AsyncApiController, HealthController } from '@app/platform';
import { SinkModule, SINKS } from '@app/sink';
import { LocationQueryModule } from './query/location-query.module';

/** telemetry.location.v1 → PostgreSQL, and the query API over what is stored */
@Module({})
export class LocationConsumerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LocationConsumerModule,
      imports: [
        ConfigModule.forRoot('consumer', config),
        KafkaModule,
        PersistenceModule,
        TerminusModule,
        MetricsModule.forRoot(config),
        SinkModule.forRoot(SINKS.location),
        // the completeness ledger of location records: GET /v1/completeness
        LedgerModule.forRoot(LEDGERS.location),
        LocationQueryModule,
      ],
      controllers: [HealthController, AsyncApiController],
      // the table's partitions: made ahead of need, dropped past LOCATION_RETENTION_DAYS
      providers: [
        RecordPartitionScheduler.provider(
          LOCATION_TABLE.table,
          (c) => c.storage.retentionDays.location,
        ),
      ],
    };
  }
}
