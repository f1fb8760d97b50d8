import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { QUERY_VALIDATION } from '@app/query';
import { VehicleDataRequestDto } from './vehicle-data.dto';

const VIN = '9BWZZZ377VT004251';
const pipe = new ValidationPipe(QUERY_VALIDATION);
const FORMS =
  "must be 'yyyy-mm-dd', 'yyyy-mm-ddThh:mm:ss' or 'yyyy-mm-dd hh:mm:ss' (Brasília time, UTC−03:00), or 'yyyy-mm-ddThh:mm:ss-03:00' or '…Z' (the offset given)";

async function validate(body: unknown): Promise<VehicleDataRequestDto | string[]> {
  try {
    return (await pipe.transform(body, {
      type: 'body',
      metatype: VehicleDataRequestDto,
    })) as VehicleDataRequestDto;
  } catch (error) {
    if (error instanceof BadRequestException)
      return (error.getResponse() as { message: string[] }).message;
    throw error;
  }
}

describe(VehicleDataRequestDto.name, () => {
  it("takes mobway's request, normalizing VINs", async () => {
    expect(
      await validate({
        vins: [` ${VIN.toLowerCase()} `],
        datapoints: ['speed', 'fuel_level'],
        start_date: '2025-03-01',
        end_date: '2025-03-01 23:59:59',
      }),
    ).toEqual({
      vins: [VIN],
      datapoints: ['speed', 'fuel_level'],
      start_date: '2025-03-01',
      end_date: '2025-03-01 23:59:59',
    });
  });

  it.each([
    '2025-03-01',
    '2025-03-01T10:00:00',
    '2025-03-01T10:00:00-03:00',
    '2025-03-01 10:00:00',
    '2025-03-01T13:00:00Z',
  ])('takes the date form %p', async (date) => {
    expect(await validate({ vins: [VIN], start_date: date, end_date: date })).toEqual({
      vins: [VIN],
      start_date: date,
      end_date: date,
    });
  });

  it.each([
    [{ vins: Array.from({ length: 21 }, () => VIN) }, 'vins must contain at most 20 VINs'],
    [{ vins: [] }, 'vins must contain at least 1 VIN'],
    [{}, 'vins must be a list of VINs'],
    [{ vins: VIN }, 'vins must be a list of VINs'],
    [
      { vins: [VIN, '9BWZZZ377VT00425I'] },
      'vins must hold VINs, 17 characters of the VIN alphabet (no I, O, Q); entry 1 is not one',
    ],
    [
      { vins: [42] },
      'vins must hold VINs, 17 characters of the VIN alphabet (no I, O, Q); entry 0 is not one',
    ],
    [{ vins: [VIN], datapoints: 'speed' }, 'datapoints must be a list of field names'],
    [
      { vins: [VIN], datapoints: ['speed; drop'] },
      "datapoints must hold field names such as speed or fuel_level (letters, digits, '_', '.', '-'); entry 0 is not one",
    ],
    [
      { vins: [VIN], datapoints: ['speed\u0000'] },
      "datapoints must hold field names such as speed or fuel_level (letters, digits, '_', '.', '-'); entry 0 is not one",
    ],
    [{ vins: [VIN], start_date: '2025-03-01T10:00:00.000Z' }, `start_date ${FORMS}`],
    [{ vins: [VIN], start_date: 20250301 }, `start_date ${FORMS}`],
    [{ vins: [VIN], start_date: '2025-03-01\u0000' }, `start_date ${FORMS}`],
    [
      { vins: [VIN], start_date: '0000-01-01T00:00:00Z' },
      'start_date must be in the years 0001 to 9999',
    ],
    [{ vins: [VIN], end_date: '2025-02-30' }, 'end_date must be a real calendar date'],
    [
      { vins: [VIN], end_date: '2025-03-01T10:00:00+23:59' },
      'end_date must have an offset from -12:00 to +14:00',
    ],
    [{ vins: [VIN], page: 2 }, 'property page should not exist'],
  ])('%j → 400 %p, alone', async (body, message) => {
    expect(await validate(body)).toEqual([message]);
  });

  it('gives one message per bad parameter', async () => {
    const messages = await validate({
      vins: ['x', 1],
      datapoints: [''],
      start_date: '2025-13-01',
      end_date: 'soon',
    });
    expect(messages).toEqual([
      'vins must hold VINs, 17 characters of the VIN alphabet (no I, O, Q); entry 0 is not one',
      "datapoints must hold field names such as speed or fuel_level (letters, digits, '_', '.', '-'); entry 0 is not one",
      'start_date must be a real calendar date',
      `end_date ${FORMS}`,
    ]);
  });
});
