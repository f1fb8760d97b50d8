import { JsonBody } from './json-body';
import { isoFromPgTimestamp, RecordRow } from './record.mapper';
import {
  FieldColumn,
  fieldColumns,
  finiteNumber,
  PositionColumns,
  positionColumns,
  RangeFileEncoder,
  RangeFileWriter,
} from './record-file.writer';
import { writeJsonb } from './record-item.writer';
import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';

export const GPX_NAMESPACE = 'http://www.topografix.com/GPX/1/1';

// XML 1.0 has no way to write these, escaped or not: U+0000–U+001F but tab, LF and CR, U+FFFE,
// U+FFFF and unpaired surrogates (the last never reach storage)
const NOT_XML =
  // eslint-disable-next-line no-control-regex -- the control characters are what it finds
  /[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const MARKUP = /[&<>\r]/g;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  // a raw CR would be read back as LF
  '\r': '&#xD;',
};

/** text as XML character data (no attribute holds text here): markup escaped, characters XML cannot hold as U+FFFD */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, '\ufffd').replace(MARKUP, (c) => ENTITIES[c]);
}

/** the XML namespace of a record schema's GPX extensions: its contract's $id ('vehicle-telemetry/v1' → urn:fleet-telemetry:schema:vehicle-telemetry:v1) */
export function extensionNamespace(schema: string): string {
  return `urn:fleet-telemetry:schema:${schema.replace(/\//g, ':')}`;
}

/**
 * A range as GPX 1.1: one trk named after the entity with one trkseg, a trkpt per record with a
 * position (lat, lon; ele from the altitude field where the contract has one; time from
 * recordedAt), in range order. Every other non-null field is an element of the record schema's
 * namespace under the trkpt's extensions, with its JSON API value as text (objects as JSON text).
 * A record without a position has no place in a track and is left out; an empty range is a
 * track with an empty segment.
 */
export class RecordGpxWriter<R extends QueryableRecord> implements RangeFileWriter {
  private readonly position: PositionColumns;
  private readonly time: number;
  /** the fields written as extensions: all but the position and the time */
  private readonly extensions: FieldColumn[];
  /** `<ft:field>` and `</ft:field>` of each extension */
  private readonly tags: [string, string][];
  private readonly head: string;
  private readonly scratch = new JsonBody('', 1);

  constructor(definition: RecordQueryDefinition<R>) {
    this.position = positionColumns(definition);
    const columns = fieldColumns(definition);
    this.time = columns.find((c) => c.field === 'recordedAt')!.at;
    const taken = [
      this.position.latitude,
      this.position.longitude,
      this.position.altitude,
      this.time,
    ];
    this.extensions = columns.filter((c) => !taken.includes(c.at));
    this.tags = this.extensions.map((c) => [`<ft:${c.field}>`, `</ft:${c.field}>`]);
    this.head =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<gpx version="1.1" creator="fleet-telemetry-pipeline" xmlns="${GPX_NAMESPACE}" ` +
      `xmlns:ft="${extensionNamespace(definition.schema)}" ` +
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
      `xsi:schemaLocation="${GPX_NAMESPACE} ${GPX_NAMESPACE}/gpx.xsd">\n`;
  }

  open(entity: string): RangeFileEncoder {
    return {
      passes: 1,
      begin: (body) => body.text(`${this.head}<trk><name>${xmlText(entity)}</name><trkseg>\n`),
      row: (_pass, body, row) => this.point(body, row),
      end: (_pass, body) => body.text('</trkseg></trk>\n</gpx>\n'),
    };
  }

  /** the row as a trkpt line, or nothing without a position */
  point(body: JsonBody, row: RecordRow): void {
    const { position } = this;
    const lat = decimal(finiteNumber(row[position.latitude]));
    const lon = decimal(finiteNumber(row[position.longitude]));
    if (lat === undefined || lon === undefined) return;
    body.text(`<trkpt lat="${lat}" lon="${lon}">`);
    const ele =
      position.altitude === undefined ? undefined : decimal(finiteNumber(row[position.altitude]));
    if (ele !== undefined) body.text(`<ele>${ele}</ele>`);
    const time = row[this.time] === null ? null : isoFromPgTimestamp(row[this.time]!, 3);
    if (time !== null) body.text(`<time>${time}</time>`);
    body.text('<extensions>');
    const { extensions, tags } = this;
    for (let i = 0; i < extensions.length; i++) {
      const text = row[extensions[i].at];
      if (text === null) continue;
      const value = this.value(extensions[i], text);
      if (value === undefined) continue;
      body.text(tags[i][0]);
      body.text(value);
      body.text(tags[i][1]);
    }
    body.text('</extensions></trkpt>\n');
  }

  private value(column: FieldColumn, text: string): string | undefined {
    switch (column.pgType) {
      case 'float8':
        return finiteNumber(text);
      case 'timestamptz':
        return isoFromPgTimestamp(text, 3) ?? undefined;
      case 'jsonb': {
        this.scratch.truncate(0);
        writeJsonb(this.scratch, text);
        return xmlText(this.scratch.bytes('').toString());
      }
      default:
        return xmlText(text);
    }
  }
}

/** a JSON number as an xsd:decimal, which has no exponent ('1e-7' → '0.0000001'), as GPX wants lat, lon and ele */
export function decimal(json: string | undefined): string | undefined {
  if (json === undefined) return undefined;
  const e = json.indexOf('e');
  if (e < 0) return json;
  const negative = json.startsWith('-');
  const mantissa = json.slice(negative ? 1 : 0, e);
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + Number(json.slice(e + 1));
  const plain =
    point <= 0
      ? `0.${'0'.repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${plain}` : plain;
}
