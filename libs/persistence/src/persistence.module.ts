import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { createDataSource } from './data-source';
import { PostgresHealthIndicator } from './postgres.health';
import { RecordPartitionManager } from './record-partition.manager';

@Global()
@Module({
  imports: [TerminusModule],
  providers: [
    {
      provide: DataSource,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        createDataSource(
          config.database.url,
          config.database.poolSize,
          undefined,
          undefined,
          config.database.queryUrl,
        ).initialize(),
    },
    {
      provide: RecordPartitionManager,
      inject: [DataSource, AppConfig],
      useFactory: (dataSource: DataSource, config: AppConfig) =>
        new RecordPartitionManager(dataSource, config.storage.partitionSpan),
    },
    PostgresHealthIndicator,
  ],
  exports: [DataSource, PostgresHealthIndicator, RecordPartitionManager],
})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  // runs after the consumers' own shutdown hooks: close the pool last
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
