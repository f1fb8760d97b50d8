import { createHmac } from 'node:crypto';
import { hmacHeaderScheme } from './hmac-header.scheme';

const body = Buffer.from('{"deviceId":"d-1","lat":-23.5,"lng":-46.6}');
const secret = 'shared-secret';
const digest = (encoding: 'hex' | 'base64') =>
  createHmac('sha256', secret).update(body).digest(encoding);

describe(hmacHeaderScheme.name, () => {
  // a sender we do not have yet, to show a new sender is one row of data
  const sut = hmacHeaderScheme({
    header: 'x-acme-signature',
    prefix: 'hmac-sha256=',
    encoding: 'base64',
    statusOnMissing: 400,
    statusOnMismatch: 403,
    extraHeaders: { 'x-acme-source': 'acme' },
  });
  const verifyWith = (value: string | string[] | undefined, rawBody = body) =>
    sut.verify([secret], { headers: { 'x-acme-signature': value }, rawBody });

  it('accepts the prefixed digest in the configured encoding', () => {
    expect(verifyWith(`hmac-sha256=${digest('base64')}`)).toEqual({ ok: true });
  });

  it('signs with the prefix, the encoding and the extra headers', () => {
    expect(sut.sign(secret, body)).toEqual({
      'x-acme-source': 'acme',
      'x-acme-signature': `hmac-sha256=${digest('base64')}`,
    });
  });

  it.each([
    ['missing', undefined],
    ['without the prefix', digest('base64')],
    ['in the wrong encoding', `hmac-sha256=${digest('hex')}`],
    ['truncated', `hmac-sha256=${digest('base64').slice(0, 40)}`],
    ['repeated', [`hmac-sha256=${digest('base64')}`, `hmac-sha256=${digest('base64')}`]],
  ])('uses statusOnMissing when the header is %s', (_, value) => {
    expect(verifyWith(value)).toMatchObject({ ok: false, status: 400 });
  });

  it('uses statusOnMismatch when the digest does not match', () => {
    expect(verifyWith(`hmac-sha256=${digest('base64')}`, Buffer.from('{}'))).toEqual({
      ok: false,
      status: 403,
      reason: 'signature mismatch',
    });
  });

  it('uses the secret as utf-8 key bytes', () => {
    const unicode = hmacHeaderScheme({
      header: 'x-s',
      prefix: '',
      encoding: 'hex',
      statusOnMissing: 401,
      statusOnMismatch: 401,
    });
    const expected = createHmac('sha256', Buffer.from('sécret-ü', 'utf8'))
      .update(body)
      .digest('hex');
    expect(unicode.sign('sécret-ü', body)).toEqual({ 'x-s': expected });
  });
});
