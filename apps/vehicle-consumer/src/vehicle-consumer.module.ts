import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ConfigModule } from '@app/config';
import { KafkaModule } from '@app/kafka';
import { PersistenceModule } from '@app/persistence';
import { HealthController } from '@app/platform';

@Module({})
export class VehicleConsumerModule {
  static forRoot(config: AppConfig) {
    return {
      module: VehicleConsumerModule,
      imports: [ConfigModule.forRoot('consumer', config), KafkaModule, PersistenceModule, TerminusModule],
      controllers: [HealthController],
    };
  }
}
