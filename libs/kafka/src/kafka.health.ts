import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Admin, Kafka } from 'kafkajs';

/**
 * Up when the cluster answers a metadata request within the timeout. One admin client is kept
 * connected and reused (a load balancer polling /health opens no connection per call); after a
 * failure it is replaced. The answer names no broker address: the reason is logged instead.
 */
@Injectable()
export class KafkaHealthIndicator implements OnApplicationShutdown {
  private readonly logger = new Logger(KafkaHealthIndicator.name);
  private admin?: Admin;
  private connected?: Promise<void>;
  private wasDown = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key = 'kafka', timeoutMs = 2000): Promise<HealthIndicatorResult> {
    const session = this.indicator.check(key);
    const admin = (this.admin ??= this.kafka.admin());
    let timer: NodeJS.Timeout | undefined;
    try {
      const cluster = await Promise.race([
        this.connect(admin).then(() => admin.describeCluster()),
        new Promise<never>(
          (_, reject) =>
            (timer = setTimeout(() => reject(new HealthTimeout(timeoutMs)), timeoutMs)),
        ),
      ]);
      if (this.wasDown) this.logger.log('Kafka answers again');
      this.wasDown = false;
      return session.up({ brokers: cluster.brokers.length, controller: cluster.controller });
    } catch (error) {
      if (!this.wasDown) this.logger.warn(`Kafka health check failed: ${(error as Error).message}`);
      this.wasDown = true;
      this.drop(admin);
      return session.down({
        message: error instanceof HealthTimeout ? error.message : 'not reachable',
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private connect(admin: Admin): Promise<void> {
    this.connected ??= admin.connect();
    return this.connected;
  }

  private drop(admin: Admin): void {
    if (this.admin !== admin) return;
    this.admin = undefined;
    this.connected = undefined;
    void admin.disconnect().catch(() => undefined);
  }
}

class HealthTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}
