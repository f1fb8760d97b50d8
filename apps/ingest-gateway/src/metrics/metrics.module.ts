import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { GatewayMetrics } from './gateway.metrics';
import { MetricsController } from './metrics.controller';
import { MetricsServer } from './metrics.server';
import { MetricsTokenGuard } from './metrics-token.guard';

@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MetricsModule,
      // with a METRICS_PORT, /metrics is served there only
      controllers: config.gateway.metrics.port === 0 ? [MetricsController] : [],
      providers: [GatewayMetrics, MetricsServer, MetricsTokenGuard],
      exports: [GatewayMetrics],
    };
  }
}
