import { sign } from '../verify';
import { HeaderValue, SchemeName, VerificationRequest } from '../verification.types';

export const NOW = new Date('2026-03-01T12:00:00Z');

// fixtures only; real secrets come from configuration
export const SECRET: Readonly<Record<SchemeName, string>> = {
  mobway: 'mobway-sign-secret',
  weguard: 'weguard-webhook-secret',
  github: "It's a Secret to Everybody",
  'standard-webhooks': `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
  'bearer-token': 'traccar-forward-token-4f1d9c2b7e6a0358',
};

export const OTHER_SECRET: Readonly<Record<SchemeName, string>> = {
  mobway: 'another-mobway-secret',
  weguard: 'another-weguard-secret',
  github: 'another-github-secret',
  'standard-webhooks': `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
  'bearer-token': 'another-forward-token-8a2e5b1c9d7f0364',
};

export const SIGNATURE_HEADER: Readonly<Record<SchemeName, string>> = {
  mobway: 'x-signature',
  weguard: 'x-weguard-signature',
  github: 'x-hub-signature-256',
  'standard-webhooks': 'webhook-signature',
  'bearer-token': 'authorization',
};

export const BODY = Buffer.from(
  '{"9BWZZZ377VT004251":[{"speed":42.5,"date_time":"2026-03-01 09:00:00"}]}',
);

interface Fixture {
  secret: string;
  body: Buffer;
  id: string;
  timestamp: Date;
  now: Date;
}

// one builder for every scheme: sign with the scheme's own sign(), then let tests break one thing
export class SignedRequestBuilder {
  private fixture: Fixture;
  private headerOverrides: Record<string, HeaderValue> = {};
  private bodyOverride?: Buffer;

  private constructor(private readonly scheme: SchemeName) {
    this.fixture = {
      secret: SECRET[scheme],
      body: BODY,
      id: 'msg_2TqHWvsFaYKpFTkUD4kTWCZYzdr',
      timestamp: NOW,
      now: NOW,
    };
  }

  static for(scheme: SchemeName): SignedRequestBuilder {
    return new SignedRequestBuilder(scheme);
  }

  signedWith(secret: string): this {
    this.fixture.secret = secret;
    return this;
  }

  body(body: Buffer | string): this {
    this.fixture.body = Buffer.from(body);
    return this;
  }

  id(id: string): this {
    this.fixture.id = id;
    return this;
  }

  timestamp(timestamp: Date): this {
    this.fixture.timestamp = timestamp;
    return this;
  }

  receivedAt(now: Date): this {
    this.fixture.now = now;
    return this;
  }

  // the body the receiver sees, after signing
  deliveredBody(body: Buffer | string): this {
    this.bodyOverride = Buffer.from(body);
    return this;
  }

  header(name: string, value: HeaderValue): this {
    this.headerOverrides[name] = value;
    return this;
  }

  signatureHeader(value: HeaderValue): this {
    return this.header(SIGNATURE_HEADER[this.scheme], value);
  }

  signedHeaders(): Record<string, string> {
    const { secret, body, id, timestamp } = this.fixture;
    return sign(this.scheme, secret, body, { id, timestamp });
  }

  build(): VerificationRequest {
    const headers: Record<string, HeaderValue> = {
      'content-type': 'application/json',
      ...this.signedHeaders(),
    };
    for (const [name, value] of Object.entries(this.headerOverrides)) {
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
    return { headers, rawBody: this.bodyOverride ?? this.fixture.body, now: this.fixture.now };
  }
}
