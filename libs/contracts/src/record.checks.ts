import { compileContract } from './contract.compiler';
import { DeviceLocationV1Contract } from './device-location.v1';
import { VehicleTelemetryV1Contract } from './vehicle-telemetry.v1';

// the hot-path checks, compiled from the definitions once at load: one reason per broken field,
// [] for a record that keeps the contract; they accept any object (parsed JSON included)

/** Reasons a vehicle record breaks `vehicle-telemetry/v1`, [] when it keeps it. */
export const checkVehicle = compileContract(VehicleTelemetryV1Contract);

/** Reasons a location record breaks `device-location/v1`, [] when it keeps it. */
export const checkLocation = compileContract(DeviceLocationV1Contract);
