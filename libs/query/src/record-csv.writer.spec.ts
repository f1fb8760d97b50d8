import fc from 'fast-check';
import {
  DeviceLocationV1Contract,
  LOCATION_SCHEMA,
  VEHICLE_SCHEMA,
  VehicleTelemetryV1Contract,
} from '@app/contracts';
import { LOCATION_TABLE, VEHICLE_TABLE } from '@app/persistence';
import { JsonBody } from './json-body';
import { RecordMapper, RecordRow } from './record.mapper';
import { csvCell, RecordCsvWriter } from './record-csv.writer';
import { defineRecordQuery } from './record-query.definition';
import { aRow, aVehicleRow } from './testing';

const vehicles = defineRecordQuery(VEHICLE_TABLE, VEHICLE_SCHEMA, 'vin');

/** a cell as RFC 4180 reads it, and whether it was quoted (an empty quoted cell is '', an empty bare one null) */
interface Cell {
  text: string;
  quoted: boolean;
}

/** RFC 4180: records end in CRLF, fields are bare or quoted with "" for a quote; strict, so a stray quote fails */
function parseCsv(text: string): Cell[][] {
  const records: Cell[][] = [];
  let i = 0;
  while (i < text.length) {
    const record: Cell[] = [];
    for (;;) {
      let cell: Cell;
      if (text[i] === '"') {
        let value = '';
        i++;
        for (;;) {
          const end = text.indexOf('"', i);
          if (end < 0) throw new Error('unterminated quoted field');
          value += text.slice(i, end);
          i = end + 1;
          if (text[i] !== '"') break;
          value += '"';
          i++;
        }
        cell = { text: value, quoted: true };
      } else {
        let end = i;
        while (end < text.length && text[end] !== ',' && text[end] !== '\r') {
          if (text[end] === '"' || text[end] === '\n')
            throw new Error(`bare ${text[end]} at ${end}`);
          end++;
        }
        cell = { text: text.slice(i, end), quoted: false };
        i = end;
      }
      record.push(cell);
      if (text[i] === ',') i++;
      else if (text.startsWith('\r\n', i)) {
        i += 2;
        break;
      } else throw new Error(`expected , or CRLF at ${i}`);
    }
    records.push(record);
  }
  return records;
}

function csv(definition: typeof vehicles, rows: RecordRow[]): string {
  const encoder = new RecordCsvWriter(definition).open();
  const body = new JsonBody('', rows.length);
  encoder.begin(body);
  for (const row of rows) encoder.row(0, body, row);
  encoder.end(0, body);
  return body.bytes('').toString();
}

const fieldsOf = (contract: { properties: object }): string[] =>
  Object.keys(contract.properties).filter((field) => field !== 'schema');

describe(RecordCsvWriter.name, () => {
  it('writes a header row of the contract fields, schema excepted, then a row per record, CRLF', () => {
    const text = csv(vehicles, [aVehicleRow()]);
    expect(text).toBe(
      `${fieldsOf(VehicleTelemetryV1Contract).join(',')}\r\n` +
        '0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b,mobway,9BWZZZ377VT004251,2025-03-01T13:00:00.123Z,2025-03-01T13:00:01.000Z,' +
        '-23.5,-46.6,,181,48211.4,57,2100,13.9,,position,' +
        '"{""speed"":{""flag"":""out of range"",""value"":512.5}}","{""tire_pressure_fl"":34}"\r\n',
    );
  });

  it('answers an empty range with the header row alone', () => {
    const devices = defineRecordQuery(LOCATION_TABLE, LOCATION_SCHEMA, 'deviceId');
    expect(csv(devices as never, [])).toBe(`${fieldsOf(DeviceLocationV1Contract).join(',')}\r\n`);
  });

  it.each([
    ['plain', 'plain'],
    ['', '""'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    ['ção 🚚', 'ção 🚚'],
    ['=1+1', '=1+1'],
  ])('a text %p is the cell %p', (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });

  it('keeps null (empty cell) apart from an empty text ("") and writes nulls of every type as empty', () => {
    const row = aVehicleRow({
      event: '',
      source: null,
      recorded_at: null,
      latitude: null,
      flags: null,
    });
    const [, cells] = parseCsv(csv(vehicles, [row]));
    const at = (field: string) => cells[fieldsOf(VehicleTelemetryV1Contract).indexOf(field)];
    expect(at('event')).toEqual({ text: '', quoted: true });
    for (const field of ['source', 'recordedAt', 'latitude', 'flags'])
      expect(at(field)).toEqual({ text: '', quoted: false });
  });

  it('writes numbers as the JSON API does (exponent forms, -0)', () => {
    const [, cells] = parseCsv(
      csv(vehicles, [aVehicleRow({ latitude: '1e-05', longitude: '-0', odometer_km: '1e+15' })]),
    );
    expect(cells.slice(5, 7).map((c) => c.text)).toEqual(['0.00001', '0']);
    expect(cells[fieldsOf(VehicleTelemetryV1Contract).indexOf('odometerKm')].text).toBe(
      '1000000000000000',
    );
  });

  it('parses back to the values the JSON API gives, for any record (RFC 4180 reader)', () => {
    const mapper = new RecordMapper(vehicles);
    const fields = fieldsOf(VehicleTelemetryV1Contract);
    // pg's text: no U+0000 (not storable); anything else, commas, quotes and line breaks above all
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', 'ç', '🚚') }),
      fc.string({ unit: 'binary' }).map((s) => Buffer.from(s.replace(/\0/g, '')).toString()),
    );
    const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
    const float = fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .map((n) => String(n).replace(/e([+-])(\d)$/, 'e$10$2'));
    const time = fc
      .date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().replace('T', ' ').replace('Z', '123'));
    const object = fc.dictionary(fc.string(), fc.jsonValue()).map((o) => JSON.stringify(o));
    const row = fc
      .record({
        source: nullable(text),
        vin: text,
        event: nullable(text),
        recorded_at: time,
        received_at: nullable(time),
        latitude: nullable(float),
        longitude: nullable(float),
        speed_kph: nullable(float),
        flags: nullable(object),
        attributes: object,
      })
      .map((texts) => aVehicleRow(texts));
    fc.assert(
      fc.property(fc.array(row, { maxLength: 5 }), (rows) => {
        const [header, ...records] = parseCsv(csv(vehicles, rows));
        expect(header.map((c) => c.text)).toEqual(fields);
        expect(records).toHaveLength(rows.length);
        records.forEach((cells, i) => {
          const expected = JSON.parse(JSON.stringify(mapper.toRecord(rows[i]))) as Record<
            string,
            unknown
          >;
          const parsed = Object.fromEntries(
            cells.map((cell, c) => {
              const { pgType } = VEHICLE_TABLE.columns[c];
              if (cell.text === '' && !cell.quoted) return [fields[c], null];
              if (pgType === 'float8') return [fields[c], Number(cell.text)];
              if (pgType === 'jsonb') return [fields[c], JSON.parse(cell.text)];
              return [fields[c], cell.text];
            }),
          );
          expect({ schema: VEHICLE_SCHEMA, ...parsed }).toEqual(expected);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('writes a location row by the location binding', () => {
    const devices = defineRecordQuery(LOCATION_TABLE, LOCATION_SCHEMA, 'deviceId');
    const row = aRow(LOCATION_TABLE, {
      event_id: 'e',
      device_id: 'dev,1',
      recorded_at: '2025-03-01 13:00:00',
      latitude: '1',
      longitude: '2',
      altitude_m: '10.5',
      attributes: '{}',
    });
    expect(csv(devices as never, [row]).split('\r\n')[1]).toBe(
      'e,,"dev,1",2025-03-01T13:00:00.000Z,,1,2,,,,10.5,,"{}"',
    );
  });
});
