import { validateSync, ValidationError, ValidatorOptions } from 'class-validator';
import { DeviceLocationV1 } from './device-location.v1';
import { VehicleTelemetryV1 } from './vehicle-telemetry.v1';

const OPTIONS: ValidatorOptions = {
  // one reason per field: the type check runs first (see validation.decorators.ts)
  stopAtFirstError: true,
  // report fields the contract does not have instead of stripping them (additionalProperties: false)
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

/**
 * Reasons the record breaks the contract, [] when it is valid. Pass an instance built with
 * `new VehicleTelemetryV1()`: a plain object carries no decorators and is reported as unknown.
 */
export function validateVehicle(record: VehicleTelemetryV1): string[] {
  return reasonsOf(validateSync(record, OPTIONS));
}

/** Reasons the record breaks the contract, [] when it is valid. Pass a `DeviceLocationV1` instance. */
export function validateLocation(record: DeviceLocationV1): string[] {
  return reasonsOf(validateSync(record, OPTIONS));
}

function reasonsOf(errors: ValidationError[]): string[] {
  const reasons: string[] = [];
  for (const error of errors) {
    if (error.constraints) reasons.push(...Object.values(error.constraints));
  }
  return reasons;
}
