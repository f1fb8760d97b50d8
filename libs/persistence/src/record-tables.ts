import type { Static, TObject, TSchema } from '@sinclair/typebox';
import {
  DeviceLocationV1,
  DeviceLocationV1Contract,
  VehicleTelemetryV1,
  VehicleTelemetryV1Contract,
} from '@app/contracts';

export type PgType = 'uuid' | 'text' | 'timestamptz' | 'float8' | 'jsonb';

/** how one contract field is stored: the column and the PostgreSQL array type used by unnest() */
export interface ColumnBinding<R> {
  column: string;
  field: keyof R;
  pgType: PgType;
}

/**
 * A record contract and its table, as data: the writer, the consumers and the query APIs read
 * columns from here, so a new record type is a new binding, not new code.
 */
export interface RecordTable<R> {
  table: string;
  /** the column records are grouped by: VIN or device id */
  entityColumn: string;
  entityField: keyof R;
  columns: ColumnBinding<R>[];
}

/**
 * The columns of a contract's table, in the definition's order: `camelCase` field → `snake_case`
 * column, the PostgreSQL type from the field's JSON Schema (format uuid → uuid, date-time →
 * timestamptz, number → float8, object → jsonb, string → text). A constant (`schema`) is not
 * stored. `pgTypes` overrides a field the rule does not fit; the migration must agree either way.
 */
export function bindColumns<T extends TObject>(
  contract: T,
  pgTypes: Partial<Record<keyof Static<T>, PgType>> = {},
): ColumnBinding<Static<T>>[] {
  return Object.entries(contract.properties as Record<string, TSchema>)
    .filter(([, schema]) => schema.const === undefined)
    .map(([field, schema]) => ({
      column: field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`),
      field,
      pgType: pgTypes[field as keyof Static<T>] ?? pgTypeOf(field, schema),
    }));
}

function pgTypeOf(field: string, schema: TSchema): PgType {
  const types = ([schema.type] as unknown[]).flat().filter((type) => type !== 'null');
  if (types.length !== 1)
    throw new Error(`${field}: no column type for ${JSON.stringify(schema.type)}`);
  const [type] = types;
  if (type === 'string' && schema.format === 'uuid') return 'uuid';
  if (type === 'string' && schema.format === 'date-time') return 'timestamptz';
  if (type === 'string') return 'text';
  if (type === 'number') return 'float8';
  if (type === 'object') return 'jsonb';
  throw new Error(`${field}: no column type for ${JSON.stringify(type)}`);
}

export const VEHICLE_TABLE: RecordTable<VehicleTelemetryV1> = {
  table: 'vehicle_telemetry',
  entityColumn: 'vin',
  entityField: 'vin',
  columns: bindColumns(VehicleTelemetryV1Contract),
};

export const LOCATION_TABLE: RecordTable<DeviceLocationV1> = {
  table: 'device_location',
  entityColumn: 'device_id',
  entityField: 'deviceId',
  columns: bindColumns(DeviceLocationV1Contract),
};
