import { BadRequestException } from '@nestjs/common';
import { VEHICLE_SCHEMA, VehicleTelemetryV1 } from '@app/contracts';
import { RangeBounds, RecordQueryService } from '@app/query';
import { VehicleDataRequestDto } from './vehicle-data.dto';
import { VehicleDataService } from './vehicle-data.service';

const A = '9BWZZZ377VT004251';
const B = '9BGKS48U0GG112233';
const NOW = Date.parse('2025-03-10T12:00:00.000Z');

const aRecord = (vin: string, recordedAt: string): VehicleTelemetryV1 =>
  ({ schema: VEHICLE_SCHEMA, vin, recordedAt, speedKph: 10, flags: {}, attributes: { extra: 1 } }) as unknown as VehicleTelemetryV1;

class FakeRecords {
  bounds: Array<[string, RangeBounds]> = [];
  async *pages(vin: string, bounds: RangeBounds): AsyncGenerator<VehicleTelemetryV1[]> {
    this.bounds.push([vin, bounds]);
    if (vin === A) {
      yield [aRecord(A, '2025-03-10T10:00:00.000Z'), aRecord(A, '2025-03-10T10:00:01.000Z')];
      yield [aRecord(A, '2025-03-10T10:00:02.000Z')];
    }
  }
}

async function json(sut: VehicleDataService, request: Partial<VehicleDataRequestDto>): Promise<Record<string, Array<Record<string, unknown>>>> {
  const file = await sut.find(Object.assign(new VehicleDataRequestDto(), request), NOW);
  let text = '';
  for await (const chunk of file.getStream()) text += String(chunk);
  return JSON.parse(text);
}

describe(VehicleDataService.name, () => {
  let records: FakeRecords;
  let sut: VehicleDataService;

  beforeEach(() => {
    records = new FakeRecords();
    sut = new VehicleDataService(records as unknown as RecordQueryService<VehicleTelemetryV1, 'vin'>);
  });

  it('answers keyed by VIN, every requested VIN once, readings across pages in order', async () => {
    const body = await json(sut, { vins: [A, B, A] });
    expect(Object.keys(body)).toEqual([A, B]);
    expect(body[A].map((r) => r.date_time)).toEqual(['2025-03-10 07:00:00', '2025-03-10 07:00:01', '2025-03-10 07:00:02']);
    expect(body[A][0]).toMatchObject({ vin: A, speed: 10, extra: 1, flag: {} });
    expect(body[B]).toEqual([]);
  });

  it('reads the last 24 hours by default', async () => {
    await json(sut, { vins: [B] });
    expect(records.bounds).toEqual([[B, { from: '2025-03-09T12:00:00.000Z', to: '2025-03-10T12:00:00.000Z' }]]);
  });

  it('applies datapoints', async () => {
    const body = await json(sut, { vins: [A], datapoints: ['speed'] });
    expect(body[A][0]).toEqual({ vin: A, date_time: '2025-03-10 07:00:00', speed: 10, flag: {} });
  });

  it('refuses a start after the end', () => {
    expect(() => sut.find(Object.assign(new VehicleDataRequestDto(), { vins: [A], start_date: '2025-03-02', end_date: '2025-03-01' }), NOW)).toThrow(BadRequestException);
  });
});
