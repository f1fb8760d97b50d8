import { Backoff } from './backoff';

describe(Backoff.name, () => {
  it('doubles from the initial delay up to the cap', () => {
    const sut = new Backoff(250, 10_000);

    const delays = Array.from({ length: 8 }, () => sut.delay());

    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});
