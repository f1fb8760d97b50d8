import { createHash, timingSafeEqual } from 'node:crypto';

/** whether an Authorization header carries the metrics bearer token (always, when none is configured) */
export function metricsAuthorized(
  authorization: string | string[] | undefined,
  token: string | undefined,
): boolean {
  if (token === undefined) return true;
  if (typeof authorization !== 'string') return false;
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  // equal-length digests, so the comparison time says nothing about the token
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
