import { HealthIndicatorService } from '@nestjs/terminus';
import type { Kafka } from 'kafkajs';
import { KafkaHealthIndicator } from './kafka.health';

function aKafka(describe: () => Promise<{ brokers: unknown[]; controller: number }>) {
  const admins = { created: 0, connects: 0, disconnects: 0 };
  const kafka = {
    admin: () => {
      admins.created++;
      return {
        connect: () => {
          admins.connects++;
          return Promise.resolve();
        },
        describeCluster: describe,
        disconnect: () => {
          admins.disconnects++;
          return Promise.resolve();
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, admins };
}

const UP = () =>
  Promise.resolve({ brokers: [{ nodeId: 1, host: '10.0.0.7', port: 9092 }], controller: 1 });

describe(KafkaHealthIndicator.name, () => {
  it('keeps one connected admin client across checks', async () => {
    const { kafka, admins } = aKafka(UP);
    const sut = new KafkaHealthIndicator(kafka, new HealthIndicatorService());

    for (let i = 0; i < 5; i++)
      expect(await sut.check()).toEqual({ kafka: { status: 'up', brokers: 1, controller: 1 } });

    expect(admins).toEqual({ created: 1, connects: 1, disconnects: 0 });
    await sut.onApplicationShutdown();
    expect(admins.disconnects).toBe(1);
  });

  it('is down without naming an address, and replaces the admin client after a failure', async () => {
    let fail = true;
    const { kafka, admins } = aKafka(async () => {
      if (fail) throw new Error('Connection error: connect ECONNREFUSED 10.0.0.7:9092');
      return UP();
    });
    const sut = new KafkaHealthIndicator(kafka, new HealthIndicatorService());

    const down = await sut.check();
    fail = false;
    const up = await sut.check();

    expect(down).toEqual({ kafka: { status: 'down', message: 'not reachable' } });
    expect(up.kafka.status).toBe('up');
    expect(admins).toEqual({ created: 2, connects: 2, disconnects: 1 });
  });

  it('is down when the cluster does not answer in time', async () => {
    const { kafka } = aKafka(() => new Promise(() => undefined));

    expect(
      await new KafkaHealthIndicator(kafka, new HealthIndicatorService()).check('kafka', 20),
    ).toEqual({ kafka: { status: 'down', message: 'no answer within 20 ms' } });
  });
});
