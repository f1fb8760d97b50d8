import { DeviceLocationV1, LOCATION_SCHEMA } from '@app/contracts';
import { DEVICE_ID_PATTERN, MESSAGES } from '@app/contracts/record.rules';
import { LOCATION_TABLE } from '@app/persistence';
import { defineRecordQuery, EntityParamPipe } from '@app/query';

export const LOCATION_QUERY = defineRecordQuery<DeviceLocationV1, 'deviceId'>(
  LOCATION_TABLE,
  LOCATION_SCHEMA,
  'deviceId',
  { latitude: 'latitude', longitude: 'longitude', altitude: 'altitudeM' },
);

/** stored device ids are trimmed, case kept (the ingest path stores them so) */
export const DeviceIdPipe = new EntityParamPipe({
  normalize: (id) => id.trim(),
  valid: (id) => DEVICE_ID_PATTERN.test(id),
  message: MESSAGES.deviceId,
});
