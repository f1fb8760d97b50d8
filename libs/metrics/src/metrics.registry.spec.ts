import { DeadLetterMetrics } from './dead-letter.metrics';
import { METRIC_PREFIX, MetricsRegistry } from './metrics.registry';

describe(MetricsRegistry.name, () => {
  it('prefixes every series, and hands out the one metric of a name to whoever asks', async () => {
    const sut = new MetricsRegistry();
    const first = sut.counter('things_total', { help: 'things', labelNames: ['kind'] });
    const again = sut.counter('things_total', { help: 'things', labelNames: ['kind'] });
    first.labels('a').inc(2);
    again.labels('a').inc();

    expect(again).toBe(first);
    expect(await sut.render()).toContain(`${METRIC_PREFIX}things_total{kind="a"} 3`);
    expect(sut.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('adds the process and Node.js series once, prefixed like the rest', async () => {
    const sut = new MetricsRegistry();
    sut.collectProcessMetrics();
    sut.collectProcessMetrics();

    const text = await sut.render();
    expect(text).toContain(`# TYPE ${METRIC_PREFIX}process_cpu_seconds_total counter`);
    expect(text).toContain(`# TYPE ${METRIC_PREFIX}nodejs_eventloop_lag_seconds gauge`);
    expect(text).toContain(`${METRIC_PREFIX}process_resident_memory_bytes`);
    expect(text.match(/^# TYPE \S+process_cpu_seconds_total/gm)).toHaveLength(1);
  });

  it('keeps each registry to itself: two apps in one test process count apart', async () => {
    const a = new MetricsRegistry();
    const b = new MetricsRegistry();
    a.counter('things_total', { help: 'things' }).inc();

    expect(await b.render()).not.toContain('things_total');
  });
});

describe(DeadLetterMetrics.name, () => {
  it('counts by stage, source and reason class, never by the reason text', async () => {
    const registry = new MetricsRegistry();
    const sut = new DeadLetterMetrics(registry);
    sut.add('ingest', 'mobway', ['latitude must not be greater than 90']);
    sut.add('ingest', 'mobway', ['latitude must not be less than -90']);
    sut.add('consume', null, ['message is not valid JSON: Unexpected token']);

    const text = await registry.render();
    expect(text).toContain(
      'fleet_dead_letters_total{stage="ingest",source="mobway",reason_class="out_of_range"} 2',
    );
    expect(text).toContain(
      'fleet_dead_letters_total{stage="consume",source="",reason_class="malformed"} 1',
    );
    expect(text).not.toContain('latitude');
  });

  it('bounds the sources a consumer may see in messages', async () => {
    const registry = new MetricsRegistry();
    const sut = new DeadLetterMetrics(registry);
    for (let i = 0; i < 100; i++) sut.add('consume', `source-${i}`, ['message has no value']);

    const series = (await registry.render())
      .split('\n')
      .filter((line) => line.startsWith('fleet_dead_letters_total{'));
    expect(series).toHaveLength(65);
    expect(series).toContain(
      'fleet_dead_letters_total{stage="consume",source="other",reason_class="malformed"} 36',
    );
  });
});
