import { LOCATION_SCHEMA, VEHICLE_SCHEMA } from '@app/contracts';
import { LOCATION_TABLE, VEHICLE_TABLE } from '@app/persistence';
import { isoFromPgTimestamp, RecordMapper } from './record.mapper';
import { defineRecordQuery } from './record-query.definition';
import { aVehicleRow } from './testing';

const EVENT_ID = '0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b';

describe(RecordMapper.name, () => {
  const sut = new RecordMapper(defineRecordQuery(VEHICLE_TABLE, VEHICLE_SCHEMA, 'vin'));

  it('maps a row to exactly the v1 contract, in its field order, times in UTC', () => {
    const record = sut.toRecord(aVehicleRow());
    expect(record).toEqual({
      schema: VEHICLE_SCHEMA,
      eventId: EVENT_ID,
      source: 'mobway',
      vin: '9BWZZZ377VT004251',
      recordedAt: '2025-03-01T13:00:00.123Z',
      receivedAt: '2025-03-01T13:00:01.000Z',
      latitude: -23.5,
      longitude: -46.6,
      speedKph: null,
      headingDeg: 181,
      odometerKm: 48211.4,
      fuelLevelPct: 57,
      engineRpm: 2100,
      lvBatteryVoltageV: 13.9,
      hvBatterySocPct: null,
      event: 'position',
      flags: { speed: { flag: 'out of range', value: 512.5 } },
      attributes: { tire_pressure_fl: 34 },
    });
    expect(Object.keys(record).slice(0, 4)).toEqual(['schema', 'eventId', 'source', 'vin']);
  });

  it('reads float8 as pg did, NaN and infinities included', () => {
    const record = sut.toRecord(
      aVehicleRow({
        latitude: '1e-05',
        longitude: 'NaN',
        speed_kph: '-Infinity',
        heading_deg: '-0',
      }),
    );
    expect(record).toMatchObject({
      latitude: 0.00001,
      longitude: NaN,
      speedKph: -Infinity,
      headingDeg: -0,
    });
  });

  it('positions the next page at the row, to the microsecond', () => {
    expect(sut.positionOf(aVehicleRow())).toEqual({
      recordedAt: '2025-03-01T13:00:00.123456Z',
      eventId: EVENT_ID,
    });
    expect(sut.positionOf(aVehicleRow({ recorded_at: '2025-03-01 13:00:00.123' }))).toEqual({
      recordedAt: '2025-03-01T13:00:00.123000Z',
      eventId: EVENT_ID,
    });
  });

  // what to_char(… AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') (and .US) gave for the same instants
  it.each([
    ['2025-01-01 00:00:00.1239', '2025-01-01T00:00:00.123Z', '2025-01-01T00:00:00.123900Z'],
    ['2025-01-01 23:59:59.999999', '2025-01-01T23:59:59.999Z', '2025-01-01T23:59:59.999999Z'],
    ['2025-01-01 00:00:00', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000000Z'],
    ['2025-01-01 00:00:00.1', '2025-01-01T00:00:00.100Z', '2025-01-01T00:00:00.100000Z'],
    ['0099-01-01 00:00:00.5', '0099-01-01T00:00:00.500Z', '0099-01-01T00:00:00.500000Z'],
    ['12000-01-01 00:00:00.5', '12000-01-01T00:00:00.500Z', '12000-01-01T00:00:00.500000Z'],
    ['infinity', null, null],
  ])('reads PostgreSQL timestamp text %p as to_char did', (text, ms, us) => {
    expect(isoFromPgTimestamp(text, 3)).toBe(ms);
    expect(isoFromPgTimestamp(text, 6)).toBe(us);
  });

  it('summarizes an entity under its contract name', () => {
    const devices = new RecordMapper(
      defineRecordQuery(LOCATION_TABLE, LOCATION_SCHEMA, 'deviceId'),
    );
    expect(
      devices.toSummary({
        entity: 'dev-1',
        first_at: new Date('2025-01-01T00:00:00Z'),
        last_at: new Date('2025-01-02T00:00:00Z'),
        records: '2500',
      }),
    ).toEqual({
      deviceId: 'dev-1',
      firstRecordedAt: '2025-01-01T00:00:00.000Z',
      lastRecordedAt: '2025-01-02T00:00:00.000Z',
      recordCount: 2500,
    });
  });
});
