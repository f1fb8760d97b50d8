import type { RecordTable } from '@app/persistence';

/** what every record contract shares, and what the queries order and page by */
export interface QueryableRecord {
  eventId: string;
  recordedAt: string;
}

/**
 * One record contract as the query API serves it: the table binding from persistence, the schema
 * name every response item carries, and the name of the entity id in responses (`vin`, `deviceId`).
 */
export interface RecordQueryDefinition<R extends QueryableRecord, E extends string = string> {
  table: RecordTable<R>;
  schema: string;
  entityKey: E;
}

export const RECORD_QUERY_DEFINITION = Symbol('RECORD_QUERY_DEFINITION');

export function defineRecordQuery<R extends QueryableRecord, E extends keyof R & string>(
  table: RecordTable<R>,
  schema: string,
  entityKey: E,
): RecordQueryDefinition<R, E> {
  if (table.entityField !== entityKey)
    throw new Error(
      `${table.table}: entity key ${entityKey} is not the table's entity field ${String(table.entityField)}`,
    );
  return { table, schema, entityKey };
}
