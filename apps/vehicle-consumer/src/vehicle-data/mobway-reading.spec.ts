import { expect } from '@jest/globals';
import { VehicleTelemetryV1 } from '@app/contracts';
import { aVehicleRecord } from '@app/contracts/testing';
import { MobwayNormalizer } from '@app/normalization';
import { MOBWAY_CATALOGUE } from './mobway.catalogue';
import { toMobwayReading } from './mobway-reading';
import { aFullMobwayReading } from '@app/normalization/testing/mobway-readings';

function aRecord(overrides: Partial<VehicleTelemetryV1> = {}): VehicleTelemetryV1 {
  return aVehicleRecord({
    eventId: '0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b',
    receivedAt: '2025-03-01T13:00:01.000Z',
    latitude: -23.55052,
    longitude: -46.63331,
    speedKph: null,
    event: 'position',
    flags: { speed: { value: 512.5, flag: 'out of range' } },
    attributes: {
      left_front_tire_pressure: 34,
      seat_belt_status: 'fastened',
      driver_badge: 'MTR-20931',
    },
    ...overrides,
  });
}

/** a mobway reading with every catalogue datapoint, some flagged (null plus a flag entry), and a field mobway does not define */
const aFullReading = () => ({ ...aFullMobwayReading(), driver_badge: 'MTR-20931' });

describe(toMobwayReading.name, () => {
  it("gives back mobway's own reading: its names and order, Brasília date_time, every catalogue datapoint, flag, extras as sent", () => {
    const sut = toMobwayReading(aRecord());
    expect(JSON.stringify(sut)).toBe(
      JSON.stringify({
        vin: '9BWZZZ377VT004251',
        date_time: '2025-03-01 10:00:00',
        speed: null,
        latitude: -23.55052,
        longitude: -46.63331,
        heading: 181,
        rpm: 2100,
        odometer: 48211.4,
        fuel_level: 57,
        range: null,
        left_front_tire_pressure: 34,
        right_front_tire_pressure: null,
        left_rear_tire_pressure: null,
        right_rear_tire_pressure: null,
        oil_level: null,
        engine_cooling_temperature: null,
        lv_battery_voltage: 13.9,
        hv_battery_voltage: null,
        hv_battery_soc: null,
        hv_battery_charging_status: null,
        seat_belt_status: 'fastened',
        event: 'position',
        flag: { speed: { value: 512.5, flag: 'out of range' } },
        driver_badge: 'MTR-20931',
      }),
    );
  });

  it('is the inverse of MobwayNormalizer for every catalogue datapoint, flags and extras', () => {
    const sent = aFullReading();
    const { records, rejected } = new MobwayNormalizer().normalize(
      { [sent.vin]: [sent] },
      { source: 'mobway', receivedAt: new Date() },
    );
    expect(rejected).toEqual([]);
    const sut = toMobwayReading(records[0]);
    expect(sut).toEqual(sent);
    expect(
      Object.keys(sut).filter(
        (name) => !['vin', 'date_time', 'flag', 'driver_badge'].includes(name),
      ),
    ).toEqual(MOBWAY_CATALOGUE.map(({ name }) => name));
  });

  it('with datapoints: only those fields and their flags, extras included, null for names the reading lacks', () => {
    const sut = toMobwayReading(
      aRecord(),
      new Set(['speed', 'left_front_tire_pressure', 'range', 'oil_temp']),
    );
    expect(sut).toEqual({
      vin: '9BWZZZ377VT004251',
      date_time: '2025-03-01 10:00:00',
      speed: null,
      range: null,
      left_front_tire_pressure: 34,
      flag: { speed: { value: 512.5, flag: 'out of range' } },
      oil_temp: null,
    });
  });

  it('gives back fields named like Object.prototype members', () => {
    const attributes = JSON.parse(
      '{"constructor":1,"toString":"t","__proto__":{"x":1},"hasOwnProperty":null}',
    ) as Record<string, unknown>;
    const sut = toMobwayReading(aRecord({ attributes }));
    expect(JSON.parse(JSON.stringify(sut))).toMatchObject(attributes);
    expect(
      JSON.stringify(
        toMobwayReading(aRecord({ attributes }), new Set(['constructor', '__proto__', 'valueOf'])),
      ),
    ).toContain('"constructor":1,"__proto__":{"x":1},"valueOf":null');
  });

  it('never lets an attribute override a mapped field', () => {
    expect(
      toMobwayReading(aRecord({ attributes: { speed: 1, vin: 'X', flag: 'y' } })),
    ).toMatchObject({ speed: null, vin: '9BWZZZ377VT004251', flag: { speed: expect.any(Object) } });
  });
});
