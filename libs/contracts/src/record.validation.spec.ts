import { validateLocation, validateVehicle } from './record.validation';
import { DeviceLocationV1 } from './device-location.v1';
import { VehicleTelemetryV1 } from './vehicle-telemetry.v1';
import { aLocationRecord, aVehicleRecord } from './testing';

describe(validateVehicle.name, () => {
  const sut = validateVehicle;

  it('accepts a complete record', () => {
    expect(sut(aVehicleRecord())).toEqual([]);
  });

  it('accepts null in every nullable field', () => {
    const record = aVehicleRecord({
      latitude: null, longitude: null, speedKph: null, headingDeg: null, odometerKm: null, fuelLevelPct: null,
      engineRpm: null, lvBatteryVoltageV: null, hvBatterySocPct: null, event: null,
    }); // prettier-ignore

    expect(sut(record)).toEqual([]);
  });

  it.each<[string, Partial<VehicleTelemetryV1>, string[]]>([
    ['latitude above 90', { latitude: 123 }, ['latitude must not be greater than 90']],
    ['longitude below -180', { longitude: -180.5 }, ['longitude must not be less than -180']],
    ['speed above 500', { speedKph: 512.5 }, ['speedKph must not be greater than 500']],
    ['negative odometer', { odometerKm: -1 }, ['odometerKm must not be less than 0']],
    ['NaN', { fuelLevelPct: NaN }, ['fuelLevelPct must be a finite number or null']],
    ['Infinity', { engineRpm: Infinity }, ['engineRpm must be a finite number or null']],
    [
      'a numeric string',
      { headingDeg: '90' as never },
      ['headingDeg must be a finite number or null'],
    ],
    [
      'a VIN with I',
      { vin: '9BWZZZ377VI004251' },
      ['vin must be 17 characters of the VIN alphabet (no I, O, Q)'],
    ],
    [
      'a VIN of 16 characters',
      { vin: '9BWZZZ377VT00425' },
      ['vin must be 17 characters of the VIN alphabet (no I, O, Q)'],
    ],
    [
      'a lower-case VIN',
      { vin: '9bwzzz377vt004251' },
      ['vin must be 17 characters of the VIN alphabet (no I, O, Q)'],
    ],
    [
      'February 30',
      { recordedAt: '2025-02-30T13:00:00.000Z' },
      ['recordedAt must be an ISO-8601 UTC timestamp with milliseconds (yyyy-mm-ddThh:mm:ss.sssZ)'],
    ],
    [
      'an offset',
      { receivedAt: '2025-03-01T10:00:00.000-03:00' },
      ['receivedAt must be an ISO-8601 UTC timestamp with milliseconds (yyyy-mm-ddThh:mm:ss.sssZ)'],
    ],
    [
      'a random UUID',
      { eventId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' },
      ['eventId must be a UUID (version 5)'],
    ],
    [
      'another schema',
      { schema: 'vehicle-telemetry/v2' as never },
      ["schema must be 'vehicle-telemetry/v1'"],
    ],
    ['a numeric event', { event: 7 as never }, ['event must be a string or null']],
    ['flags as an array', { flags: [] as never }, ['flags must be an object']],
    ['attributes as null', { attributes: null as never }, ['attributes must be an object']],
    [
      'an empty source',
      { source: '' },
      ['source must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit'],
    ],
    [
      'a time before 1970',
      { recordedAt: '1969-12-31T23:59:59.999Z' },
      ['recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z'],
    ],
    [
      'year 0, which PostgreSQL has not',
      { recordedAt: '0000-01-01T00:00:00.000Z' },
      ['recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z'],
    ],
    [
      'a received time before 1970',
      { receivedAt: '0001-01-01T00:00:00.000Z' },
      ['receivedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z'],
    ],
    [
      'an event holding U+0000',
      { event: 'ignition\u0000on' },
      ['event must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them'],
    ],
    [
      'an event holding a lone surrogate',
      { event: 'position \ud83d' },
      ['event must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them'],
    ],
  ])('rejects %s with one reason', (_case, overrides, reasons) => {
    expect(sut(aVehicleRecord(overrides))).toEqual(reasons);
  });

  it('accepts the boundaries themselves', () => {
    const record = aVehicleRecord({
      latitude: -90,
      longitude: 180,
      speedKph: 0,
      headingDeg: 360,
      fuelLevelPct: 100,
      recordedAt: '1970-01-01T00:00:00.000Z',
      receivedAt: '9999-12-31T23:59:59.999Z',
    });

    expect(sut(record)).toEqual([]);
  });

  it('reports a missing field', () => {
    const record = aVehicleRecord();
    delete (record as Partial<VehicleTelemetryV1>).speedKph;

    expect(sut(record)).toEqual(['speedKph must be a finite number or null']);
  });

  it('reports a field the contract does not have', () => {
    const record = Object.assign(aVehicleRecord(), { tirePressure: 34 });

    expect(sut(record)).toEqual(['property tirePressure should not exist']);
  });

  it('reports every broken field, in declaration order', () => {
    expect(sut(aVehicleRecord({ vin: 'NOT-A-VIN', latitude: 123 }))).toEqual([
      'vin must be 17 characters of the VIN alphabet (no I, O, Q)',
      'latitude must not be greater than 90',
    ]);
  });

  it('refuses a plain object, which carries no decorators', () => {
    expect(sut({ ...aVehicleRecord() })).toEqual([
      'an unknown value was passed to the validate function',
    ]);
  });
});

describe(validateLocation.name, () => {
  const sut = validateLocation;

  it('accepts a complete record', () => {
    expect(sut(aLocationRecord())).toEqual([]);
  });

  it.each<[string, Partial<DeviceLocationV1>, string[]]>([
    ['latitude above 90', { latitude: 123 }, ['latitude must not be greater than 90']],
    ['a null latitude', { latitude: null as never }, ['latitude must be a finite number']],
    ['a null longitude', { longitude: null as never }, ['longitude must be a finite number']],
    ['negative accuracy', { accuracyM: -1 }, ['accuracyM must not be less than 0']],
    ['battery above 100', { batteryPct: 101 }, ['batteryPct must not be greater than 100']],
    [
      'an untrimmed device id',
      { deviceId: ' 356938035643809' },
      ['deviceId must be a trimmed, non-empty string of at most 128 characters'],
    ],
    [
      'an empty device id',
      { deviceId: '' },
      ['deviceId must be a trimmed, non-empty string of at most 128 characters'],
    ],
    [
      'a device id of 129 characters',
      { deviceId: 'x'.repeat(129) },
      ['deviceId must be a trimmed, non-empty string of at most 128 characters'],
    ],
    [
      'a device id holding U+0000',
      { deviceId: 'dev\u00001' },
      [
        'deviceId must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them',
      ],
    ],
    [
      'a device id holding a lone surrogate',
      { deviceId: '\udc00dev' },
      [
        'deviceId must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them',
      ],
    ],
    [
      'a time before 1970',
      { recordedAt: '1969-07-20T20:17:40.000Z' },
      ['recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z'],
    ],
  ])('rejects %s with one reason', (_case, overrides, reasons) => {
    expect(sut(aLocationRecord(overrides))).toEqual(reasons);
  });

  it('accepts text PostgreSQL stores: a surrogate pair, control characters, an escaped NUL', () => {
    expect(sut(aLocationRecord({ deviceId: 'dev 🚚 \u0001 \\u0000' }))).toEqual([]);
  });

  it('accepts a device id of 128 characters with inner spaces', () => {
    expect(sut(aLocationRecord({ deviceId: `a ${'x'.repeat(126)}` }))).toEqual([]);
  });
});
