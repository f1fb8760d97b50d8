import { loadConfig } from '@app/config';
import { ClientLimiter } from './client.limiter';

const limiter = (env: Record<string, string> = {}): ClientLimiter =>
  new ClientLimiter(loadConfig('gateway', env));

describe(ClientLimiter.name, () => {
  it('admits a client within its request rate and refuses the rest with when to come back', () => {
    const sut = limiter({ CLIENT_RATE_LIMIT: '2', CLIENT_RATE_BURST: '2' });
    expect(sut.admit('a', false, 0)).toBeUndefined();
    expect(sut.admit('a', false, 0)).toBeUndefined();
    expect(sut.admit('a', false, 0)).toEqual({
      status: 429,
      reason: 'client-rate',
      retryAfterSeconds: 1,
    });
    // another address has its own bucket
    expect(sut.admit('b', false, 0)).toBeUndefined();
    expect(sut.admit('a', false, 500)).toBeUndefined();
  });

  it('refuses a client unread once its rejected requests exceed their rate, and shuts it until Retry-After', () => {
    const sut = limiter({ CLIENT_REJECTED_LIMIT: '1', CLIENT_REJECTED_BURST: '3' });
    for (let i = 0; i < 3; i++) {
      expect(sut.admit('a', true, 0)).toBeUndefined();
      sut.release('a');
      sut.rejected('a', 0);
    }
    expect(sut.admit('a', true, 0)).toEqual({
      status: 429,
      reason: 'client-rejected',
      retryAfterSeconds: 1,
    });
    expect(sut.isShut('a', 999)).toBe(true);
    expect(sut.isShut('a', 1000)).toBe(false);
    expect(sut.isShut('b', 0)).toBe(false);
    expect(sut.admit('a', true, 1000)).toBeUndefined();
  });

  it('never limits rejections when CLIENT_REJECTED_LIMIT is 0', () => {
    const sut = limiter({ CLIENT_REJECTED_LIMIT: '0' });
    for (let i = 0; i < 1000; i++) sut.rejected('a', 0);
    expect(sut.admit('a', false, 0)).toBeUndefined();
  });

  it('caps the bodies one client and all clients receive at once, and frees a slot on release', () => {
    const sut = limiter({
      CLIENT_MAX_BODY_READS: '2',
      MAX_BODY_READS: '3',
      RETRY_AFTER_SECONDS: '7',
    });
    expect(sut.admit('a', true, 0)).toBeUndefined();
    expect(sut.admit('a', true, 0)).toBeUndefined();
    expect(sut.admit('a', true, 0)).toEqual({
      status: 429,
      reason: 'client-body-reads',
      retryAfterSeconds: 1,
    });
    // requests without a body are not body reads
    expect(sut.admit('a', false, 0)).toBeUndefined();
    expect(sut.admit('b', true, 0)).toBeUndefined();
    expect(sut.admit('c', true, 0)).toEqual({ status: 503, reason: 'busy', retryAfterSeconds: 7 });
    expect(sut.activeBodyReads).toBe(3);
    sut.release('a');
    expect(sut.admit('c', true, 0)).toBeUndefined();
    expect(sut.admit('a', true, 0)).toEqual({ status: 503, reason: 'busy', retryAfterSeconds: 7 });
  });

  it('keeps admitting a sender verified within the last ten minutes when strangers fill the shared cap', () => {
    const sut = limiter({ CLIENT_MAX_BODY_READS: '2', MAX_BODY_READS: '3' });
    sut.verified('sender', 0);
    for (const stranger of ['s1', 's2', 's3'])
      expect(sut.admit(stranger, true, 1000)).toBeUndefined();
    expect(sut.admit('s4', true, 1000)).toMatchObject({ status: 503, reason: 'busy' });
    expect(sut.admit('sender', true, 1000)).toBeUndefined();
    // its own cap still holds
    expect(sut.admit('sender', true, 1000)).toBeUndefined();
    expect(sut.admit('sender', true, 1000)).toMatchObject({
      status: 429,
      reason: 'client-body-reads',
    });
    sut.release('sender');
    sut.release('sender');
    expect(sut.admit('sender', true, 600_000)).toMatchObject({ status: 503, reason: 'busy' });
    // a verified sender is remembered while idle, a stranger is not
    sut.sweep(120_000);
    expect(sut.knownClients).toBe(4);
  });

  it('forgets idle clients but not one with a body in progress', () => {
    const sut = limiter();
    sut.admit('idle', false, 0);
    sut.admit('reading', true, 0);
    sut.sweep(60_000);
    expect(sut.knownClients).toBe(1);
    sut.release('reading');
    sut.sweep(60_000);
    expect(sut.knownClients).toBe(0);
  });
});
