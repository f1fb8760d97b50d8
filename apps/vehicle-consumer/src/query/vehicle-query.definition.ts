import { VEHICLE_SCHEMA, VehicleTelemetryV1, VIN_PATTERN } from '@app/contracts';
import { MESSAGES } from '@app/contracts/record.rules';
import { VEHICLE_TABLE } from '@app/persistence';
import { defineRecordQuery, EntityParamPipe } from '@app/query';

export const VEHICLE_QUERY = defineRecordQuery<VehicleTelemetryV1, 'vin'>(
  VEHICLE_TABLE,
  VEHICLE_SCHEMA,
  'vin',
  { latitude: 'latitude', longitude: 'longitude' },
);

/** stored VINs are trimmed and upper-case (the ingest path normalizes them the same way) */
export const normalizeVin = (vin: string): string => vin.trim().toUpperCase();

export const VinPipe = new EntityParamPipe({
  normalize: normalizeVin,
  valid: (vin) => VIN_PATTERN.test(vin),
  message: MESSAGES.vin,
});
