import { LOCATION_SCHEMA, VEHICLE_SCHEMA } from '@app/contracts';
import { LOCATION_TABLE, VEHICLE_TABLE } from '@app/persistence';
import { JsonBody } from './json-body';
import { RecordMapper, RecordRow } from './record.mapper';
import { defineRecordQuery } from './record-query.definition';
import { jsonFromFloat8, RecordItemWriter, writeJsonb } from './record-item.writer';
import { aRow, aVehicleRow } from './testing';

/** writeJsonb's text */
function compactJsonb(text: string): string {
  const body = new JsonBody('', 1);
  writeJsonb(body, text);
  return body.bytes('').toString();
}

const vehicles = defineRecordQuery(VEHICLE_TABLE, VEHICLE_SCHEMA, 'vin');

/** what a writer method writes as one item */
function written(write: (body: JsonBody) => void): string {
  const body = new JsonBody('', 1);
  write(body);
  return body.bytes('').toString();
}

describe(RecordItemWriter.name, () => {
  const writer = new RecordItemWriter(vehicles);
  const sut = {
    record: (row: RecordRow): string => written((body) => writer.record(body, row)),
    change: (row: RecordRow): string => written((body) => writer.change(body, row)),
  };
  const mapper = new RecordMapper(vehicles);
  /** what the API wrote before: the mapped object, serialized */
  const stringified = (row: RecordRow): string => JSON.stringify(mapper.toRecord(row));

  it('writes every column type in contract order, as JSON.stringify of the mapped record', () => {
    const row = aVehicleRow();
    expect(sut.record(row)).toBe(
      `{"schema":"${VEHICLE_SCHEMA}","eventId":"0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b","source":"mobway","vin":"9BWZZZ377VT004251",` +
        '"recordedAt":"2025-03-01T13:00:00.123Z","receivedAt":"2025-03-01T13:00:01.000Z","latitude":-23.5,"longitude":-46.6,"speedKph":null,' +
        '"headingDeg":181,"odometerKm":48211.4,"fuelLevelPct":57,"engineRpm":2100,"lvBatteryVoltageV":13.9,"hvBatterySocPct":null,' +
        '"event":"position","flags":{"speed":{"flag":"out of range","value":512.5}},"attributes":{"tire_pressure_fl":34}}',
    );
    expect(sut.record(row)).toBe(stringified(row));
  });

  it('writes items one after another, comma-separated', () => {
    const body = new JsonBody('[', 2);
    writer.record(body, aVehicleRow());
    writer.change(body, aVehicleRow({ source: 'ção' }));
    expect(body.bytes(']').toString()).toBe(
      JSON.stringify([
        mapper.toRecord(aVehicleRow()),
        { ...mapper.toRecord(aVehicleRow({ source: 'ção' })), seq: '9007199254740993' },
      ]),
    );
  });

  it('adds seq last to a change, as text', () => {
    const row = aVehicleRow();
    expect(sut.change(row)).toBe(
      JSON.stringify({ ...mapper.toRecord(row), seq: '9007199254740993' }),
    );
  });

  it('writes null for every NULL column, jsonb and times included', () => {
    const row = aRow(VEHICLE_TABLE, { seq: '1' });
    expect(sut.record(row)).toBe(stringified(row));
    expect(JSON.parse(sut.record(row))).toMatchObject({
      eventId: null,
      recordedAt: null,
      latitude: null,
      flags: null,
    });
  });

  it('writes a time PostgreSQL cannot print as ISO (infinity) as null, and a year past 9999 as the mapper does', () => {
    const row = aVehicleRow({ recorded_at: 'infinity', received_at: '12000-01-01 00:00:00.5' });
    expect(JSON.parse(sut.record(row))).toMatchObject({
      recordedAt: null,
      receivedAt: '12000-01-01T00:00:00.500Z',
    });
    expect(sut.record(row)).toBe(stringified(row));
  });

  it.each([
    ['2025-01-01 00:00:00.1239'],
    ['2025-01-01 23:59:59.999999'],
    ['2025-01-01 00:00:00'],
    ['2025-01-01 00:00:00.1'],
    ['2025-01-01 00:00:00.12'],
    ['0099-01-01 00:00:00.5'],
  ])('cuts time %p to milliseconds as the mapper does', (text) => {
    const row = aVehicleRow({ recorded_at: text, received_at: text });
    expect(sut.record(row)).toBe(stringified(row));
  });

  it.each([
    ['plain'],
    ['say "hi"'],
    ['back\\slash'],
    ['tab\tnew\nline\r\u0001\u001f\u007f'],
    ['ção — 🚗'],
    ['lone \ud83d surrogate'],
    [''],
  ])('escapes text %p exactly as JSON.stringify does', (text) => {
    const row = aVehicleRow({ source: text, event: text });
    expect(sut.record(row)).toBe(stringified(row));
  });

  // PostgreSQL's float8 text (shortest round-trip digits) against JS's for the same double
  it.each([
    ['0', '0'],
    ['-23.5', '-23.5'],
    ['0.0001', '0.0001'],
    ['1e-05', '0.00001'],
    ['1.5e-07', '1.5e-7'],
    ['1e+15', '1000000000000000'],
    ['1.2345e+20', '123450000000000000000'],
    ['1e+21', '1e+21'],
    ['1.7976931348623157e+308', '1.7976931348623157e+308'],
    ['5e-324', '5e-324'],
    ['123456789012345', '123456789012345'],
    ['0.30000000000000004', '0.30000000000000004'],
    ['-0', '0'],
    ['NaN', 'null'],
    ['Infinity', 'null'],
    ['-Infinity', 'null'],
  ])('writes float8 %p as %p', (text, json) => {
    expect(jsonFromFloat8(text)).toBe(json);
    const row = aVehicleRow({ latitude: text });
    expect(sut.record(row)).toBe(stringified(row));
  });

  describe(compactJsonb.name, () => {
    // as jsonb prints them: a space after every ':' and ',' outside strings, keys by length then bytes
    it.each([
      ['{}'],
      ['[]'],
      ['null'],
      ['true'],
      ['"a string: with, spaces"'],
      ['{"a": 1, "b": [1, 2, {"c": null}], "d": false}'],
      ['{"key: ": "value, ", "k": "x"}'],
      ['{"q": "say \\"a\\": 1, b", "z": "\\\\"}'],
      ['{"esc": "\\\\\\"", "t": "\\t\\n\\u0001"}'],
      ['{"ção": "🚗 — é", "x": [" , ", ": "]}'],
      [
        '{"n": -0.5, "big": 1000000000000000000000, "small": 0.0000001, "one": 1.0, "tail": 1.50, "long": 12345678901234567890}',
      ],
      ['{"i": 9007199254740993, "f": 0.1000000000000000055511151231257827}'],
      ['{"ok": [0, -1, 0.000001, 0.0000015, 123456789012345, 1.5e+300]}'],
      ['{"b": 1, "10": 2}'],
      ['{"x": {"b": 1, "2": {"a": 1}}}'],
      ['[{"1": 1}, "1"]'],
      ['{\n  "json": [1,\t2],\r\n  "kept": " \\n "\n}'],
    ])('compacts %p as JSON.stringify(JSON.parse(…)) does', (text) => {
      expect(compactJsonb(text)).toBe(JSON.stringify(JSON.parse(text)));
      const row = aVehicleRow({ attributes: text });
      expect(sut.record(row)).toBe(stringified(row));
    });

    it('passes text without spaces as it is', () => {
      const text = '{"a":1}';
      expect(compactJsonb(text)).toBe(text);
    });
  });

  it('follows the binding of another record type', () => {
    const devices = defineRecordQuery(LOCATION_TABLE, LOCATION_SCHEMA, 'deviceId');
    const row = aRow(LOCATION_TABLE, {
      seq: '7',
      event_id: '0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b',
      source: 'tracker',
      device_id: 'dev-1',
      recorded_at: '2025-03-01 13:00:00.1',
      received_at: '2025-03-01 13:00:00.999999',
      latitude: '1e-05',
      accuracy_m: '5',
      attributes: '{"a": "b"}',
    });
    expect(written((body) => new RecordItemWriter(devices).change(body, row))).toBe(
      JSON.stringify({ ...new RecordMapper(devices).toRecord(row), seq: '7' }),
    );
  });
});
