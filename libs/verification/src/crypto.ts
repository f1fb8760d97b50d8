import { createHmac, timingSafeEqual } from 'node:crypto';

const SHA256_BYTES = 32;

export function hmacSha256(key: string | Buffer, ...parts: Buffer[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

// both sides are fixed-size digests; the length check only guards timingSafeEqual, which throws on a mismatch
export function digestEquals(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

// hex is decoded to bytes before comparing, so case does not matter
export function decodeHexDigest(text: string): Buffer | undefined {
  return HEX_SHA256.test(text) ? Buffer.from(text, 'hex') : undefined;
}

export function decodeBase64Digest(text: string): Buffer | undefined {
  const bytes = decodeStrictBase64(text);
  return bytes?.length === SHA256_BYTES ? bytes : undefined;
}

// Buffer.from(_, 'base64') skips characters it does not know; a round trip rejects them, missing padding and non-canonical tails
export function decodeStrictBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}
