export type SchemeName = 'mobway' | 'weguard' | 'standard-webhooks' | 'github' | 'bearer-token';

export type HeaderValue = string | string[] | undefined;

export interface VerificationRequest {
  // lower-cased header names, as node and fastify hand them over
  headers: Record<string, HeaderValue>;
  rawBody: Buffer;
  now?: Date;
}

export type FailureStatus = 400 | 401 | 403;

// reason is short and safe to log or return: it never contains a secret or the body
export type VerificationFailure = { ok: false; status: FailureStatus; reason: string };
export type VerificationSuccess = { ok: true; idempotencyKey?: string };
export type VerificationResult = VerificationSuccess | VerificationFailure;

export interface SignOptions {
  id?: string;
  timestamp?: Date;
}

export interface VerificationScheme {
  verify(secrets: readonly string[], req: VerificationRequest): VerificationResult;
  sign(secret: string, rawBody: Buffer, opts?: SignOptions): Record<string, string>;
  isValidSecret(secret: string): boolean;
}
