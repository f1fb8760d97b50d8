import { JsonBody } from './json-body';
import { RecordRow } from './record.mapper';
import {
  fieldColumns,
  finiteNumber,
  PositionColumns,
  positionColumns,
  RangeFileEncoder,
  RangeFileWriter,
} from './record-file.writer';
import { RecordItemWriter } from './record-item.writer';
import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';

const LINE_PASS = 0;

/**
 * A range as GeoJSON (RFC 7946): a FeatureCollection whose first feature is the track, a
 * LineString through the positions in range order (2D), with the entity id and how many positions
 * it has as properties; then one feature per record, in the same order, whose id is the event id,
 * whose properties are the record as the JSON API gives it, and whose geometry is its Point
 * ([longitude, latitude], and altitude where the contract has one and the record gives it).
 * A record without a position is still a feature, with a null geometry (RFC 7946 §3.2), and
 * is not on the line; a line needs two positions (§3.1.4), so with fewer its geometry is null.
 *
 * The line comes first so a reader has the track before the points; it is written in a first pass
 * over the range, the points in a second, so memory stays at a page however long the track is.
 */
export class RecordGeoJsonWriter<R extends QueryableRecord> implements RangeFileWriter {
  private readonly position: PositionColumns;
  private readonly eventId: number;
  private readonly items: RecordItemWriter<R>;
  private readonly entityKey: string;

  constructor(definition: RecordQueryDefinition<R>) {
    this.position = positionColumns(definition);
    this.eventId = fieldColumns(definition).find((c) => c.field === 'eventId')!.at;
    this.items = new RecordItemWriter(definition);
    this.entityKey = definition.entityKey;
  }

  open(entity: string): RangeFileEncoder {
    let positions = 0;
    /** the first position, written once a second one makes a line */
    let first = '';
    return {
      passes: 2,
      begin: (body) =>
        body.text('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'),
      row: (pass, body, row) => {
        if (pass !== LINE_PASS) return this.point(body, row);
        const at = this.coordinates(row, false);
        if (at === undefined) return;
        if (positions === 0) first = at;
        else if (positions === 1) body.text(`{"type":"LineString","coordinates":[${first},${at}`);
        else body.text(`,${at}`);
        positions++;
      },
      end: (pass, body) => {
        if (pass !== LINE_PASS) return body.text(']}\n');
        body.text(positions < 2 ? 'null' : ']}');
        body.text(
          `,"properties":{${JSON.stringify(this.entityKey)}:${JSON.stringify(entity)},"positions":${positions}}}`,
        );
      },
    };
  }

  /** the row as a Point feature, after the features before it */
  point(body: JsonBody, row: RecordRow): void {
    body.text(',{"type":"Feature","id":');
    body.string(row[this.eventId]!);
    const at = this.coordinates(row, true);
    body.text(
      at === undefined ? ',"geometry":null' : `,"geometry":{"type":"Point","coordinates":${at}}`,
    );
    body.text(',"properties":');
    this.items.object(body, row);
    body.byte(0x7d);
  }

  /** `[lon,lat]` (with the altitude when asked and known), or undefined without a position */
  private coordinates(row: RecordRow, altitude: boolean): string | undefined {
    const { position } = this;
    const lat = finiteNumber(row[position.latitude]);
    const lon = finiteNumber(row[position.longitude]);
    if (lat === undefined || lon === undefined) return undefined;
    const alt =
      altitude && position.altitude !== undefined
        ? finiteNumber(row[position.altitude])
        : undefined;
    return alt === undefined ? `[${lon},${lat}]` : `[${lon},${lat},${alt}]`;
  }
}
