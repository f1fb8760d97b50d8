import 'reflect-metadata';
// before anything loads kafkajs: kafkajs's own produce encoding was the gateway's largest CPU cost
import './publishing/kafkajs.install';
import { bootstrap } from '@app/platform';
import { IngestGatewayModule } from './ingest-gateway.module';

void bootstrap({
  name: 'ingest-gateway',
  role: 'gateway',
  port: (config) => config.ports.gateway,
  module: (config) => IngestGatewayModule.forRoot(config),
  // signatures are over the exact bytes, and senders' content types vary (mobway's example
  // ignores the header): keep every body as a Buffer, whatever its content type
  rawBodies: true,
});
