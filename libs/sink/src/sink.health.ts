import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RecordSink } from './record.sink';

/** up while the sink is in its group and no batch has waited on a dependency for longer than the limit */
@Injectable()
export class SinkHealthIndicator {
  constructor(
    private readonly sink: RecordSink,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(key = 'sink', maxWaitMs = 30_000): HealthIndicatorResult {
    const session = this.indicator.check(key);
    const { state, stored, deadLettered, lag, waitingFor } = this.sink.status();
    const details = { state, stored, deadLettered, lag: Object.values(lag).reduce((sum, n) => sum + n, 0), ...(waitingFor && { waitingFor }) };
    const stuck = waitingFor !== undefined && Date.now() - Date.parse(waitingFor.since) > maxWaitMs;
    return state === 'consuming' && !stuck ? session.up(details) : session.down(details);
  }
}
