import * as sut from '@app/verification';

describe('@app/verification', () => {
  it('exposes the public API through the path alias', () => {
    expect(sut.SCHEME_NAMES).toEqual([
      'mobway',
      'weguard',
      'standard-webhooks',
      'github',
      'bearer-token',
    ]);
    expect(Object.isFrozen(sut.SCHEME_NAMES)).toBe(true);
    expect(sut.STANDARD_WEBHOOKS_TOLERANCE_SECONDS).toBe(300);
    expect(Object.keys(sut).sort()).toEqual(
      [
        'SCHEME_NAMES',
        'STANDARD_WEBHOOKS_TOLERANCE_SECONDS',
        'isSchemeName',
        'isValidSecret',
        'sign',
        'verify',
      ].sort(),
    );
  });

  it.each([
    ['mobway', true],
    ['github', true],
    ['constructor', false],
    ['MOBWAY', false],
    [42, false],
  ])('isSchemeName(%p) is %s', (value, expected) => {
    expect(sut.isSchemeName(value)).toBe(expected);
  });
});
