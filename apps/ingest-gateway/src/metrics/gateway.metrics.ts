import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import type { OutgoingMessage } from '@app/kafka/messages';
import {
  byLabel,
  byLabels,
  DeadLetterMetrics,
  LATENCY_BUCKETS,
  MetricsRegistry,
} from '@app/metrics';
import type { Counter, Histogram } from 'prom-client';
import { produceRequestsEncoded } from '../publishing/produce-encoding.counter';

/** the source label of a request whose sender was not verified (unknown source, bad signature) */
export const UNVERIFIED = '-';

/**
 * The gateway's series (README: Metrics), on the app's MetricsRegistry. Label children are made
 * once per source (and status) and kept: a request costs map look-ups and increments.
 */
@Injectable()
export class GatewayMetrics {
  private readonly verificationFailures: (source: string, status: number) => Counter.Internal;
  private readonly requestsAccepted: (source: string) => Counter.Internal;
  private readonly recordsPublished: (source: string) => Counter.Internal;
  private readonly recordsDeadLettered: (source: string) => Counter.Internal;
  private readonly rateLimitedTotal: (source: string) => Counter.Internal;
  private readonly edgeRejections: (reason: string) => Counter.Internal;
  private readonly publishUnavailable: (source: string) => Counter.Internal;
  private readonly publishRefused: (source: string) => Counter.Internal;
  private readonly overReadingLimitTotal: (source: string) => Counter.Internal;
  private readonly replays: (source: string) => Counter.Internal;
  private readonly requestDuration: (source: string, status: number) => Histogram.Internal<string>;
  private readonly publishDuration: Histogram;
  private readonly publishBatchRecords: Histogram;
  private readonly deadLetters: DeadLetterMetrics;

  constructor(private readonly metrics: MetricsRegistry = new MetricsRegistry()) {
    const counter = (name: string, help: string, label: string) => {
      const metric = metrics.counter(name, { help, labelNames: [label] });
      return byLabel((value) => metric.labels(value));
    };
    const failures = metrics.counter('gateway_verification_failures_total', {
      help: 'Webhook requests rejected by signature verification, by the status answered',
      labelNames: ['source', 'status'],
    });
    this.verificationFailures = byLabels((source, status) => failures.labels(source, status));
    this.requestsAccepted = counter(
      'gateway_requests_accepted_total',
      'Verified webhook requests whose records (or dead letters) Kafka acknowledged',
      'source',
    );
    this.recordsPublished = counter(
      'gateway_records_published_total',
      'Normalized records acknowledged by Kafka',
      'source',
    );
    this.recordsDeadLettered = counter(
      'gateway_records_dead_lettered_total',
      'Readings of accepted requests sent to the dead-letter topic',
      'source',
    );
    this.rateLimitedTotal = counter(
      'gateway_rate_limited_total',
      'Verified requests answered 429 because their source exceeded its rate',
      'source',
    );
    this.edgeRejections = counter(
      'gateway_edge_rejections_total',
      'Requests refused at the edge before verification (client limits, slow bodies, timeouts, bad HTTP)',
      'reason',
    );
    this.publishUnavailable = counter(
      'gateway_publish_unavailable_total',
      'Requests answered 503 because Kafka did not acknowledge in time',
      'source',
    );
    this.publishRefused = counter(
      'gateway_publish_refused_total',
      'Requests whose records Kafka refused (too large, invalid): dead-lettered, never a 503',
      'source',
    );
    this.overReadingLimitTotal = counter(
      'gateway_over_reading_limit_total',
      'Requests holding more readings than MAX_READINGS_PER_REQUEST (413, or the excess dead-lettered)',
      'source',
    );
    this.replays = counter(
      'gateway_replays_total',
      'Signed requests seen again within REPLAY_WINDOW_SECONDS, answered with the first answer',
      'source',
    );
    // kept by the encoder itself (a plain count: kafkajs calls it outside the app's reach), read at scrape
    metrics.counter('gateway_produce_requests_encoded_total', {
      help: 'Kafka produce requests encoded, by encoder: gateway (record-batch.encoder.ts) or kafkajs (compressed; handed back). Both 0 after requests were produced: kafkajs encodes everything itself (see the start-up warning)',
      labelNames: ['encoder'],
      collect() {
        this.reset();
        this.inc({ encoder: 'gateway' }, produceRequestsEncoded.gateway);
        this.inc({ encoder: 'kafkajs' }, produceRequestsEncoded.kafkajs);
      },
    });
    const requests = metrics.histogram('gateway_request_duration_seconds', {
      help: `Webhook requests from routing to the answer, by source (${UNVERIFIED}: not verified) and status`,
      labelNames: ['source', 'status'],
      buckets: LATENCY_BUCKETS,
    });
    this.requestDuration = byLabels((source, status) => requests.labels(source, status));
    this.publishDuration = metrics.histogram('gateway_publish_duration_seconds', {
      help: 'Produce requests from sending to the acknowledgement of every replica (acks=all), failed ones included',
      buckets: LATENCY_BUCKETS,
    });
    this.publishBatchRecords = metrics.histogram('gateway_publish_batch_records', {
      help: 'Messages (records, raw bodies, dead letters) in one produce request, several webhook requests together',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000],
    });
    this.deadLetters = new DeadLetterMetrics(metrics);
  }

  verificationFailed(source: string, status: number): void {
    this.verificationFailures(source, status).inc();
  }

  accepted(source: string, records: number, deadLettered: number): void {
    this.requestsAccepted(source).inc();
    if (records > 0) this.recordsPublished(source).inc(records);
    if (deadLettered > 0) this.recordsDeadLettered(source).inc(deadLettered);
  }

  rateLimited(source: string): void {
    this.rateLimitedTotal(source).inc();
  }

  edgeRejected(reason: string): void {
    this.edgeRejections(reason).inc();
  }

  unavailable(source: string): void {
    this.publishUnavailable(source).inc();
  }

  refused(source: string): void {
    this.publishRefused(source).inc();
  }

  overReadingLimit(source: string): void {
    this.overReadingLimitTotal(source).inc();
  }

  replayed(source: string): void {
    this.replays(source).inc();
  }

  /** a webhook request answered; `source` only once verified (else UNVERIFIED, keeping the labels bounded) */
  requestDone(source: string, status: number, startedAt: number): void {
    this.requestDuration(source, status).observe((performance.now() - startedAt) / 1000);
  }

  /** one produce request answered (acknowledged when `acknowledged`); its dead letters are counted once acknowledged */
  produced(
    messages: readonly { messages: readonly OutgoingMessage[] }[],
    count: number,
    startedAt: number,
    acknowledged: boolean,
  ): void {
    this.publishDuration.observe((performance.now() - startedAt) / 1000);
    this.publishBatchRecords.observe(count);
    if (!acknowledged) return;
    for (const pending of messages)
      for (const m of pending.messages)
        if (m.topic === TOPICS.deadLetter && m.deadLetterReasons !== undefined)
          this.deadLetters.add(
            'ingest',
            headerText(m.message.headers?.source),
            m.deadLetterReasons,
          );
  }

  /** the text of the app's whole registry (tests; the app serves it at GET /metrics) */
  render(): Promise<string> {
    return this.metrics.render();
  }
}

function headerText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  return Buffer.isBuffer(value) ? value.toString() : null;
}
