import fc from 'fast-check';
import { SCHEME_NAMES } from './schemes';
import {
  decodeStandardWebhooksSecret,
  STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
} from './standard-webhooks.scheme';
import { FailureStatus, SchemeName, VerificationRequest } from './verification.types';
import { sign, verify } from './verify';

const NUM_RUNS = 200;
const NOW = new Date('2026-03-01T12:00:00Z');
const MISMATCH_STATUS: Record<SchemeName, FailureStatus> = {
  mobway: 403,
  weguard: 401,
  github: 401,
  'standard-webhooks': 401,
  'bearer-token': 401,
};

const whsecArb = fc
  .tuple(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.boolean())
  .map(([key, prefixed]) => `${prefixed ? 'whsec_' : ''}${Buffer.from(key).toString('base64')}`);
const hmacSecretArb = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((s) => s.trim() === s && s.length > 0);
const tokenArb = fc.stringMatching(/^[\x21-\x7e]{32,64}$/);
const secretArb = (scheme: SchemeName) =>
  scheme === 'standard-webhooks' ? whsecArb : scheme === 'bearer-token' ? tokenArb : hmacSecretArb;
const keyOf = (scheme: SchemeName, secret: string) =>
  (scheme === 'standard-webhooks'
    ? decodeStandardWebhooksSecret(secret)!
    : Buffer.from(secret)
  ).toString('hex');
const bodyArb = fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => Buffer.from(bytes));
const idArb = fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/);

function signed(
  scheme: SchemeName,
  secret: string,
  body: Buffer,
  id = 'msg_1',
): VerificationRequest {
  return { headers: sign(scheme, secret, body, { id, timestamp: NOW }), rawBody: body, now: NOW };
}

// a static token does not depend on the body: its documented weakness, tested at the end
describe.each(SCHEME_NAMES.filter((name) => name !== 'bearer-token'))('%s body', (scheme) => {
  it('rejects any single-byte change to the body', () => {
    fc.assert(
      fc.property(
        secretArb(scheme),
        bodyArb,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (secret, body, at, delta) => {
          const req = signed(scheme, secret, body);
          const tampered = Buffer.from(body);
          tampered[at % body.length] ^= delta;
          expect(verify(scheme, [secret], { ...req, rawBody: tampered })).toMatchObject({
            ok: false,
            status: MISMATCH_STATUS[scheme],
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe.each(SCHEME_NAMES)('%s properties', (scheme) => {
  it('accepts a signature made with any one of N rotated secrets', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb(scheme), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        bodyArb,
        (secrets, pick, body) => {
          const req = signed(scheme, secrets[pick % secrets.length], body);
          expect(verify(scheme, secrets, req)).toMatchObject({ ok: true });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('rejects a signature made with a secret outside the configured list', () => {
    fc.assert(
      fc.property(
        fc.array(secretArb(scheme), { minLength: 1, maxLength: 5 }),
        secretArb(scheme),
        bodyArb,
        (secrets, outsider, body) => {
          fc.pre(!secrets.some((secret) => keyOf(scheme, secret) === keyOf(scheme, outsider)));
          expect(verify(scheme, secrets, signed(scheme, outsider, body))).toMatchObject({
            ok: false,
            status: MISMATCH_STATUS[scheme],
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('standard-webhooks signed fields', () => {
  const scheme = 'standard-webhooks';
  const mismatch = { ok: false, status: 401, reason: 'signature mismatch' };

  it('rejects a changed webhook-id', () => {
    fc.assert(
      fc.property(whsecArb, bodyArb, idArb, idArb, (secret, body, id, otherId) => {
        fc.pre(id !== otherId);
        const req = signed(scheme, secret, body, id);
        expect(
          verify(scheme, [secret], { ...req, headers: { ...req.headers, 'webhook-id': otherId } }),
        ).toEqual(mismatch);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('rejects a changed webhook-timestamp, even one still inside the tolerance', () => {
    const shiftArb = fc
      .integer({
        min: -STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
        max: STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
      })
      .filter((s) => s !== 0);
    fc.assert(
      fc.property(whsecArb, bodyArb, shiftArb, (secret, body, shift) => {
        const req = signed(scheme, secret, body);
        const timestamp = String(Number(req.headers['webhook-timestamp']) + shift);
        expect(
          verify(scheme, [secret], {
            ...req,
            headers: { ...req.headers, 'webhook-timestamp': timestamp },
          }),
        ).toEqual(mismatch);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('rejects any single-byte change to the signature', () => {
    fc.assert(
      fc.property(
        whsecArb,
        bodyArb,
        fc.nat(31),
        fc.integer({ min: 1, max: 255 }),
        (secret, body, at, delta) => {
          const req = signed(scheme, secret, body);
          const digest = Buffer.from(
            String(req.headers['webhook-signature']).slice('v1,'.length),
            'base64',
          );
          digest[at] ^= delta;
          const headers = {
            ...req.headers,
            'webhook-signature': `v1,${digest.toString('base64')}`,
          };
          expect(verify(scheme, [secret], { ...req, headers })).toEqual(mismatch);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe.each(['mobway', 'weguard', 'github'] as const)('%s signature header', (scheme) => {
  it('rejects any single-byte change to the signature', () => {
    fc.assert(
      fc.property(
        hmacSecretArb,
        bodyArb,
        fc.nat(31),
        fc.integer({ min: 1, max: 255 }),
        (secret, body, at, delta) => {
          const req = signed(scheme, secret, body);
          const [header, value] = Object.entries(req.headers).find(
            ([name]) => name !== 'x-webhook-source',
          )!;
          const hex = String(value).slice(-64);
          const digest = Buffer.from(hex, 'hex');
          digest[at] ^= delta;
          const headers = {
            ...req.headers,
            [header]: String(value).slice(0, -64) + digest.toString('hex'),
          };
          expect(verify(scheme, [secret], { ...req, headers })).toMatchObject({
            ok: false,
            status: MISMATCH_STATUS[scheme],
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('bearer-token', () => {
  const scheme = 'bearer-token';

  it('accepts any body with the token, and none with a token one character off', () => {
    fc.assert(
      fc.property(
        tokenArb,
        bodyArb,
        fc.nat(),
        fc.integer({ min: 0x21, max: 0x7e }),
        (token, body, at, code) => {
          const req = signed(scheme, token, Buffer.from('{}'));
          expect(verify(scheme, [token], { ...req, rawBody: body })).toEqual({ ok: true });
          const i = at % token.length;
          fc.pre(token.charCodeAt(i) !== code);
          const other = `${token.slice(0, i)}${String.fromCharCode(code)}${token.slice(i + 1)}`;
          expect(
            verify(scheme, [token], { ...req, headers: { authorization: `Bearer ${other}` } }),
          ).toEqual({ ok: false, status: 401, reason: 'token mismatch' });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
