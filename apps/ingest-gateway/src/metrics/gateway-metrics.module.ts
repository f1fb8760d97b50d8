import { Global, Module } from '@nestjs/common';
import { GatewayMetrics } from './gateway.metrics';

/** the gateway's series, for the edge, the verifier, the ingest service and the publisher */
@Global()
@Module({ providers: [GatewayMetrics], exports: [GatewayMetrics] })
export class GatewayMetricsModule {}
