import type { PgType } from '@app/persistence';
import { JsonBody } from './json-body';
import { RecordRow } from './record.mapper';
import { jsonFromFloat8 } from './record-item.writer';
import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';

/**
 * One response's file (CSV, GeoJSON, GPX) written a keyset page of rows at a time into the page's
 * body: `begin`, the rows of each pass in order, `end` of each pass. A file that needs the range
 * twice (GeoJSON: the line, then the points) has two passes; the service reads the range once per
 * pass, so memory stays at one page whatever the range holds.
 */
export interface RangeFileEncoder {
  readonly passes: number;
  begin(body: JsonBody): void;
  row(pass: number, body: JsonBody, row: RecordRow): void;
  end(pass: number, body: JsonBody): void;
}

/** a file format of one record contract: the columns worked out once, an encoder per response */
export interface RangeFileWriter {
  open(entity: string): RangeFileEncoder;
}

/** a contract field as a file writer reads it: its name, its type, and where its text is in a RecordRow */
export interface FieldColumn {
  field: string;
  pgType: PgType;
  at: number;
}

/** the definition's fields in contract order (the table binding's: the constant `schema` is not one) */
export function fieldColumns<R extends QueryableRecord>(
  definition: RecordQueryDefinition<R>,
): FieldColumn[] {
  // row[0] is seq; the binding's columns follow
  return definition.table.columns.map((c, i) => ({
    field: c.field as string,
    pgType: c.pgType,
    at: i + 1,
  }));
}

/** where a reading's position is in a RecordRow, from the definition's position fields */
export interface PositionColumns {
  latitude: number;
  longitude: number;
  altitude?: number;
}

export function positionColumns<R extends QueryableRecord>(
  definition: RecordQueryDefinition<R>,
): PositionColumns {
  // defineRecordQuery checked that each is a number column
  const columns = fieldColumns(definition);
  const at = (field: keyof R | undefined): number | undefined =>
    field === undefined ? undefined : columns.find((c) => c.field === field)!.at;
  const { latitude, longitude, altitude } = definition.position;
  return { latitude: at(latitude)!, longitude: at(longitude)!, altitude: at(altitude) };
}

/** a float8's text as JSON prints it; undefined for null, NaN and ±Infinity, which no position or reading holds */
export function finiteNumber(text: string | null): string | undefined {
  if (text === null) return undefined;
  const json = jsonFromFloat8(text);
  return json === 'null' ? undefined : json;
}
