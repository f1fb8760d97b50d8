import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, Registry } from 'prom-client';

const REQUEST = 'fleet-metrics-request';
const ANSWER = 'fleet-metrics-answer';
const ANSWER_TIMEOUT_MS = 10_000;

interface Answer {
  type: typeof ANSWER;
  id: string;
  text?: string;
  error?: string;
}

/** an instance of an app run with more than one (libs/platform runInstances) */
export function isClusterInstance(): boolean {
  return cluster.isWorker;
}

/**
 * In the primary of an app run as several instances: an instance asked for its /metrics gets the
 * series of every instance, summed (prom-client's AggregatorRegistry: counters and histograms
 * added; gauges added too unless they say otherwise, the process series as prom-client defines).
 */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: string }) => {
    if (message?.type !== REQUEST || typeof message.id !== 'string') return;
    const id = message.id;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id, text } satisfies Answer),
      (error: Error) => worker.send({ type: ANSWER, id, error: error.message } satisfies Answer),
    );
  });
}

/** in an instance: its registry answers the primary's collection, and this asks for the sum */
export class ClusterMetrics {
  private readonly waiting = new Map<
    string,
    { resolve: (text: string) => void; reject: (error: Error) => void }
  >();

  constructor(registry: Registry) {
    // prom-client answers the primary's collection only once an AggregatorRegistry was made here
    new AggregatorRegistry();
    AggregatorRegistry.setRegistries([registry]);
    process.on('message', (message: Partial<Answer>) => {
      if (message?.type !== ANSWER || !message.id) return;
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.text !== undefined) waiter.resolve(message.text);
      else waiter.reject(new Error(`metrics of the instances: ${message.error ?? 'no answer'}`));
    });
  }

  /** every instance's series, summed by the primary */
  render(): Promise<string> {
    const id = randomUUID();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new Error(
            `the primary did not gather the instances' metrics within ${ANSWER_TIMEOUT_MS} ms`,
          ),
        );
      }, ANSWER_TIMEOUT_MS);
      this.waiting.set(id, {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      process.send?.({ type: REQUEST, id });
    });
  }
}
