import { Global, Module } from '@nestjs/common';
import { ClientLimiter } from './client.limiter';
import { EdgeGate } from './edge.gate';
import { RejectionAggregator } from './rejection.aggregator';

/** the gateway's edge: client limits before any body is read, slow bodies cut, rejections counted */
@Global()
@Module({
  providers: [ClientLimiter, RejectionAggregator, EdgeGate],
  exports: [RejectionAggregator, EdgeGate],
})
export class EdgeModule {}
