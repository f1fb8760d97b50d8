import { reasonClass } from '@app/contracts';
import type { Counter } from 'prom-client';
import { MetricsRegistry } from './metrics.registry';

export type DeadLetterStage = 'ingest' | 'consume';

// a dead letter's source comes from the message at the consume stage: past this many, `other`
const MAX_SOURCES = 64;

/**
 * fleet_dead_letters_total{stage, source, reason_class}: every dead letter Kafka acknowledged, in
 * whichever app wrote it (the gateway: ingest; the consumers: consume).
 */
export class DeadLetterMetrics {
  private readonly total: Counter<'stage' | 'source' | 'reason_class'>;
  private readonly children = new Map<string, Counter.Internal>();
  private readonly sources = new Set<string>();

  constructor(metrics: MetricsRegistry) {
    this.total = metrics.counter('dead_letters_total', {
      help: 'Dead letters acknowledged by Kafka, by stage (ingest: the gateway, consume: a consumer), source and reason class (@app/contracts reasonClass)',
      labelNames: ['stage', 'source', 'reason_class'],
    });
  }

  add(stage: DeadLetterStage, source: string | null, reasons: readonly string[]): void {
    let name = source ?? '';
    if (!this.sources.has(name)) {
      if (this.sources.size >= MAX_SOURCES) name = 'other';
      else this.sources.add(name);
    }
    const reason = reasonClass(reasons);
    const key = `${stage} ${name} ${reason}`;
    let child = this.children.get(key);
    if (child === undefined)
      this.children.set(key, (child = this.total.labels(stage, name, reason)));
    child.inc();
  }
}
