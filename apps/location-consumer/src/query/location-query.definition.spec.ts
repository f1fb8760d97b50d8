import { expect } from '@jest/globals';
import { BadRequestException } from '@nestjs/common';
import { DeviceIdPipe } from './location-query.definition';

describe('DeviceIdPipe', () => {
  it.each([
    [' 356938035643809 ', '356938035643809'],
    ['Device A/1', 'Device A/1'],
  ])('%p → %p (trimmed, case kept)', (id, expected) => {
    expect(DeviceIdPipe.transform(id)).toBe(expected);
  });

  it.each(['', '   ', 'x'.repeat(129)])('refuses %p with a message naming deviceId', (id) => {
    expect(() => DeviceIdPipe.transform(id)).toThrow(BadRequestException);
    expect(() => DeviceIdPipe.transform(id)).toThrow(
      expect.objectContaining({
        response: expect.objectContaining({
          message: [expect.stringMatching(/^deviceId must be/)],
        }),
      }),
    );
  });
});
