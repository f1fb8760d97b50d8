import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Kafka } from 'kafkajs';

/** up when the cluster answers a metadata request within the timeout */
@Injectable()
export class KafkaHealthIndicator {
  constructor(
    private readonly kafka: Kafka,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key = 'kafka', timeoutMs = 2000): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    const admin = this.kafka.admin();
    let timer: NodeJS.Timeout | undefined;
    try {
      const cluster = await Promise.race([
        admin.connect().then(() => admin.describeCluster()),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      return session.up({ brokers: cluster.brokers.length, controller: cluster.controller });
    } catch (error) {
      return session.down({ message: (error as Error).message });
    } finally {
      clearTimeout(timer);
      void admin.disconnect().catch(() => undefined);
    }
  }
}
