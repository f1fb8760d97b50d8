import 'reflect-metadata';
// before anything loads kafkajs: kafkajs's own produce encoding was the gateway's largest CPU cost
import './publishing/kafkajs.install';
import { bootstrap } from '@app/platform';
import { EdgeGate } from './edge/edge.gate';
import { IngestGatewayModule } from './ingest-gateway.module';
import { WebhookRoutes } from './webhooks/webhook.routes';

void bootstrap({
  name: 'ingest-gateway',
  role: 'gateway',
  port: (config) => config.ports.gateway,
  instances: (config) => config.instances.gateway,
  module: (config) => IngestGatewayModule.forRoot(config),
  // signatures are over the exact bytes, and senders' content types vary (mobway's example
  // ignores the header): keep every body as a Buffer, whatever its content type
  rawBodies: true,
  configure: (app) => {
    const fastify = app.getHttpAdapter().getInstance();
    // before any route is registered: client limits apply before a byte of a body is read
    app.get(EdgeGate).install(fastify);
    app.get(WebhookRoutes).install(fastify);
  },
});
