import { AppConfig } from '@app/config';
import { IngestResult } from './ingest-result.dto';
import { WebhookIdempotencyCache } from './webhook-idempotency.cache';

const result: IngestResult = { status: 'success', accepted: 1, deadLettered: 0 };
const buildSut = (windowSeconds = 600, maxEntries?: number) =>
  new WebhookIdempotencyCache(
    { gateway: { replayWindowSeconds: windowSeconds } } as AppConfig,
    maxEntries,
  );
const body = Buffer.from('{"9BWZZZ377VT004251":[{"date_time":"2025-03-01 10:00:00"}]}');

describe(WebhookIdempotencyCache.name, () => {
  it('runs the work once per key and returns the first answer to repeats', async () => {
    const sut = buildSut();
    const work = jest.fn(() => Promise.resolve(result));
    await sut.run('acme:msg_1', work, 0);
    await expect(sut.run('acme:msg_1', work, 1000)).resolves.toBe(result);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('shares one run between concurrent repeats', async () => {
    const sut = buildSut();
    let finish!: (r: IngestResult) => void;
    const work = jest.fn(() => new Promise<IngestResult>((r) => (finish = r)));
    const a = sut.run('k', work, 0);
    expect(sut.replayed('k', 0)).toBe(a);
    const b = sut.run('k', work, 0);
    finish(result);
    await expect(Promise.all([a, b])).resolves.toEqual([result, result]);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('forgets a failed run so the sender’s retry is processed', async () => {
    const sut = buildSut();
    await expect(sut.run('k', () => Promise.reject(new Error('kafka down')), 0)).rejects.toThrow(
      'kafka down',
    );
    expect(sut.replayed('k', 1)).toBeUndefined();
    await expect(sut.run('k', () => Promise.resolve(result), 1)).resolves.toBe(result);
  });

  it('runs again once the window has passed', async () => {
    const sut = buildSut(20);
    const work = jest.fn(() => Promise.resolve(result));
    await sut.run('k', work, 0);
    await sut.run('k', work, 19_999);
    expect(sut.replayed('k', 20_000)).toBeUndefined();
    await sut.run('k', work, 20_000);
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('keeps nothing with a window of 0', async () => {
    const sut = buildSut(0);
    const work = jest.fn(() => Promise.resolve(result));
    await sut.run('k', work, 0);
    await sut.run('k', work, 0);
    expect(work).toHaveBeenCalledTimes(2);
    expect(sut.size).toBe(0);
  });

  it('holds at most maxEntries: when full the oldest go first, and their repeats run again', async () => {
    const sut = buildSut(600, 3);
    const work = jest.fn(() => Promise.resolve(result));
    for (const key of ['a', 'b', 'c', 'd', 'e']) await sut.run(key, work, 0);
    expect(sut.size).toBe(3);
    expect(['a', 'b', 'c', 'd', 'e'].map((k) => sut.replayed(k, 1) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ]);
    await sut.run('a', work, 1);
    expect(work).toHaveBeenCalledTimes(6);
    expect(sut.size).toBe(3);
  });

  describe('keyOf', () => {
    const sut = buildSut();

    it('uses the scheme’s id where there is one, whatever the body', () => {
      expect(sut.keyOf('acme', 'msg_1', body)).toBe(
        sut.keyOf('acme', 'msg_1', Buffer.from('other')),
      );
      expect(sut.keyOf('acme', 'msg_1', body)).not.toBe(sut.keyOf('acme', 'msg_2', body));
    });

    it('hashes the exact bytes where the scheme has no id', () => {
      expect(sut.keyOf('mobway', undefined, body)).toBe(
        sut.keyOf('mobway', undefined, Buffer.from(body)),
      );
      expect(sut.keyOf('mobway', undefined, body)).not.toBe(
        sut.keyOf('mobway', undefined, Buffer.concat([body, Buffer.from(' ')])),
      );
    });

    it('keeps sources and kinds of key apart', () => {
      expect(sut.keyOf('mobway', undefined, body)).not.toBe(sut.keyOf('octo', undefined, body));
      const hash = sut.keyOf('acme', undefined, body).split('\n')[2];
      expect(sut.keyOf('acme', hash, body)).not.toBe(sut.keyOf('acme', undefined, body));
    });
  });
});
