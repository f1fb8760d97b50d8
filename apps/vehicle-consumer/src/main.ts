import 'reflect-metadata';
import { bootstrap } from '@app/platform';
import { VehicleConsumerModule } from './vehicle-consumer.module';

void bootstrap({
  name: 'vehicle-consumer',
  role: 'consumer',
  port: (config) => config.ports.vehicleConsumer,
  module: (config) => VehicleConsumerModule.forRoot(config),
});
