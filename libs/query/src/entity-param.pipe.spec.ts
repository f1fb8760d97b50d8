import { BadRequestException } from '@nestjs/common';
import { EntityParamPipe } from './entity-param.pipe';

// a rule as loose as the device id's: anything printable at both ends
const sut = new EntityParamPipe({
  normalize: (id) => id.trim(),
  valid: (id) => /^\S(?:[\s\S]*\S)?$/.test(id),
  message: 'deviceId must be 1 to 128 characters',
});

describe(EntityParamPipe.name, () => {
  it('normalizes what the rule takes', () => {
    expect(sut.transform('  tracker 7 ')).toBe('tracker 7');
  });

  it.each([
    ['a NUL', 'dev\u0000ice'],
    ['a lone surrogate', 'dev\ud800ice'],
    ['nothing', '   '],
    ['not text', 7],
  ])('refuses %s with the rule’s message', (_, value) => {
    expect(() => sut.transform(value)).toThrow(
      new BadRequestException(['deviceId must be 1 to 128 characters']),
    );
  });
});
