import { expect } from '@jest/globals';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { RecordSink, SinkStatus } from './record.sink';
import { SinkHealthIndicator } from './sink.health';

function aStatus(overrides: Partial<SinkStatus> = {}): SinkStatus {
  return {
    state: 'consuming',
    topic: 'telemetry.vehicle.v1',
    groupId: 'vehicle-consumer',
    stored: 10,
    duplicates: 0,
    deadLettered: 1,
    retries: 0,
    lag: { 0: 3, 1: 4 },
    ...overrides,
  };
}

const aSut = (status: SinkStatus) =>
  new SinkHealthIndicator(
    { status: () => status } as unknown as RecordSink,
    new HealthIndicatorService(),
  );

describe(SinkHealthIndicator.name, () => {
  it('is up while consuming, with counts and the total lag', () => {
    expect(aSut(aStatus()).check()).toEqual({
      sink: { status: 'up', state: 'consuming', stored: 10, deadLettered: 1, lag: 7 },
    });
  });

  it('stays up through a short wait and goes down when a batch has waited too long', () => {
    const recent = {
      dependency: 'PostgreSQL',
      since: new Date(Date.now() - 5_000).toISOString(),
      reason: 'connect ECONNREFUSED 10.0.0.7:5432',
      partitions: [1],
    };
    const old = { ...recent, since: new Date(Date.now() - 60_000).toISOString() };

    expect(aSut(aStatus({ waitingFor: recent })).check().sink.status).toBe('up');
    const down = aSut(aStatus({ waitingFor: old })).check();
    expect(down).toEqual({
      sink: expect.objectContaining({
        status: 'down',
        waitingFor: { dependency: 'PostgreSQL', since: old.since, partitions: [1] },
      }),
    });
    expect(JSON.stringify(down)).not.toContain('10.0.0.7');
  });

  it('is down while not in its group', () => {
    expect(aSut(aStatus({ state: 'starting' })).check().sink.status).toBe('down');
  });
});
