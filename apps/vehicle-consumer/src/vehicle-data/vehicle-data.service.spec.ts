import { BadRequestException } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { VEHICLE_SCHEMA, VehicleTelemetryV1 } from '@app/contracts';
import { RangeBounds, RecordQueryService } from '@app/query';
import { VehicleDataRequestDto } from './vehicle-data.dto';
import { VehicleDataService } from './vehicle-data.service';

const A = '9BWZZZ377VT004251';
const B = '9BGKS48U0GG112233';
const NOW = Date.parse('2025-03-10T12:00:00.000Z');

const aRecord = (vin: string, recordedAt: string): VehicleTelemetryV1 =>
  ({
    schema: VEHICLE_SCHEMA,
    vin,
    recordedAt,
    speedKph: 10,
    flags: {},
    attributes: { extra: 1 },
  }) as unknown as VehicleTelemetryV1;

class FakeRecords {
  bounds: Array<[string, RangeBounds]> = [];
  // eslint-disable-next-line @typescript-eslint/require-await -- a fake of an async generator, with nothing to wait for
  async *pages(vin: string, bounds: RangeBounds): AsyncGenerator<VehicleTelemetryV1[]> {
    this.bounds.push([vin, bounds]);
    if (vin === A) {
      yield [aRecord(A, '2025-03-10T10:00:00.000Z'), aRecord(A, '2025-03-10T10:00:01.000Z')];
      yield [aRecord(A, '2025-03-10T10:00:02.000Z')];
    }
  }
}

const request = (fields: Partial<VehicleDataRequestDto>): VehicleDataRequestDto =>
  Object.assign(new VehicleDataRequestDto(), fields);

async function json(
  sut: VehicleDataService,
  fields: Partial<VehicleDataRequestDto>,
): Promise<Record<string, Array<Record<string, unknown>>>> {
  const file = await sut.find(request(fields), NOW);
  let text = '';
  for await (const chunk of file.getStream()) text += String(chunk);
  return JSON.parse(text) as Record<string, Array<Record<string, unknown>>>;
}

function refusal(sut: VehicleDataService, fields: Partial<VehicleDataRequestDto>): unknown {
  try {
    void sut.find(request(fields), NOW);
  } catch (error) {
    if (error instanceof BadRequestException)
      return (error.getResponse() as { message: unknown }).message;
    throw error;
  }
  return 'not refused';
}

describe(VehicleDataService.name, () => {
  let records: FakeRecords;
  let sut: VehicleDataService;

  beforeEach(() => {
    records = new FakeRecords();
    sut = new VehicleDataService(
      records as unknown as RecordQueryService<VehicleTelemetryV1, 'vin'>,
      { query: { vehicleDataMaxWindowDays: 31 } } as AppConfig,
    );
  });

  it('answers keyed by VIN, every requested VIN once, readings across pages in order', async () => {
    const body = await json(sut, { vins: [A, B, A] });
    expect(Object.keys(body)).toEqual([A, B]);
    expect(body[A].map((r) => r.date_time)).toEqual([
      '2025-03-10 07:00:00',
      '2025-03-10 07:00:01',
      '2025-03-10 07:00:02',
    ]);
    expect(body[A][0]).toMatchObject({ vin: A, speed: 10, range: null, extra: 1, flag: {} });
    expect(body[B]).toEqual([]);
  });

  it.each([
    [
      'no dates: the last 24 hours, now included',
      {},
      { from: '2025-03-09T12:00:00.000Z', to: '2025-03-10T12:00:01.000Z' },
    ],
    [
      'yyyy-mm-dd: 00:00:00 in Brasília, at either end',
      { start_date: '2025-03-01', end_date: '2025-03-02' },
      { from: '2025-03-01T03:00:00.000Z', to: '2025-03-02T03:00:01.000Z' },
    ],
    [
      'wall-clock times in Brasília',
      { start_date: '2025-03-01T10:00:00', end_date: '2025-03-01 10:00:05' },
      { from: '2025-03-01T13:00:00.000Z', to: '2025-03-01T13:00:06.000Z' },
    ],
    [
      'the offsets given',
      { start_date: '2025-03-01T10:00:00-05:00', end_date: '2025-03-01T20:00:00+04:00' },
      { from: '2025-03-01T15:00:00.000Z', to: '2025-03-01T16:00:01.000Z' },
    ],
    [
      'start only: 24 h on',
      { start_date: '2025-03-01T10:00:00-03:00' },
      { from: '2025-03-01T13:00:00.000Z', to: '2025-03-02T13:00:01.000Z' },
    ],
    [
      'end only: 24 h back',
      { end_date: '2025-03-01T10:00:00-03:00' },
      { from: '2025-02-28T13:00:00.000Z', to: '2025-03-01T13:00:01.000Z' },
    ],
    [
      'before year 0001 in UTC: no lower bound',
      { start_date: '0001-01-01T00:00:00+01:00' },
      { from: undefined, to: '0001-01-01T23:00:01.000Z' },
    ],
  ])('reads %s', async (_case, dates, bounds) => {
    await json(sut, { vins: [B], ...dates });
    expect(records.bounds).toEqual([[B, bounds]]);
  });

  it('applies datapoints', async () => {
    const body = await json(sut, { vins: [A], datapoints: ['speed'] });
    expect(body[A][0]).toEqual({ vin: A, date_time: '2025-03-10 07:00:00', speed: 10, flag: {} });
  });

  it.each([
    [
      'a start after the end',
      { start_date: '2025-03-02', end_date: '2025-03-01' },
      'end_date must not be before start_date',
    ],
    [
      'a 30-year window',
      { start_date: '1995-01-01', end_date: '2025-01-01' },
      'end_date must be at most 31 days after start_date (ask for a longer span in parts)',
    ],
    [
      '32 days',
      { start_date: '2025-01-01', end_date: '2025-02-02' },
      'end_date must be at most 31 days after start_date (ask for a longer span in parts)',
    ],
    [
      'a date the DTO would have refused',
      { start_date: '0000-01-01' },
      'start_date must be in the years 0001 to 9999',
    ],
  ])('refuses %s with 400 and one message', (_case, dates, message) => {
    expect(refusal(sut, { vins: [A], ...dates })).toEqual([message]);
    expect(records.bounds).toEqual([]);
  });

  it('takes 31 days, the configured maximum', async () => {
    await json(sut, { vins: [B], start_date: '2025-01-01', end_date: '2025-02-01' });
    expect(records.bounds).toHaveLength(1);
  });
});
