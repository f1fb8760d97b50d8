// builders for tests (here and in other libs/apps): `import { aVehicleRecord } from '@app/contracts/testing'`
import { DeviceLocationV1 } from './device-location.v1';
import { DeadLetterV1 } from './dead-letter.v1';
import { DEAD_LETTER_SCHEMA, LOCATION_SCHEMA, VEHICLE_SCHEMA } from './record.rules';
import { VehicleTelemetryV1 } from './vehicle-telemetry.v1';

export function aVehicleRecord(overrides: Partial<VehicleTelemetryV1> = {}): VehicleTelemetryV1 {
  return Object.assign(new VehicleTelemetryV1(), {
    schema: VEHICLE_SCHEMA,
    eventId: '0d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60',
    source: 'mobway',
    vin: '9BWZZZ377VT004251',
    recordedAt: '2025-03-01T13:00:00.000Z',
    receivedAt: '2025-03-01T13:00:02.125Z',
    latitude: -23.5505,
    longitude: -46.6333,
    speedKph: 62.5,
    headingDeg: 181,
    odometerKm: 48211.4,
    fuelLevelPct: 57,
    engineRpm: 2100,
    lvBatteryVoltageV: 13.9,
    hvBatterySocPct: null,
    event: 'ignition_on',
    flags: {},
    attributes: { tire_pressure_fl: 34 },
    ...overrides,
  });
}

export function aLocationRecord(overrides: Partial<DeviceLocationV1> = {}): DeviceLocationV1 {
  return Object.assign(new DeviceLocationV1(), {
    schema: LOCATION_SCHEMA,
    eventId: '7c9e6679-7425-5de9-944b-e07fc1f90ae7',
    source: 'weguard',
    deviceId: '356938035643809',
    recordedAt: '2025-03-01T13:00:00.000Z',
    receivedAt: '2025-03-01T13:00:02.125Z',
    latitude: 40.7128,
    longitude: -74.006,
    accuracyM: 8,
    speedKph: 0,
    headingDeg: null,
    altitudeM: 10,
    batteryPct: 88,
    attributes: { networkType: 'LTE' },
    ...overrides,
  });
}

export function aDeadLetter(overrides: Partial<DeadLetterV1> = {}): DeadLetterV1 {
  return {
    schema: DEAD_LETTER_SCHEMA,
    stage: 'ingest',
    source: 'mobway',
    reasons: ['latitude must not be greater than 90'],
    occurredAt: '2025-03-01T13:00:02.130Z',
    requestId: 'req-1',
    entityId: '9BWZZZ377VT004251',
    original: { vin: '9BWZZZ377VT004251', date_time: '2025-03-01 10:00:00', latitude: 123 },
    ...overrides,
  };
}
