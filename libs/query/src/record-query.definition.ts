import type { RecordTable } from '@app/persistence';

/** what every record contract shares, and what the queries order and page by */
export interface QueryableRecord {
  eventId: string;
  recordedAt: string;
}

/** the fields that place a reading on the map: the track formats (GeoJSON, GPX) read these */
export interface PositionFields<R> {
  latitude: keyof R;
  longitude: keyof R;
  /** metres; GPX `ele`, GeoJSON's third coordinate */
  altitude?: keyof R;
}

/**
 * One record contract as the query API serves it: the table binding from persistence, the schema
 * name every response item carries, the name of the entity id in responses (`vin`, `deviceId`),
 * and the fields of its position.
 */
export interface RecordQueryDefinition<R extends QueryableRecord, E extends string = string> {
  table: RecordTable<R>;
  schema: string;
  entityKey: E;
  position: PositionFields<R>;
}

export const RECORD_QUERY_DEFINITION = Symbol('RECORD_QUERY_DEFINITION');

export function defineRecordQuery<R extends QueryableRecord, E extends keyof R & string>(
  table: RecordTable<R>,
  schema: string,
  entityKey: E,
  position: PositionFields<R> = {
    latitude: 'latitude',
    longitude: 'longitude',
  } as PositionFields<R>,
): RecordQueryDefinition<R, E> {
  if (table.entityField !== entityKey)
    throw new Error(
      `${table.table}: entity key ${entityKey} is not the table's entity field ${String(table.entityField)}`,
    );
  for (const field of [position.latitude, position.longitude, position.altitude])
    if (
      field !== undefined &&
      !table.columns.some((c) => c.field === field && c.pgType === 'float8')
    )
      throw new Error(`${table.table}: position field ${String(field)} is no number column`);
  return { table, schema, entityKey, position };
}
