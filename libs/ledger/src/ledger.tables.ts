import type { RecordType } from '@app/contracts';
import { LOCATION_TABLE, VEHICLE_TABLE } from '@app/persistence';

/**
 * One record type's completeness ledger, as data: the consumer app of that type keeps it. Like
 * the record tables, the names are bindings here and the migration makes the tables.
 */
export interface LedgerBinding {
  recordType: RecordType;
  /** counts per source and minute of receipt (LedgerRepository) */
  ledger: string;
  /** the requests counted, by source and webhook id or body digest: a retry counts once */
  requests: string;
  /** the record table whose rows are the stored count */
  records: string;
  /** the consumer group reading the raw archive into the ledger */
  rawGroup: string;
}

/** how far each consumer has counted, per topic partition: shared by the ledgers */
export const LEDGER_OFFSETS = 'ledger_offsets';

export const LEDGERS = {
  vehicle: {
    recordType: 'vehicle',
    ledger: 'vehicle_telemetry_ledger',
    requests: 'vehicle_telemetry_ledger_requests',
    records: VEHICLE_TABLE.table,
    rawGroup: 'vehicle-consumer-ledger',
  },
  location: {
    recordType: 'location',
    ledger: 'device_location_ledger',
    requests: 'device_location_ledger_requests',
    records: LOCATION_TABLE.table,
    rawGroup: 'location-consumer-ledger',
  },
} as const satisfies Record<RecordType, LedgerBinding>;

/** the ledger's own grain: every count is kept per source and minute, and served in buckets of whole minutes */
export const LEDGER_MINUTE_MS = 60_000;

export function minuteOf(at: number): number {
  return Math.floor(at / LEDGER_MINUTE_MS) * LEDGER_MINUTE_MS;
}
