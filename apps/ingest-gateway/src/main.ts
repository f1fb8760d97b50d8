import 'reflect-metadata';
import { bootstrap } from '@app/platform';
import { IngestGatewayModule } from './ingest-gateway.module';

void bootstrap({
  name: 'ingest-gateway',
  role: 'gateway',
  port: (config) => config.ports.gateway,
  module: (config) => IngestGatewayModule.forRoot(config),
});
