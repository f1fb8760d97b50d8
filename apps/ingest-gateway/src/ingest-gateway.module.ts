import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ConfigModule } from '@app/config';
import { KafkaModule } from '@app/kafka';
import { HealthController } from '@app/platform';

@Module({})
export class IngestGatewayModule {
  static forRoot(config: AppConfig) {
    return {
      module: IngestGatewayModule,
      imports: [ConfigModule.forRoot('gateway', config), KafkaModule, TerminusModule],
      controllers: [HealthController],
    };
  }
}
