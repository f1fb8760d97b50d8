import { DynamicModule, Global, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { MetricsController } from './metrics.controller';
import { MetricsRegistry } from './metrics.registry';
import { MetricsServer } from './metrics.server';
import { MetricsTokenGuard } from './metrics-token.guard';

/**
 * GET /metrics for an app, in one import: the app's MetricsRegistry (global, so every module can
 * add series to it) with the process and Node.js series, served on the app port or, with a
 * METRICS_PORT, on a listener of its own only; METRICS_TOKEN, when set, is wanted as a bearer token.
 */
@Global()
@Module({})
export class MetricsModule implements OnModuleInit {
  constructor(private readonly metrics: MetricsRegistry) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MetricsModule,
      controllers: config.metrics.port === 0 ? [MetricsController] : [],
      providers: [MetricsRegistry, MetricsServer, MetricsTokenGuard],
      exports: [MetricsRegistry],
    };
  }

  onModuleInit(): void {
    this.metrics.collectProcessMetrics();
  }
}
