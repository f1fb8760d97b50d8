import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ConfigModule } from '@app/config';
import { KafkaModule } from '@app/kafka';
import { VEHICLE_TABLE, PersistenceModule, RecordPartitionScheduler } from '@app/persistence';
import { LEDGERS, LedgerModule } from '@app/ledger';
import { MetricsModule } from '@app/metrics';
import { AsyncApiController, HealthController } from '@app/platform';
import { SinkModule, SINKS } from '@app/sink';
import { VehicleQueryModule } from './query/vehicle-query.module';

/** telemetry.vehicle.v1 → PostgreSQL, and the query API over what is stored */
@Module({})
export class VehicleConsumerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: VehicleConsumerModule,
      imports: [
        ConfigModule.forRoot('consumer', config),
        KafkaModule,
        PersistenceModule,
        TerminusModule,
        MetricsModule.forRoot(config),
        SinkModule.forRoot(SINKS.vehicle),
        // the completeness ledger of vehicle records: GET /v1/completeness
        LedgerModule.forRoot(LEDGERS.vehicle),
        VehicleQueryModule,
      ],
      controllers: [HealthController, AsyncApiController],
      // the table's partitions: made ahead of need, dropped past VEHICLE_RETENTION_DAYS
      providers: [
        RecordPartitionScheduler.provider(
          VEHICLE_TABLE.table,
          (c) => c.storage.retentionDays.vehicle,
        ),
      ],
    };
  }
}
