import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { createDataSource } from './data-source';
import { PostgresHealthIndicator } from './postgres.health';

@Global()
@Module({
  imports: [TerminusModule],
  providers: [
    {
      provide: DataSource,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        createDataSource(config.database.url, config.database.poolSize).initialize(),
    },
    PostgresHealthIndicator,
  ],
  exports: [DataSource, PostgresHealthIndicator],
})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  // runs after the consumers' own shutdown hooks: close the pool last
  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
