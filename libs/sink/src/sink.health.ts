import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { RecordSink } from './record.sink';

/**
 * Up while the sink is in its group and no batch has waited on a dependency for longer than the
 * limit. Says what it waits for and since when, not the error text (it names hosts and ports).
 */
@Injectable()
export class SinkHealthIndicator {
  constructor(
    private readonly sink: RecordSink,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(key = 'sink', maxWaitMs = 30_000): HealthIndicatorResult {
    const session = this.indicator.check(key);
    const { state, stored, deadLettered, lag, waitingFor } = this.sink.status();
    const waiting = waitingFor && {
      dependency: waitingFor.dependency,
      since: waitingFor.since,
      partitions: waitingFor.partitions,
    };
    const details = {
      state,
      stored,
      deadLettered,
      lag: Object.values(lag).reduce((sum, n) => sum + n, 0),
      ...(waiting && { waitingFor: waiting }),
    };
    const stuck = waitingFor !== undefined && Date.now() - Date.parse(waitingFor.since) > maxWaitMs;
    return state === 'consuming' && !stuck ? session.up(details) : session.down(details);
  }
}
