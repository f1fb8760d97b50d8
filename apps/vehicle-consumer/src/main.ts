import 'reflect-metadata';
import { bootstrap } from '@app/platform';
import { QUERY_API_DESCRIPTION, setupQueryDocs } from '@app/query';
import { VehicleConsumerModule } from './vehicle-consumer.module';

void bootstrap({
  name: 'vehicle-consumer',
  role: 'consumer',
  port: (config) => config.ports.vehicleConsumer,
  instances: (config) => config.instances.vehicleConsumer,
  module: (config) => VehicleConsumerModule.forRoot(config),
  configure: (app) =>
    setupQueryDocs(app, {
      title: 'vehicle-consumer query API',
      description: QUERY_API_DESCRIPTION,
    }),
});
