import { HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import type { KafkaHealthIndicator } from '@app/kafka';
import { HEALTH_TTL_MS, HealthController } from './health.controller';

function aSut() {
  let checks = 0;
  let answer: (result: HealthCheckResult) => void = () => undefined;
  const health = {
    check: () => {
      checks++;
      return new Promise<HealthCheckResult>((resolve) => (answer = resolve));
    },
  } as unknown as HealthCheckService;
  const sut = new HealthController(health, {} as KafkaHealthIndicator);
  return { sut, checks: () => checks, answer: (result: HealthCheckResult) => answer(result) };
}

const OK: HealthCheckResult = { status: 'ok', info: {}, error: {}, details: {} };

describe(HealthController.name, () => {
  afterEach(() => jest.useRealTimers());

  it('answers a burst of probes with one check, and checks again once the answer is older than the TTL', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { sut, checks, answer } = aSut();

    const inFlight = [sut.check(), sut.check()];
    answer(OK);
    expect(await Promise.all(inFlight)).toEqual([OK, OK]);
    await Promise.resolve();
    jest.setSystemTime(1_000_000 + HEALTH_TTL_MS - 1);
    await sut.check();
    expect(checks()).toBe(1);

    jest.setSystemTime(1_000_000 + HEALTH_TTL_MS);
    void sut.check();
    expect(checks()).toBe(2);
  });
});
