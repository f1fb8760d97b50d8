import { JsonBody } from './json-body';
import { isoFromPgTimestamp, RecordRow } from './record.mapper';
import { FieldColumn, fieldColumns, RangeFileEncoder, RangeFileWriter } from './record-file.writer';
import { jsonFromFloat8, writeJsonb } from './record-item.writer';
import { QueryableRecord, RecordQueryDefinition } from './record-query.definition';

const QUOTE = 0x22;
const COMMA = 0x2c;
const CRLF = Buffer.from('\r\n');

/** a CSV cell (RFC 4180) of text: quoted when it holds a comma, a quote or a line break, quotes doubled; '' as "" so it stays apart from null */
export function csvCell(text: string): string {
  if (text === '') return '""';
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A range as CSV (RFC 4180, CRLF line ends): a header row of the contract's field names in
 * contract order (the constant `schema` is no column), then one row per record. Values are the
 * JSON API's: times as ISO-8601 UTC to the millisecond, numbers as JavaScript prints them;
 * null is an empty cell and an empty text a quoted one (""); objects (flags, attributes) are their
 * JSON text in a quoted cell. Cells are never prefixed against spreadsheet formulas: the file
 * holds the values as stored (a negative longitude starts with '-').
 */
export class RecordCsvWriter<R extends QueryableRecord> implements RangeFileWriter {
  private readonly columns: FieldColumn[];
  private readonly header: Buffer;
  /** a jsonb value's compact text, before it is quoted into its cell; rows are written one at a time */
  private readonly scratch = new JsonBody('', 1);

  constructor(definition: RecordQueryDefinition<R>) {
    this.columns = fieldColumns(definition);
    this.header = Buffer.from(`${this.columns.map((c) => csvCell(c.field)).join(',')}\r\n`);
  }

  open(): RangeFileEncoder {
    return {
      passes: 1,
      begin: (body) => body.raw(this.header),
      row: (_pass, body, row) => this.row(body, row),
      end: () => undefined,
    };
  }

  /** the row as one CSV line, CRLF included */
  row(body: JsonBody, row: RecordRow): void {
    const { columns } = this;
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) body.byte(COMMA);
      const text = row[columns[i].at];
      if (text === null) continue;
      switch (columns[i].pgType) {
        case 'float8': {
          // NaN and ±Infinity (JSON null) stay empty, as null does
          const json = jsonFromFloat8(text);
          if (json !== 'null') body.text(json);
          break;
        }
        case 'timestamptz':
          body.text(isoFromPgTimestamp(text, 3) ?? '');
          break;
        case 'jsonb':
          this.json(body, text);
          break;
        default:
          body.text(csvCell(text));
      }
    }
    body.raw(CRLF);
  }

  /** jsonb text as the JSON API writes it, in a quoted cell with its quotes doubled */
  private json(body: JsonBody, text: string): void {
    const scratch = this.scratch;
    scratch.truncate(0);
    writeJsonb(scratch, text);
    const json = scratch.bytes('');
    body.byte(QUOTE);
    let from = 0;
    for (let i = json.indexOf(QUOTE); i >= 0; i = json.indexOf(QUOTE, i + 1)) {
      body.raw(json.subarray(from, i + 1));
      body.byte(QUOTE);
      from = i + 1;
    }
    body.raw(json.subarray(from));
    body.byte(QUOTE);
  }
}
