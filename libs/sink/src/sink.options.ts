import {
  checkLocation,
  checkVehicle,
  DeviceLocationV1,
  RecordType,
  TOPICS,
  VehicleTelemetryV1,
} from '@app/contracts';
import { LOCATION_TABLE, RecordTable, VEHICLE_TABLE } from '@app/persistence';

export const SINK_OPTIONS = Symbol('SINK_OPTIONS');

/** one topic into one table: what a consumer app stores, as data */
export interface SinkOptions<R = unknown> {
  entity: RecordType;
  topic: string;
  groupId: string;
  table: RecordTable<R>;
  /** the contract's fast check (checkVehicle, checkLocation): reasons, [] when valid */
  check: (record: R) => string[];
  /** backoff while PostgreSQL or Kafka is away; defaults 250 ms doubling to 10 s */
  retry?: { initialMs?: number; maxMs?: number };
  /** partitions whose batches are stored at the same time (writes still take turns on the table lock) */
  partitionsConsumedConcurrently?: number;
}

export const SINKS = {
  vehicle: {
    entity: 'vehicle',
    topic: TOPICS.vehicle,
    groupId: 'vehicle-consumer',
    table: VEHICLE_TABLE,
    check: checkVehicle,
  } satisfies SinkOptions<VehicleTelemetryV1>,
  location: {
    entity: 'location',
    topic: TOPICS.location,
    groupId: 'location-consumer',
    table: LOCATION_TABLE,
    check: checkLocation,
  } satisfies SinkOptions<DeviceLocationV1>,
} as const;
