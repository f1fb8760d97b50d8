import { readSingleHeader } from './header';

describe(readSingleHeader.name, () => {
  it.each([
    [{}, { kind: 'missing' }],
    [{ 'x-signature': undefined }, { kind: 'missing' }],
    [{ 'x-signature': '' }, { kind: 'missing' }],
    [{ 'x-signature': '  ' }, { kind: 'missing' }],
    [{ 'x-signature': ' abc ' }, { kind: 'present', value: 'abc' }],
    [{ 'x-signature': ['abc'] }, { kind: 'duplicate' }],
    [{ 'x-signature': ['abc', 'abc'] }, { kind: 'duplicate' }],
    [{ 'X-Signature': 'abc' }, { kind: 'missing' }],
  ])('reads %j as %j', (headers, expected) => {
    expect(readSingleHeader(headers, 'x-signature')).toEqual(expected);
  });
});
