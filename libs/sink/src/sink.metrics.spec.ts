import { DEAD_LETTER_SCHEMA, DeadLetterV1 } from '@app/contracts';
import { MetricsRegistry } from '@app/metrics';
import type { SinkStatus } from './record.sink';
import { SinkMetrics } from './sink.metrics';

const TOPIC = 'telemetry.vehicle.v1';

function aSut() {
  const registry = new MetricsRegistry();
  const sut = new SinkMetrics({ topic: TOPIC }, registry);
  let status: Partial<SinkStatus> = {};
  sut.watch(() => status as SinkStatus);
  return { sut, registry, setStatus: (s: Partial<SinkStatus>) => (status = s) };
}

const aLetter = (reasons: string[]): DeadLetterV1 => ({
  schema: DEAD_LETTER_SCHEMA,
  stage: 'consume',
  source: 'mobway',
  reasons,
  occurredAt: '2025-03-01T13:00:00.000Z',
  topic: TOPIC,
  partition: 0,
  offset: '7',
});

describe(SinkMetrics.name, () => {
  it('counts rows new and duplicate, and dead letters by reason class', async () => {
    const { sut, registry } = aSut();

    sut.stored(5, 2, [aLetter(['latitude must not be greater than 90'])]);
    sut.stored(1, 0, []);

    const text = await registry.render();
    expect(text).toContain(`fleet_sink_rows_written_total{topic="${TOPIC}",outcome="new"} 6`);
    expect(text).toContain(`fleet_sink_rows_written_total{topic="${TOPIC}",outcome="duplicate"} 2`);
    expect(text).toContain(
      'fleet_dead_letters_total{stage="consume",source="mobway",reason_class="out_of_range"} 1',
    );
  });

  it('reads the lag of the partitions the sink holds, and its retries, when scraped', async () => {
    const { registry, setStatus } = aSut();
    setStatus({ lag: { 0: 12, 2: 0 }, retries: 3 });
    const first = await registry.render();
    setStatus({ lag: { 2: 4 }, retries: 5 });
    const second = await registry.render();

    expect(first).toContain(`fleet_sink_consumer_lag{topic="${TOPIC}",partition="0"} 12`);
    expect(first).toContain(`fleet_sink_consumer_lag{topic="${TOPIC}",partition="2"} 0`);
    expect(first).toContain(`fleet_sink_retries_total{topic="${TOPIC}"} 3`);
    // a partition handed to another member is no longer reported
    expect(second).not.toContain('partition="0"');
    expect(second).toContain(`fleet_sink_consumer_lag{topic="${TOPIC}",partition="2"} 4`);
    expect(second).toContain(`fleet_sink_retries_total{topic="${TOPIC}"} 5`);
  });

  it('times each write statement by how it ended, and hands its result on', async () => {
    const { sut, registry } = aSut();
    const rejected = Object.assign(new Error('invalid byte sequence'), { code: '22021' });
    const isRejected = (error: unknown) => error === rejected;

    await expect(sut.timed(Promise.resolve(3), isRejected)).resolves.toBe(3);
    await expect(sut.timed(Promise.reject(rejected), isRejected)).rejects.toBe(rejected);
    await expect(
      sut.timed(Promise.reject(new Error('ECONNREFUSED')), isRejected),
    ).rejects.toThrow();

    const text = await registry.render();
    for (const outcome of ['ok', 'rejected', 'failed'])
      expect(text).toContain(
        `fleet_sink_write_duration_seconds_count{topic="${TOPIC}",outcome="${outcome}"} 1`,
      );
  });
});
