import { BadRequestException } from '@nestjs/common';
import { VinPipe } from './vehicle-query.definition';

describe('VinPipe', () => {
  it('trims and upper-cases', () => {
    expect(VinPipe.transform(' 9bwzzz377vt004251 ')).toBe('9BWZZZ377VT004251');
  });

  it.each(['9BWZZZ377VT00425', '9BWZZZ377VT0042511', '9BWZZZ377VT00425O', '', 42])(
    'refuses %p with a message naming vin',
    (vin) => {
      expect(() => VinPipe.transform(vin)).toThrow(BadRequestException);
      try {
        VinPipe.transform(vin);
      } catch (error) {
        expect((error as BadRequestException).getResponse()).toMatchObject({
          message: [expect.stringMatching(/^vin must be/)],
        });
      }
    },
  );
});
