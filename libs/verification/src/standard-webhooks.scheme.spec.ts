import { createHmac } from 'node:crypto';
import {
  decodeStandardWebhooksSecret,
  STANDARD_WEBHOOKS_MAX_ID_BYTES,
  STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
  standardWebhooksScheme,
} from './standard-webhooks.scheme';
import { NOW, OTHER_SECRET, SECRET, SignedRequestBuilder } from './testing/signed-request.builder';

const secret = SECRET['standard-webhooks'];
const request = () => SignedRequestBuilder.for('standard-webhooks');
const secondsFrom = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);

describe('standardWebhooksScheme', () => {
  const sut = standardWebhooksScheme;

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'answers 400 when %s is missing',
    (header) => {
      expect(sut.verify([secret], request().header(header, undefined).build())).toEqual({
        ok: false,
        status: 400,
        reason: `missing ${header} header`,
      });
    },
  );

  it.each(['webhook-id', 'webhook-timestamp'])('answers 400 when %s is repeated', (header) => {
    const value = request().signedHeaders()[header];
    expect(sut.verify([secret], request().header(header, [value, value]).build())).toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it.each([
    '',
    'soon',
    '1614265330.5',
    '-1614265330',
    '0x60367a32',
    '1614265330abc',
    '1'.repeat(16),
  ])('answers 400 for the malformed timestamp %j', (timestamp) => {
    const result = sut.verify([secret], request().header('webhook-timestamp', timestamp).build());
    expect(result).toMatchObject({ ok: false, status: 400 });
  });

  it('accepts a correctly signed webhook-id of the maximum length and answers 400 past it, even when signed', () => {
    const longest = 'm'.repeat(STANDARD_WEBHOOKS_MAX_ID_BYTES);
    expect(sut.verify([secret], request().id(longest).build())).toEqual({
      ok: true,
      idempotencyKey: longest,
    });
    // counted in bytes: 129 two-byte characters are 258 bytes
    for (const id of [`${longest}m`, 'é'.repeat(129), 'x'.repeat(8192)]) {
      expect(sut.verify([secret], request().id(id).build())).toEqual({
        ok: false,
        status: 400,
        reason: `webhook-id header longer than ${STANDARD_WEBHOOKS_MAX_ID_BYTES} bytes`,
      });
    }
  });

  it('checks header syntax before freshness', () => {
    const stale = request().timestamp(secondsFrom(NOW, -3600)).signatureHeader('garbage').build();
    expect(sut.verify([secret], stale)).toMatchObject({ ok: false, status: 400 });
  });

  it.each([-STANDARD_WEBHOOKS_TOLERANCE_SECONDS, 0, STANDARD_WEBHOOKS_TOLERANCE_SECONDS])(
    'accepts a timestamp %i seconds away from now',
    (offset) => {
      const req = request().timestamp(secondsFrom(NOW, offset)).receivedAt(NOW).build();
      expect(sut.verify([secret], req)).toMatchObject({ ok: true });
    },
  );

  it.each([
    -STANDARD_WEBHOOKS_TOLERANCE_SECONDS - 1,
    STANDARD_WEBHOOKS_TOLERANCE_SECONDS + 1,
    -86_400,
  ])('answers 401 for a correctly signed timestamp %i seconds away from now', (offset) => {
    const req = request().timestamp(secondsFrom(NOW, offset)).receivedAt(NOW).build();
    expect(sut.verify([secret], req)).toEqual({
      ok: false,
      status: 401,
      reason: 'webhook-timestamp outside tolerance',
    });
  });

  it('fails closed when now is an invalid date', () => {
    const req = request().receivedAt(new Date(Number.NaN)).build();
    expect(sut.verify([secret], req)).toMatchObject({ ok: false, status: 401 });
  });

  it('uses the current time when the request carries no now', () => {
    const { now: _, ...req } = request().timestamp(new Date()).build();
    expect(sut.verify([secret], req)).toMatchObject({ ok: true });
    const { now: __, ...old } = request().timestamp(NOW).build();
    expect(
      sut.verify([secret], {
        ...old,
        headers: { ...old.headers, 'webhook-timestamp': '1614265330' },
      }),
    ).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('accepts when any of several signatures matches, whatever their order', () => {
    const valid = request().signedHeaders()['webhook-signature'];
    const other = request().signedWith(OTHER_SECRET['standard-webhooks']).signedHeaders()[
      'webhook-signature'
    ];
    expect(
      sut.verify([secret], request().signatureHeader(`${other} ${valid}`).build()),
    ).toMatchObject({ ok: true });
    expect(
      sut.verify([secret], request().signatureHeader(`${valid}  ${other}`).build()),
    ).toMatchObject({ ok: true });
  });

  it('skips entries with unknown versions', () => {
    const valid = request().signedHeaders()['webhook-signature'];
    const unknown = valid.replace(/^v1,/, 'v1a,');
    expect(
      sut.verify([secret], request().signatureHeader(`${unknown} ${valid}`).build()),
    ).toMatchObject({ ok: true });
    expect(sut.verify([secret], request().signatureHeader(unknown).build())).toEqual({
      ok: false,
      status: 401,
      reason: 'no v1 signature',
    });
  });

  it('does not accept a correct signature under another version', () => {
    const v2 = request().signedHeaders()['webhook-signature'].replace(/^v1,/, 'v2,');
    expect(sut.verify([secret], request().signatureHeader(v2).build())).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('skips v1 entries that are not a base64 SHA-256 digest', () => {
    const valid = request().signedHeaders()['webhook-signature'];
    expect(
      sut.verify([secret], request().signatureHeader(`v1,!!!! v1,AAAA ${valid}`).build()),
    ).toMatchObject({ ok: true });
    expect(
      sut.verify([secret], request().signatureHeader('v1,!!!! v1,AAAA').build()),
    ).toMatchObject({ ok: false, status: 401 });
  });

  it('rejects a signature whose base64 is not canonical', () => {
    // the last character of a 32-byte digest carries 2 unused bits; flipping them keeps Buffer.from's bytes
    const valid = request().signedHeaders()['webhook-signature'];
    const last = valid.at(-2)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1];
    const tweaked = `${valid.slice(0, -2)}${sibling}=`;
    expect(Buffer.from(tweaked.slice(3), 'base64')).toEqual(Buffer.from(valid.slice(3), 'base64'));
    expect(sut.verify([secret], request().signatureHeader(tweaked).build())).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('accepts a secret given without the whsec_ prefix', () => {
    const bare = secret.slice('whsec_'.length);
    expect(sut.verify([bare], request().build())).toMatchObject({ ok: true });
    expect(sut.sign(bare, Buffer.from('x'), { id: 'a', timestamp: NOW })).toEqual(
      sut.sign(secret, Buffer.from('x'), { id: 'a', timestamp: NOW }),
    );
  });

  it('signs "<id>.<timestamp>.<body>" with the base64-decoded key', () => {
    const key = decodeStandardWebhooksSecret(secret)!;
    const expected = createHmac('sha256', key)
      .update(`msg_1.${NOW.getTime() / 1000}.{}`)
      .digest('base64');
    expect(
      sut.sign(secret, Buffer.from('{}'), { id: 'msg_1', timestamp: NOW })['webhook-signature'],
    ).toBe(`v1,${expected}`);
  });

  it('signs the body bytes, not their text decoding', () => {
    const notUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const req = request().body(notUtf8).build();
    expect(sut.verify([secret], req)).toMatchObject({ ok: true });
    const reDecoded = Buffer.from(notUtf8.toString('utf8'));
    expect(sut.verify([secret], { ...req, rawBody: reDecoded })).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  it('binds the id: a replay under another id is rejected', () => {
    const replay = request().id('msg_original').header('webhook-id', 'msg_replayed').build();
    expect(sut.verify([secret], replay)).toEqual({
      ok: false,
      status: 401,
      reason: 'signature mismatch',
    });
  });
});

describe(decodeStandardWebhooksSecret.name, () => {
  it.each([
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 24],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 24],
    ['whsec_YQ==', 1],
  ])('decodes %j to a %i-byte key', (secret, length) => {
    expect(decodeStandardWebhooksSecret(secret)?.length).toBe(length);
  });

  it.each(['whsec_', '', 'whsec_YQ', 'whsec_Y Q==', 'whsec_-_-_', 'whsec_whsec_YQ=='])(
    'rejects %j',
    (secret) => {
      expect(decodeStandardWebhooksSecret(secret)).toBeUndefined();
    },
  );
});
