import 'reflect-metadata';
import { bootstrap } from '@app/platform';
import { QUERY_API_DESCRIPTION, setupQueryDocs } from '@app/query';
import { LocationConsumerModule } from './location-consumer.module';

void bootstrap({
  name: 'location-consumer',
  role: 'consumer',
  port: (config) => config.ports.locationConsumer,
  instances: (config) => config.instances.locationConsumer,
  module: (config) => LocationConsumerModule.forRoot(config),
  configure: (app) =>
    setupQueryDocs(app, {
      title: 'location-consumer query API',
      description: QUERY_API_DESCRIPTION,
    }),
});
