import { ApiKeys } from './api-keys';

const KEY = 'query-key-0123456789abcdef';
const OTHER = 'rotated-key-fedcba9876543210';

describe(ApiKeys.name, () => {
  const sut = new ApiKeys([KEY, OTHER]);

  it.each([
    [`Bearer ${KEY}`, true],
    [`Bearer ${OTHER}`, true],
    [`bearer ${KEY}`, true],
    [`Bearer   ${KEY}  `, true],
    [undefined, false],
    ['', false],
    [KEY, false],
    [`Basic ${KEY}`, false],
    ['Bearer ', false],
    [`Bearer ${KEY}x`, false],
    [`Bearer ${KEY.slice(0, -1)}`, false],
    [`Bearer ${KEY} ${KEY}`, false],
    [`Bearer ${KEY.toUpperCase()}`, false],
  ])('%p → %p', (header, expected) => {
    expect(sut.accepts(header)).toBe(expected);
  });

  it('accepts nothing without keys', () => {
    expect(new ApiKeys([]).accepts(`Bearer ${KEY}`)).toBe(false);
  });
});
