import { Injectable } from '@nestjs/common';
import { produceRequestsEncoded } from '../publishing/produce-encoding.counter';

type Labels = Record<string, string | number>;

function labelKey(labels: Labels): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, '_')}"`)
    .join(',')}}`;
}

/** counters in the Prometheus text format, served at GET /metrics */
@Injectable()
export class GatewayMetrics {
  private readonly sourceKeys = new Map<string, string>();
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>([
    [
      'gateway_verification_failures_total',
      { help: 'Webhook requests rejected by signature verification', values: new Map() },
    ],
    [
      'gateway_requests_accepted_total',
      {
        help: 'Verified webhook requests whose records (or dead letters) Kafka acknowledged',
        values: new Map(),
      },
    ],
    [
      'gateway_records_published_total',
      { help: 'Normalized records acknowledged by Kafka', values: new Map() },
    ],
    [
      'gateway_records_dead_lettered_total',
      { help: 'Readings sent to the dead-letter topic', values: new Map() },
    ],
    [
      'gateway_rate_limited_total',
      {
        help: 'Verified requests answered 429 because their source exceeded its rate',
        values: new Map(),
      },
    ],
    [
      'gateway_edge_rejections_total',
      {
        help: 'Requests refused at the edge before verification (client limits, slow bodies, timeouts, bad HTTP)',
        values: new Map(),
      },
    ],
    [
      'gateway_publish_unavailable_total',
      {
        help: 'Requests answered 503 because Kafka did not acknowledge in time',
        values: new Map(),
      },
    ],
    [
      'gateway_publish_refused_total',
      {
        help: 'Requests whose records Kafka refused (too large, invalid): dead-lettered, never a 503',
        values: new Map(),
      },
    ],
    [
      'gateway_over_reading_limit_total',
      {
        help: 'Requests holding more readings than MAX_READINGS_PER_REQUEST (413, or the excess dead-lettered)',
        values: new Map(),
      },
    ],
    [
      'gateway_replays_total',
      {
        help: 'Signed requests seen again within REPLAY_WINDOW_SECONDS, answered with the first answer',
        values: new Map(),
      },
    ],
  ]);

  verificationFailed(source: string, status: number): void {
    this.add('gateway_verification_failures_total', { source, status });
  }

  accepted(source: string, records: number, deadLettered: number): void {
    // once per accepted request: the label is built once per source
    let key = this.sourceKeys.get(source);
    if (key === undefined) this.sourceKeys.set(source, (key = labelKey({ source })));
    this.addByKey('gateway_requests_accepted_total', key, 1);
    this.addByKey('gateway_records_published_total', key, records);
    this.addByKey('gateway_records_dead_lettered_total', key, deadLettered);
  }

  rateLimited(source: string): void {
    this.add('gateway_rate_limited_total', { source });
  }

  edgeRejected(reason: string): void {
    this.add('gateway_edge_rejections_total', { reason });
  }

  unavailable(source: string): void {
    this.add('gateway_publish_unavailable_total', { source });
  }

  refused(source: string): void {
    this.add('gateway_publish_refused_total', { source });
  }

  overReadingLimit(source: string): void {
    this.add('gateway_over_reading_limit_total', { source });
  }

  replayed(source: string): void {
    this.add('gateway_replays_total', { source });
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, { help, values }] of this.counters) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of values) lines.push(`${name}${labels} ${value}`);
    }
    // kept by the encoder itself, which kafkajs calls outside the app's reach
    lines.push(
      '# HELP gateway_produce_requests_encoded_total Kafka produce requests encoded, by encoder: gateway (record-batch.encoder.ts) or kafkajs (compressed; handed back). Both 0 after requests were produced: kafkajs encodes everything itself (see the start-up warning)',
      '# TYPE gateway_produce_requests_encoded_total counter',
      `gateway_produce_requests_encoded_total{encoder="gateway"} ${produceRequestsEncoded.gateway}`,
      `gateway_produce_requests_encoded_total{encoder="kafkajs"} ${produceRequestsEncoded.kafkajs}`,
    );
    return `${lines.join('\n')}\n`;
  }

  private add(name: string, labels: Labels, by = 1): void {
    this.addByKey(name, labelKey(labels), by);
  }

  private addByKey(name: string, key: string, by: number): void {
    const values = this.counters.get(name)!.values;
    values.set(key, (values.get(key) ?? 0) + by);
  }
}
