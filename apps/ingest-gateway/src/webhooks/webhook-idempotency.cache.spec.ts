import { IngestResult } from './ingest-result.dto';
import { WebhookIdempotencyCache } from './webhook-idempotency.cache';

const result: IngestResult = { status: 'success', accepted: 1, deadLettered: 0 };

describe(WebhookIdempotencyCache.name, () => {
  it('runs the work once per key and returns the first answer to repeats', async () => {
    const sut = new WebhookIdempotencyCache();
    const work = jest.fn(async () => result);
    await sut.run('acme:msg_1', work, 0);
    await expect(sut.run('acme:msg_1', work, 1000)).resolves.toBe(result);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('shares one run between concurrent repeats', async () => {
    const sut = new WebhookIdempotencyCache();
    let finish!: (r: IngestResult) => void;
    const work = jest.fn(() => new Promise<IngestResult>((r) => (finish = r)));
    const a = sut.run('k', work, 0);
    const b = sut.run('k', work, 0);
    finish(result);
    await expect(Promise.all([a, b])).resolves.toEqual([result, result]);
    expect(work).toHaveBeenCalledTimes(1);
  });

  it('forgets a failed run so the sender’s retry is processed', async () => {
    const sut = new WebhookIdempotencyCache();
    await expect(sut.run('k', async () => Promise.reject(new Error('kafka down')), 0)).rejects.toThrow('kafka down');
    await expect(sut.run('k', async () => result, 1)).resolves.toBe(result);
  });

  it('runs again after the tolerance window, and always without a key', async () => {
    const sut = new WebhookIdempotencyCache();
    const work = jest.fn(async () => result);
    await sut.run('k', work, 0);
    await sut.run('k', work, 11 * 60 * 1000);
    await sut.run(undefined, work, 0);
    await sut.run(undefined, work, 0);
    expect(work).toHaveBeenCalledTimes(4);
  });
});
