import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/**
 * The query API's bearer keys. Keys are compared as SHA-256 digests (equal length, so
 * timingSafeEqual applies) and every configured key is compared, so the time taken reveals
 * neither a key's prefix nor which key matched. Knows nothing of HTTP beyond the header's text.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(sha256);
  }

  /** true for `Bearer <key>` with a configured key */
  accepts(authorization: string | undefined): boolean {
    const key = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (key === undefined) return false;
    const given = sha256(key);
    let matched = false;
    for (const digest of this.digests) matched = timingSafeEqual(digest, given) || matched;
    return matched;
  }
}
