import { isSchemeName, SCHEMES } from './schemes';
import {
  SchemeName,
  SignOptions,
  VerificationRequest,
  VerificationResult,
  VerificationScheme,
} from './verification.types';

export function verify(
  scheme: SchemeName,
  secrets: readonly string[],
  req: VerificationRequest,
): VerificationResult {
  // a missing body means the raw body was not captured; verifying "" instead would be a silent hole
  if (!Buffer.isBuffer(req?.rawBody))
    throw new TypeError('rawBody must be a Buffer: enable raw body capture');
  const target = schemeOf(scheme);
  assertSecrets(scheme, target, secrets);
  return target.verify(secrets, req);
}

export function sign(
  scheme: SchemeName,
  secret: string,
  rawBody: Buffer,
  opts?: SignOptions,
): Record<string, string> {
  if (!Buffer.isBuffer(rawBody)) throw new TypeError('rawBody must be a Buffer');
  const target = schemeOf(scheme);
  assertSecrets(scheme, target, [secret]);
  return target.sign(secret, rawBody, opts);
}

export function isValidSecret(scheme: SchemeName, secret: string): boolean {
  return typeof secret === 'string' && schemeOf(scheme).isValidSecret(secret);
}

function schemeOf(name: SchemeName): VerificationScheme {
  // names come from URLs and config at runtime, so the type alone does not guarantee this
  if (!isSchemeName(name))
    throw new Error(`unknown verification scheme: ${String(name).slice(0, 40)}`);
  return SCHEMES[name];
}

// configuration is validated at boot; a bad secret here is a programming error, never a 4xx
function assertSecrets(
  name: SchemeName,
  scheme: VerificationScheme,
  secrets: readonly string[],
): void {
  const bad = secrets.findIndex(
    (secret) => typeof secret !== 'string' || !scheme.isValidSecret(secret),
  );
  if (bad >= 0) throw new Error(`invalid ${name} secret at index ${bad}`);
}
