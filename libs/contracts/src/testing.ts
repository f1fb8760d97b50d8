// builders for tests (here and in other libs/apps): `import { aVehicleRecord } from '@app/contracts/testing'`
import { exampleOf } from './contract.json';
import { type DeadLetterV1 } from './dead-letter.v1';
import { type DeviceLocationV1, DeviceLocationV1Contract } from './device-location.v1';
import { DEAD_LETTER_SCHEMA } from './record.rules';
import { type VehicleTelemetryV1, VehicleTelemetryV1Contract } from './vehicle-telemetry.v1';

/** the definition's example reading, with overrides */
export function aVehicleRecord(overrides: Partial<VehicleTelemetryV1> = {}): VehicleTelemetryV1 {
  return { ...exampleOf(VehicleTelemetryV1Contract), ...overrides };
}

/** the definition's example location, with overrides */
export function aLocationRecord(overrides: Partial<DeviceLocationV1> = {}): DeviceLocationV1 {
  return { ...exampleOf(DeviceLocationV1Contract), ...overrides };
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
