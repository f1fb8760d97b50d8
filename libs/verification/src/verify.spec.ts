import { expect } from '@jest/globals';
import { SCHEME_NAMES } from './schemes';
import {
  BODY,
  OTHER_SECRET,
  SECRET,
  SIGNATURE_HEADER,
  SignedRequestBuilder,
} from './testing/signed-request.builder';
import { FailureStatus, SchemeName, VerificationResult } from './verification.types';
import { isValidSecret, sign, verify } from './verify';

// written out independently of schemes.ts so a wrong entry in the table fails here
const EXPECTED: Record<
  SchemeName,
  {
    missing: FailureStatus;
    malformed: FailureStatus;
    mismatch: FailureStatus;
    malformedValues: string[];
    /** a static token proves who sent the request, not what it sent */
    bindsBody?: false;
  }
> = {
  mobway: {
    missing: 403,
    malformed: 403,
    mismatch: 403,
    malformedValues: [
      'not-hex',
      'ab'.repeat(31),
      'ab'.repeat(33),
      `sha256=${'ab'.repeat(32)}`,
      `${'ab'.repeat(32)}, ${'cd'.repeat(32)}`,
    ],
  },
  weguard: {
    missing: 401,
    malformed: 401,
    mismatch: 401,
    malformedValues: [
      'not-hex',
      'ab'.repeat(31),
      `${'ab'.repeat(32)}z`,
      `${'ab'.repeat(32)}, ${'cd'.repeat(32)}`,
    ],
  },
  github: {
    missing: 400,
    malformed: 400,
    mismatch: 401,
    malformedValues: [
      'ab'.repeat(32),
      `sha1=${'ab'.repeat(20)}`,
      `sha256=${'zz'.repeat(32)}`,
      `SHA256=${'ab'.repeat(32)}`,
      'sha256=',
    ],
  },
  'standard-webhooks': {
    missing: 400,
    malformed: 400,
    mismatch: 401,
    malformedValues: ['garbage', 'v1', 'v1,a,b', ',abc'],
  },
  'bearer-token': {
    missing: 401,
    malformed: 401,
    mismatch: 401,
    malformedValues: [
      'traccar-forward-token-4f1d9c2b7e6a0358',
      'Basic dHJhY2Nhcjp0b2tlbg==',
      'Bearer',
      'Bearer two words',
      'Bearer t\u00f6ken-with-non-ascii-0123456789abcdef',
    ],
    bindsBody: false,
  },
};

function expectFailure(result: VerificationResult, status: FailureStatus): void {
  expect(result).toEqual({ ok: false, status, reason: expect.any(String) });
}

describe(verify.name, () => {
  describe.each(SCHEME_NAMES)('%s', (scheme) => {
    const expected = EXPECTED[scheme];
    const request = () => SignedRequestBuilder.for(scheme);

    it('accepts a correctly signed request', () => {
      expect(verify(scheme, [SECRET[scheme]], request().build())).toMatchObject({ ok: true });
    });

    it('accepts an empty body signed as such', () => {
      expect(verify(scheme, [SECRET[scheme]], request().body('').build())).toMatchObject({
        ok: true,
      });
    });

    it.each([
      ...(expected.bindsBody === false
        ? []
        : ([
            [
              'a tampered body',
              () => request().deliveredBody(BODY.toString().replace('42.5', '43.5')),
            ],
            [
              'a body with a trailing newline',
              () => request().deliveredBody(`${BODY.toString()}\n`),
            ],
          ] as const)),
      ['a wrong secret', () => request().signedWith(OTHER_SECRET[scheme])] as const,
    ])('rejects %s with the mismatch status', (_, build) => {
      expectFailure(verify(scheme, [SECRET[scheme]], build().build()), expected.mismatch);
    });

    it('rejects a missing signature header', () => {
      expectFailure(
        verify(scheme, [SECRET[scheme]], request().signatureHeader(undefined).build()),
        expected.missing,
      );
    });

    it('rejects an empty signature header as missing', () => {
      expectFailure(
        verify(scheme, [SECRET[scheme]], request().signatureHeader('  ').build()),
        expected.missing,
      );
    });

    it.each(expected.malformedValues)('rejects the malformed signature header %j', (value) => {
      expectFailure(
        verify(scheme, [SECRET[scheme]], request().signatureHeader(value).build()),
        expected.malformed,
      );
    });

    it('rejects a repeated signature header even when both copies are valid', () => {
      const valid = request().signedHeaders()[SIGNATURE_HEADER[scheme]];
      const result = verify(
        scheme,
        [SECRET[scheme]],
        request().signatureHeader([valid, valid]).build(),
      );
      expectFailure(result, expected.malformed);
    });

    it('rejects a signature header that arrives as a one-element array', () => {
      const valid = request().signedHeaders()[SIGNATURE_HEADER[scheme]];
      expectFailure(
        verify(scheme, [SECRET[scheme]], request().signatureHeader([valid]).build()),
        expected.malformed,
      );
    });

    it.each([
      ['the first', () => [SECRET[scheme], OTHER_SECRET[scheme]]],
      ['the second', () => [OTHER_SECRET[scheme], SECRET[scheme]]],
    ])('accepts a signature made with %s of several rotated secrets', (_, secrets) => {
      expect(verify(scheme, secrets(), request().build())).toMatchObject({ ok: true });
    });

    it('rejects everything when no secret is configured', () => {
      expect(verify(scheme, [], request().build())).toEqual({
        ok: false,
        status: expected.mismatch,
        reason: 'no secret configured',
      });
    });

    it('never puts the secret or the body in a failure reason', () => {
      const failures = [
        verify(scheme, [SECRET[scheme]], request().signedWith(OTHER_SECRET[scheme]).build()),
        verify(scheme, [SECRET[scheme]], request().signatureHeader(undefined).build()),
        verify(
          scheme,
          [SECRET[scheme]],
          request().signatureHeader(expected.malformedValues[0]).build(),
        ),
      ];
      for (const failure of failures) {
        expect(failure.ok).toBe(false);
        const reason = failure.ok ? '' : failure.reason;
        expect(reason.length).toBeLessThan(80);
        expect(reason).not.toContain(SECRET[scheme]);
        expect(reason).not.toContain(BODY.toString());
      }
    });

    it.each([undefined, null, '{"a":1}'])(
      'throws when rawBody is %p instead of a Buffer',
      (rawBody) => {
        const req = { ...request().build(), rawBody: rawBody as unknown as Buffer };
        expect(() => verify(scheme, [SECRET[scheme]], req)).toThrow(/rawBody/);
      },
    );

    it('throws on an invalid configured secret instead of verifying with it', () => {
      expect(() => verify(scheme, [SECRET[scheme], ''], request().build())).toThrow(/index 1/);
    });
  });

  it.each([
    ['mobway', 'x-signature'],
    ['weguard', 'x-weguard-signature'],
    ['github', 'x-hub-signature-256'],
  ] as const)('%s accepts upper-case hex in %s', (scheme, header) => {
    const builder = SignedRequestBuilder.for(scheme);
    const signature = builder.signedHeaders()[header];
    const upper = signature.replace(/[0-9a-f]{64}$/, (hex) => hex.toUpperCase());
    expect(upper).toMatch(/[A-F]/);
    expect(verify(scheme, [SECRET[scheme]], builder.signatureHeader(upper).build())).toEqual({
      ok: true,
    });
  });

  it('returns the webhook-id as the idempotency key for standard-webhooks only', () => {
    expect(
      verify(
        'standard-webhooks',
        [SECRET['standard-webhooks']],
        SignedRequestBuilder.for('standard-webhooks').id('msg_42').build(),
      ),
    ).toEqual({
      ok: true,
      idempotencyKey: 'msg_42',
    });
    expect(verify('mobway', [SECRET.mobway], SignedRequestBuilder.for('mobway').build())).toEqual({
      ok: true,
    });
  });

  it('throws on a scheme name that is not in the table', () => {
    const req = SignedRequestBuilder.for('mobway').build();
    expect(() => verify('toString' as SchemeName, [SECRET.mobway], req)).toThrow(
      /unknown verification scheme/,
    );
  });
});

describe('bearer-token', () => {
  const request = () => SignedRequestBuilder.for('bearer-token');
  const token = SECRET['bearer-token'];

  it('accepts the token whatever the body: it proves the sender, never the content', () => {
    expect(
      verify('bearer-token', [token], request().deliveredBody('{"forged":true}').build()),
    ).toEqual({ ok: true });
  });

  it.each(['Bearer', 'bearer', 'BEARER'])('takes the %s prefix in any case', (prefix) => {
    const req = request().signatureHeader(`${prefix} ${token}`).build();
    expect(verify('bearer-token', [token], req)).toEqual({ ok: true });
  });

  it.each([
    ['a prefix of the token', token.slice(0, -1)],
    ['the token and more', `${token}x`],
    ['the token in another case', token.toUpperCase()],
  ])('rejects %s', (_, given) => {
    const req = request().signatureHeader(`Bearer ${given}`).build();
    expect(verify('bearer-token', [token], req)).toEqual({
      ok: false,
      status: 401,
      reason: 'token mismatch',
    });
  });
});

describe(sign.name, () => {
  it.each([
    ['mobway', ['x-signature']],
    ['weguard', ['x-webhook-source', 'x-weguard-signature']],
    ['github', ['x-hub-signature-256']],
    ['standard-webhooks', ['webhook-id', 'webhook-signature', 'webhook-timestamp']],
    ['bearer-token', ['authorization']],
  ] as const)('produces the headers a %s sender sends', (scheme, headers) => {
    expect(Object.keys(sign(scheme, SECRET[scheme], BODY)).sort()).toEqual([...headers].sort());
  });

  it('produces lower-case hex for mobway', () => {
    expect(sign('mobway', SECRET.mobway, BODY)['x-signature']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uses the given id and timestamp for standard-webhooks', () => {
    const headers = sign('standard-webhooks', SECRET['standard-webhooks'], BODY, {
      id: 'msg_1',
      timestamp: new Date(1_700_000_000_999),
    });
    expect(headers).toMatchObject({ 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000' });
  });

  it('refuses an invalid timestamp for standard-webhooks', () => {
    expect(() =>
      sign('standard-webhooks', SECRET['standard-webhooks'], BODY, {
        timestamp: new Date(Number.NaN),
      }),
    ).toThrow(RangeError);
  });

  it('generates a fresh id when none is given', () => {
    const first = sign('standard-webhooks', SECRET['standard-webhooks'], BODY)['webhook-id'];
    const second = sign('standard-webhooks', SECRET['standard-webhooks'], BODY)['webhook-id'];
    expect(first).toMatch(/^msg_/);
    expect(first).not.toBe(second);
  });

  it.each(SCHEME_NAMES)('refuses an invalid %s secret', (scheme) => {
    expect(() => sign(scheme, '', BODY)).toThrow(/invalid/);
  });
});

describe(isValidSecret.name, () => {
  it.each([
    ['mobway', 'abc', true],
    ['mobway', '', false],
    ['mobway', ' abc', false],
    ['weguard', 'abc\n', false],
    ['github', "It's a Secret to Everybody", true],
    ['standard-webhooks', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true],
    ['standard-webhooks', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true],
    ['standard-webhooks', 'whsec_', false],
    ['standard-webhooks', '', false],
    ['standard-webhooks', 'whsec_not base64!', false],
    ['standard-webhooks', 'whsec_abc', false],
    ['standard-webhooks', 'whsec_YR==', false],
    ['bearer-token', 'traccar-forward-token-4f1d9c2b7e6a0358', true],
    ['bearer-token', 'k3Y-9fQ2mZ7wX1vB8nR4tL6pD0sH5jC', false],
    ['bearer-token', 'traccar forward token 4f1d9c2b7e6a0358', false],
    ['bearer-token', '', false],
  ] as const)('%s %j -> %s', (scheme, secret, valid) => {
    expect(isValidSecret(scheme, secret)).toBe(valid);
  });
});
