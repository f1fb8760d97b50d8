import 'reflect-metadata';
import { bootstrap } from '@app/platform';
import { LocationConsumerModule } from './location-consumer.module';

void bootstrap({
  name: 'location-consumer',
  role: 'consumer',
  port: (config) => config.ports.locationConsumer,
  module: (config) => LocationConsumerModule.forRoot(config),
});
