import { AppConfig } from '@app/config';
import { SourceRateLimiter } from './source-rate.limiter';

const buildSut = (perSecond: number, burst: number) =>
  new SourceRateLimiter({ gateway: { rateLimit: { perSecond, burst } } } as AppConfig);

describe(SourceRateLimiter.name, () => {
  it('allows a burst, then refuses with a wait, then refills at the rate', () => {
    const sut = buildSut(2, 3);
    expect([sut.take('a', 0), sut.take('a', 0), sut.take('a', 0)]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    expect(sut.take('a', 0)).toBe(1);
    expect(sut.take('a', 500)).toBeUndefined();
    expect(sut.take('a', 500)).toBe(1);
  });

  it('keeps one source’s flood from touching another’s budget', () => {
    const sut = buildSut(1, 1);
    sut.take('flood', 0);
    expect(sut.take('flood', 0)).toBe(1);
    expect(sut.take('quiet', 0)).toBeUndefined();
  });

  it('is off at rate 0', () => {
    const sut = buildSut(0, 0);
    expect(Array.from({ length: 100 }, () => sut.take('a', 0)).every((w) => w === undefined)).toBe(
      true,
    );
  });
});
