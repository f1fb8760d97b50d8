import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ConfigModule } from '@app/config';
import { KafkaModule } from '@app/kafka';
import { MetricsModule } from '@app/metrics';
import { AsyncApiController, HealthController } from '@app/platform';
import { EdgeModule } from './edge/edge.module';
import { GatewayMetricsModule } from './metrics/gateway-metrics.module';
import { RecordPublisher } from './publishing/record.publisher';
import { IngestService } from './webhooks/ingest.service';
import { SignatureVerifier } from './webhooks/signature.verifier';
import { WebhookController } from './webhooks/webhook.controller';
import { WebhookRoutes } from './webhooks/webhook.routes';
import { WebhookIdempotencyCache } from './webhooks/webhook-idempotency.cache';
import { SourceRateLimiter } from './webhooks/source-rate.limiter';
import { WebhookSourceRegistry } from './webhooks/webhook-source.registry';

@Module({})
export class IngestGatewayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: IngestGatewayModule,
      imports: [
        ConfigModule.forRoot('gateway', config),
        KafkaModule,
        TerminusModule,
        MetricsModule.forRoot(config),
        GatewayMetricsModule,
        EdgeModule,
      ],
      controllers: [WebhookController, HealthController, AsyncApiController],
      providers: [
        WebhookSourceRegistry,
        SignatureVerifier,
        WebhookRoutes,
        IngestService,
        RecordPublisher,
        WebhookIdempotencyCache,
        SourceRateLimiter,
      ],
    };
  }
}
