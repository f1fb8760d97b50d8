export { TOPICS } from './topics';
export type { RecordType } from './topics';
export {
  VEHICLE_SCHEMA,
  LOCATION_SCHEMA,
  DEAD_LETTER_SCHEMA,
  VIN_PATTERN,
  isUtcTimestamp,
} from './record.rules';
export {
  BRASILIA_OFFSET_MINUTES,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  isLeapYear,
} from './calendar';
export {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  isStorableText,
  unstorableTextKind,
} from './record.rules';
export { VehicleTelemetryV1Contract, type VehicleTelemetryV1 } from './vehicle-telemetry.v1';
export { DeviceLocationV1Contract, type DeviceLocationV1 } from './device-location.v1';
export { DeadLetterV1Contract, type DeadLetterV1 } from './dead-letter.v1';
export { compileContract, type ContractCheck } from './contract.compiler';
export { jsonSchemaOf, exampleOf, PUBLISHED_CONTRACTS } from './contract.json';
export { checkVehicle, checkLocation } from './record.checks';
export {
  REASON_CLASSES,
  type ReasonClass,
  reasonClass,
  isReasonClass,
} from './dead-letter.reasons';
