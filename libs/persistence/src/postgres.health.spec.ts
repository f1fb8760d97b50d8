import { HealthIndicatorService } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { PostgresHealthIndicator } from './postgres.health';

const aSut = (query: () => Promise<unknown>) =>
  new PostgresHealthIndicator({ query } as unknown as DataSource, new HealthIndicatorService());

describe(PostgresHealthIndicator.name, () => {
  it('is up when SELECT 1 answers', async () => {
    expect(await aSut(() => Promise.resolve([{ '?column?': 1 }])).check()).toEqual({
      postgres: { status: 'up' },
    });
  });

  it('is down without the database address or the driver text', async () => {
    const down = await aSut(async () =>
      Promise.reject(new Error('connect ECONNREFUSED 10.0.0.8:5432')),
    ).check();

    expect(down).toEqual({ postgres: { status: 'down', message: 'not reachable' } });
  });

  it('is down when the database does not answer in time', async () => {
    expect(await aSut(() => new Promise(() => undefined)).check('postgres', 20)).toEqual({
      postgres: { status: 'down', message: 'no answer within 20 ms' },
    });
  });
});
