import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { QUERY_VALIDATION } from '@app/query';
import { VehicleDataRequestDto } from './vehicle-data.dto';

const VIN = '9BWZZZ377VT004251';
const pipe = new ValidationPipe(QUERY_VALIDATION);

async function validate(body: unknown): Promise<VehicleDataRequestDto | string[]> {
  try {
    return await pipe.transform(body, { type: 'body', metatype: VehicleDataRequestDto });
  } catch (error) {
    if (error instanceof BadRequestException) return (error.getResponse() as { message: string[] }).message;
    throw error;
  }
}

describe(VehicleDataRequestDto.name, () => {
  it("takes mobway's request, normalizing VINs", async () => {
    expect(await validate({ vins: [` ${VIN.toLowerCase()} `], datapoints: ['speed', 'fuel_level'], start_date: '2025-03-01', end_date: '2025-03-01 23:59:59' })).toEqual({
      vins: [VIN],
      datapoints: ['speed', 'fuel_level'],
      start_date: '2025-03-01',
      end_date: '2025-03-01 23:59:59',
    });
  });

  it.each([
    [{ vins: Array.from({ length: 21 }, () => VIN) }, 'vins must contain at most 20 VINs'],
    [{ vins: [] }, 'vins must contain at least 1 VIN'],
    [{}, 'vins must be a list of VINs'],
    [{ vins: VIN }, 'vins must be a list of VINs'],
    [{ vins: ['9BWZZZ377VT00425I'] }, 'each value in vins must be 17 characters of the VIN alphabet (no I, O, Q)'],
    [{ vins: [42] }, 'each value in vins must be 17 characters of the VIN alphabet (no I, O, Q)'],
    [{ vins: [VIN], datapoints: ['speed; drop'] }, 'each value in datapoints must be a field name such as speed or fuel_level'],
    [{ vins: [VIN], start_date: '2025-03-01T10:00:00Z' }, "start_date must be 'yyyy-mm-dd hh:mm:ss' or 'yyyy-mm-dd' (Brasília time, UTC−03:00)"],
    [{ vins: [VIN], end_date: '2025-02-30' }, "end_date must be 'yyyy-mm-dd hh:mm:ss' or 'yyyy-mm-dd' (Brasília time, UTC−03:00)"],
    [{ vins: [VIN], page: 2 }, 'property page should not exist'],
  ])('%j → 400 %p', async (body, message) => {
    expect(await validate(body)).toContain(message);
  });
});
