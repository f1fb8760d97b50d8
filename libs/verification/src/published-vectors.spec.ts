import { Webhook } from 'standardwebhooks';
import { sign, verify } from './verify';

// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
describe('GitHub documentation vector', () => {
  const secret = "It's a Secret to Everybody";
  const payload = Buffer.from('Hello, World!');
  const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('signs to the published signature', () => {
    expect(sign('github', secret, payload)).toEqual({ 'x-hub-signature-256': signature });
  });

  it('verifies the published signature', () => {
    expect(
      verify('github', [secret], {
        headers: { 'x-hub-signature-256': signature },
        rawBody: payload,
      }),
    ).toEqual({ ok: true });
  });

  it('rejects it for another payload', () => {
    const result = verify('github', [secret], {
      headers: { 'x-hub-signature-256': signature },
      rawBody: Buffer.from('Hello, World?'),
    });
    expect(result).toMatchObject({ ok: false, status: 401 });
  });
});

// the vector from the standard-webhooks reference libraries' test suites
describe('Standard Webhooks reference vector', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const payload = Buffer.from('{"test": 2432232314}');
  const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  };

  it('is what the reference library computes', () => {
    expect(new Webhook(secret).sign(id, new Date(timestamp * 1000), payload.toString())).toBe(
      signature,
    );
  });

  it('signs to the published signature', () => {
    expect(
      sign('standard-webhooks', secret, payload, { id, timestamp: new Date(timestamp * 1000) }),
    ).toEqual(headers);
  });

  it('verifies the published signature near its timestamp and returns the id', () => {
    const now = new Date((timestamp + 60) * 1000);
    expect(verify('standard-webhooks', [secret], { headers, rawBody: payload, now })).toEqual({
      ok: true,
      idempotencyKey: id,
    });
  });

  it('rejects it once it is older than the tolerance', () => {
    const now = new Date((timestamp + 301) * 1000);
    expect(verify('standard-webhooks', [secret], { headers, rawBody: payload, now })).toMatchObject(
      { ok: false, status: 401 },
    );
  });
});
