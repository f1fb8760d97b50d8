import { Backoff, startWhenReachable } from './backoff';

describe(startWhenReachable.name, () => {
  it('tries again after each failure, waiting as the backoff says, and says why', async () => {
    let attempts = 0;
    const slept: number[] = [];
    const warned: string[] = [];
    await startWhenReachable(
      () => (++attempts < 3 ? Promise.reject(new Error('no broker')) : Promise.resolve()),
      {
        what: 'topic: waiting for Kafka',
        backoff: new Backoff(250, 400),
        stopping: () => false,
        sleep: (ms) => {
          slept.push(ms);
          return Promise.resolve();
        },
        warn: (line) => void warned.push(line),
      },
    );
    expect(attempts).toBe(3);
    expect(slept).toEqual([250, 400]);
    expect(warned).toEqual([
      'topic: waiting for Kafka (no broker); retry in 250 ms',
      'topic: waiting for Kafka (no broker); retry in 400 ms',
    ]);
  });

  it('gives up once stopping, without starting', async () => {
    let attempts = 0;
    let stopping = false;
    await startWhenReachable(
      () => {
        attempts++;
        stopping = true;
        return Promise.reject(new Error('no broker'));
      },
      {
        what: 'topic',
        backoff: new Backoff(),
        stopping: () => stopping,
        sleep: () => Promise.resolve(),
        warn: () => undefined,
      },
    );
    expect(attempts).toBe(1);
  });
});
