import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { octokit } from './testing/octokit-webhooks-methods';
import { sign, verify } from './verify';

const NUM_RUNS = 100;
// the reference libraries take text; graphemes are well-formed unicode, so utf-8 round-trips exactly
const payloadArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 });
const whsecArb = fc
  .uint8Array({ minLength: 1, maxLength: 64 })
  .map((key) => `whsec_${Buffer.from(key).toString('base64')}`);
const hmacSecretArb = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((s) => s.trim() === s && s.length > 0);
const idArb = fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/);

describe('interop with the standardwebhooks package', () => {
  it('accepts what the reference library signs', () => {
    fc.assert(
      fc.property(
        whsecArb,
        idArb,
        payloadArb,
        fc.integer({ min: 1_000_000_000, max: 4_000_000_000 }),
        (secret, id, payload, seconds) => {
          const timestamp = new Date(seconds * 1000);
          const headers = {
            'webhook-id': id,
            'webhook-timestamp': String(seconds),
            'webhook-signature': new Webhook(secret).sign(id, timestamp, payload),
          };
          const result = verify('standard-webhooks', [secret], {
            headers,
            rawBody: Buffer.from(payload),
            now: timestamp,
          });
          expect(result).toEqual({ ok: true, idempotencyKey: id });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('produces headers the reference library verifies', () => {
    fc.assert(
      fc.property(whsecArb, idArb, payloadArb, (secret, id, payload) => {
        // the reference library always checks against the wall clock
        const headers = sign('standard-webhooks', secret, Buffer.from(payload), {
          id,
          timestamp: new Date(),
        });
        expect(() =>
          new Webhook(secret).verify(payload, headers, { jsonParse: false }),
        ).not.toThrow();
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('agrees with the reference library on rejecting a wrong secret', () => {
    const headers = sign(
      'standard-webhooks',
      `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
      Buffer.from('{}'),
      { id: 'msg_1' },
    );
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(24, 2).toString('base64')}`).verify('{}', headers),
    ).toThrow(/No matching signature/);
  });
});

describe('interop with @octokit/webhooks-methods', () => {
  it('accepts what octokit signs', async () => {
    await fc.assert(
      fc.asyncProperty(hmacSecretArb, payloadArb, async (secret, payload) => {
        const headers = { 'x-hub-signature-256': await octokit.sign(secret, payload) };
        expect(verify('github', [secret], { headers, rawBody: Buffer.from(payload) })).toEqual({
          ok: true,
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('produces a header octokit verifies', async () => {
    await fc.assert(
      fc.asyncProperty(hmacSecretArb, payloadArb, async (secret, payload) => {
        const signature = sign('github', secret, Buffer.from(payload))['x-hub-signature-256'];
        expect(await octokit.verify(secret, payload, signature)).toBe(true);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('agrees with octokit on rejecting a wrong secret', async () => {
    const signature = sign('github', 'right', Buffer.from('{}'))['x-hub-signature-256'];
    expect(await octokit.verify('wrong', '{}', signature)).toBe(false);
  });
});
