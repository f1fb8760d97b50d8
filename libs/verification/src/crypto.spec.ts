import { decodeBase64Digest, decodeHexDigest, decodeStrictBase64, digestEquals } from './crypto';

describe(decodeStrictBase64.name, () => {
  it.each([
    ['YQ==', 'a'],
    ['YWI=', 'ab'],
    ['YWJj', 'abc'],
    ['', ''],
  ])('decodes %j', (text, decoded) => {
    expect(decodeStrictBase64(text)?.toString()).toBe(decoded);
  });

  // Buffer.from(_, 'base64') accepts every one of these
  it.each(['YQ', 'Y Q==', 'YQ==\n', 'Y*Q==', 'YR==', 'YQ-_', 'YQ===', '=YQ='])(
    'rejects %j',
    (text) => {
      expect(decodeStrictBase64(text)).toBeUndefined();
    },
  );
});

describe(decodeBase64Digest.name, () => {
  it('accepts exactly 32 bytes', () => {
    expect(decodeBase64Digest(Buffer.alloc(32, 1).toString('base64'))?.length).toBe(32);
    expect(decodeBase64Digest(Buffer.alloc(31, 1).toString('base64'))).toBeUndefined();
    expect(decodeBase64Digest(Buffer.alloc(33, 1).toString('base64'))).toBeUndefined();
  });
});

describe(decodeHexDigest.name, () => {
  it('decodes 64 hex digits in either case to the same bytes', () => {
    expect(decodeHexDigest('AB'.repeat(32))).toEqual(decodeHexDigest('ab'.repeat(32)));
    expect(decodeHexDigest('ab'.repeat(32))).toEqual(Buffer.alloc(32, 0xab));
  });

  // Buffer.from(_, 'hex') stops at the first bad digit instead of failing
  it.each([
    'ab'.repeat(31),
    'ab'.repeat(33),
    `${'ab'.repeat(31)}zz`,
    ` ${'ab'.repeat(32)}`,
    `0x${'ab'.repeat(31)}`,
  ])('rejects %j', (text) => {
    expect(decodeHexDigest(text)).toBeUndefined();
  });
});

describe(digestEquals.name, () => {
  it('compares bytes and answers false for different lengths without throwing', () => {
    expect(digestEquals(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3]))).toBe(true);
    expect(digestEquals(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 4]))).toBe(false);
    expect(digestEquals(Buffer.from([1, 2, 3]), Buffer.from([1, 2]))).toBe(false);
  });
});
