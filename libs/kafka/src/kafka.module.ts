import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Kafka } from 'kafkajs';
import { AppConfig } from '@app/config';
import { createKafka, kafkaSecurity } from './kafka.factory';
import { KafkaHealthIndicator } from './kafka.health';

@Global()
@Module({
  imports: [TerminusModule],
  providers: [
    {
      provide: Kafka,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        createKafka(config.kafka.brokers, config.kafka.clientId, kafkaSecurity(config.kafka)),
    },
    KafkaHealthIndicator,
  ],
  exports: [Kafka, KafkaHealthIndicator],
})
export class KafkaModule {}
