import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Registry,
} from 'prom-client';
import { ClusterMetrics, isClusterInstance } from './cluster-metrics';

/** every series of every app starts with it, the process and Node.js ones included (README: Metrics) */
export const METRIC_PREFIX = 'fleet_';

/** seconds, for request, publish and database-write latencies: 0.5 ms to 10 s */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

type Named<C> = Omit<C, 'name' | 'registers'>;

/**
 * The app's one prom-client Registry, served at GET /metrics. Whatever counts something asks it for
 * a metric (the name gets METRIC_PREFIX) and keeps that metric, or its label children, to update:
 * nothing on a hot path looks a metric up by name.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
  private defaults = false;
  /** set in an instance of an app run as several: /metrics then answers for all of them */
  private readonly cluster = isClusterInstance() ? new ClusterMetrics(this.registry) : undefined;

  /** the counter of that name, made on first use: two parts of an app may count into one series */
  counter<L extends string = string>(
    name: string,
    config: Named<CounterConfiguration<L>>,
  ): Counter<L> {
    return (this.existing(name) ??
      new Counter<L>({
        ...config,
        name: METRIC_PREFIX + name,
        registers: [this.registry],
      })) as Counter<L>;
  }

  gauge<L extends string = string>(name: string, config: Named<GaugeConfiguration<L>>): Gauge<L> {
    return (this.existing(name) ??
      new Gauge<L>({
        ...config,
        name: METRIC_PREFIX + name,
        registers: [this.registry],
      })) as Gauge<L>;
  }

  histogram<L extends string = string>(
    name: string,
    config: Named<HistogramConfiguration<L>>,
  ): Histogram<L> {
    return (this.existing(name) ??
      new Histogram<L>({
        ...config,
        name: METRIC_PREFIX + name,
        registers: [this.registry],
      })) as Histogram<L>;
  }

  private existing(name: string): unknown {
    return this.registry.getSingleMetric(METRIC_PREFIX + name);
  }

  /** prom-client's process and Node.js series (CPU, memory, handles, event-loop lag, GC), once */
  collectProcessMetrics(): void {
    if (this.defaults) return;
    this.defaults = true;
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** the Prometheus text exposition of every series (of every instance, summed, when several run) */
  render(): Promise<string> {
    return this.cluster ? this.cluster.render() : this.registry.metrics();
  }
}
