import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { DeadLetterV1 } from '@app/contracts';
import { DeadLetterMetrics, LATENCY_BUCKETS, MetricsRegistry } from '@app/metrics';
import type { Counter, Histogram } from 'prom-client';
import type { SinkStatus } from './record.sink';
import { SINK_OPTIONS, SinkOptions } from './sink.options';

/**
 * A consumer's series (README: Metrics): rows written, database write latency, dead letters, and,
 * read from the sink's status at scrape time, the lag per partition and the retries.
 */
@Injectable()
export class SinkMetrics {
  private readonly rowsNew: Counter.Internal;
  private readonly rowsDuplicate: Counter.Internal;
  private readonly writes: Record<'ok' | 'rejected' | 'failed', Histogram.Internal<string>>;
  private readonly deadLetters: DeadLetterMetrics;
  private status?: () => SinkStatus;

  constructor(
    @Inject(SINK_OPTIONS) options: Pick<SinkOptions, 'topic'>,
    @Optional() metrics: MetricsRegistry = new MetricsRegistry(),
  ) {
    const { topic } = options;
    const rows = metrics.counter('sink_rows_written_total', {
      help: 'Records written to the table: new rows, or duplicates of stored ones (redelivery, sender retries) that added none',
      labelNames: ['topic', 'outcome'],
    });
    this.rowsNew = rows.labels(topic, 'new');
    this.rowsDuplicate = rows.labels(topic, 'duplicate');
    const writes = metrics.histogram('sink_write_duration_seconds', {
      help: 'Statements writing a chunk of records to PostgreSQL, by outcome: ok, rejected (a row PostgreSQL refuses: the chunk is halved), failed (PostgreSQL away: retried)',
      labelNames: ['topic', 'outcome'],
      buckets: LATENCY_BUCKETS,
    });
    this.writes = {
      ok: writes.labels(topic, 'ok'),
      rejected: writes.labels(topic, 'rejected'),
      failed: writes.labels(topic, 'failed'),
    };
    this.deadLetters = new DeadLetterMetrics(metrics);
    const status = (): SinkStatus | undefined => this.status?.();
    metrics.gauge('sink_consumer_lag', {
      help: "Messages behind the partition's end, as of the partition's last committed chunk; partitions this member holds",
      labelNames: ['topic', 'partition'],
      collect() {
        this.reset();
        for (const [partition, lag] of Object.entries(status()?.lag ?? {}))
          this.labels(topic, partition).set(lag);
      },
    });
    metrics.counter('sink_retries_total', {
      help: 'Attempts that failed because PostgreSQL or Kafka was away (the chunk waits and is tried again)',
      labelNames: ['topic'],
      collect() {
        this.reset();
        this.labels(topic).inc(status()?.retries ?? 0);
      },
    });
  }

  /** the sink whose lag and retries are read at scrape time */
  watch(status: () => SinkStatus): void {
    this.status = status;
  }

  /** a write statement's promise, timed by how it settles */
  timed<T>(write: Promise<T>, rejected: (error: unknown) => boolean): Promise<T> {
    const startedAt = performance.now();
    const seconds = () => (performance.now() - startedAt) / 1000;
    return write.then(
      (value) => {
        this.writes.ok.observe(seconds());
        return value;
      },
      (error: unknown) => {
        this.writes[rejected(error) ? 'rejected' : 'failed'].observe(seconds());
        throw error;
      },
    );
  }

  /** a chunk stored and its dead letters acknowledged */
  stored(inserted: number, duplicates: number, letters: readonly DeadLetterV1[]): void {
    if (inserted > 0) this.rowsNew.inc(inserted);
    if (duplicates > 0) this.rowsDuplicate.inc(duplicates);
    for (const letter of letters) this.deadLetters.add('consume', letter.source, letter.reasons);
  }
}
