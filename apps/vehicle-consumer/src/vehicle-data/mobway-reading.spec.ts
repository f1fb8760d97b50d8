import { VehicleTelemetryV1 } from '@app/contracts';
import { aVehicleRecord } from '@app/contracts/testing';
import { toMobwayReading } from './mobway-reading';

function aRecord(overrides: Partial<VehicleTelemetryV1> = {}): VehicleTelemetryV1 {
  return aVehicleRecord({
    eventId: '0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b',
    receivedAt: '2025-03-01T13:00:01.000Z',
    latitude: -23.55052,
    longitude: -46.63331,
    speedKph: null,
    event: 'position',
    flags: { speed: { value: 512.5, flag: 'out of range' } },
    attributes: { tire_pressure_fl: 34, driver_badge: 'MTR-20931' },
    ...overrides,
  });
}

describe(toMobwayReading.name, () => {
  it("gives back mobway's own reading: its names and order, Brasília date_time, flag, extras as sent", () => {
    const sut = toMobwayReading(aRecord());
    expect(JSON.stringify(sut)).toBe(
      JSON.stringify({
        vin: '9BWZZZ377VT004251',
        date_time: '2025-03-01 10:00:00',
        speed: null,
        latitude: -23.55052,
        longitude: -46.63331,
        heading: 181,
        odometer: 48211.4,
        fuel_level: 57,
        lv_battery_voltage: 13.9,
        hv_battery_soc: null,
        rpm: 2100,
        event: 'position',
        flag: { speed: { value: 512.5, flag: 'out of range' } },
        tire_pressure_fl: 34,
        driver_badge: 'MTR-20931',
      }),
    );
  });

  it('with datapoints: only those fields and their flags, extras included, null for unknown names', () => {
    const sut = toMobwayReading(aRecord(), new Set(['speed', 'tire_pressure_fl', 'oil_temp']));
    expect(sut).toEqual({
      vin: '9BWZZZ377VT004251',
      date_time: '2025-03-01 10:00:00',
      speed: null,
      flag: { speed: { value: 512.5, flag: 'out of range' } },
      tire_pressure_fl: 34,
      oil_temp: null,
    });
  });

  it('never lets an attribute override a mapped field', () => {
    expect(toMobwayReading(aRecord({ attributes: { speed: 1, vin: 'X', flag: 'y' } }))).toMatchObject({ speed: null, vin: '9BWZZZ377VT004251', flag: { speed: expect.any(Object) } });
  });
});
