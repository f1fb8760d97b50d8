import { aVehicleRecord } from '@app/contracts/testing';
import { binaryCopyPayload } from './copy-binary';
import type { RecordRow } from './record-batch.writer';
import { RecordTable, VEHICLE_TABLE } from './record-tables';

type Row = Record<string, unknown>;

// one column of each type the bindings use
const TABLE: RecordTable<Row> = {
  table: 't',
  entityColumn: 'name',
  entityField: 'name',
  columns: [
    { column: 'id', field: 'id', pgType: 'uuid' },
    { column: 'name', field: 'name', pgType: 'text' },
    { column: 'at', field: 'at', pgType: 'timestamptz' },
    { column: 'x', field: 'x', pgType: 'float8' },
    { column: 'doc', field: 'doc', pgType: 'jsonb' },
  ],
};

const HEADER = '5047434f50590aff0d0a00' + '00000000' + '00000000';
const TRAILER = 'ffff';

function aRow(overrides: Row = {}, partition = 2, offset = '100'): RecordRow<Row> {
  return {
    record: {
      id: '0d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60',
      name: 'ab',
      at: '2000-01-01T00:00:00.000Z',
      x: 1.5,
      doc: {},
      ...overrides,
    },
    partition,
    offset,
  };
}

const hex = (buffer: Buffer | undefined): string | undefined => buffer?.toString('hex');
const int32 = (n: number): string =>
  Buffer.from(new Int32Array([n]).buffer)
    .reverse()
    .toString('hex');
const utf8 = (text: string): string =>
  `${int32(Buffer.byteLength(text))}${Buffer.from(text).toString('hex')}`;
// the timestamp's microseconds since 2000-01-01 as JavaScript's own Date parser sees them
const micros = (iso: string): string => {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(Date.parse(iso) - Date.parse('2000-01-01T00:00:00.000Z')) * 1000n);
  return `00000008${buffer.toString('hex')}`;
};

/** the fields of one tuple of a single-row payload, as hex (null for NULL) */
function fieldsOf(payload: Buffer): (string | null)[] {
  let at = 19;
  const count = payload.readInt16BE(at);
  at += 2;
  const fields: (string | null)[] = [];
  for (let i = 0; i < count; i++) {
    const length = payload.readInt32BE(at);
    at += 4;
    fields.push(length < 0 ? null : payload.subarray(at, at + length).toString('hex'));
    at += Math.max(0, length);
  }
  expect(payload.subarray(at).toString('hex')).toBe(TRAILER);
  return fields;
}

describe(binaryCopyPayload.name, () => {
  it('writes the signature, then per tuple the field count and length-prefixed values, then the trailer', () => {
    const sut = binaryCopyPayload(TABLE, [
      aRow(),
      aRow({ name: null, x: -2, doc: { a: 'ç' } }, 5, '9007199254740993'),
    ]);

    expect(hex(sut)).toBe(
      HEADER +
        // 5 columns + partition + offset
        '0007' +
        '00000010' + '0d8f6a2e3b1c5d4e8f7a1b2c3d4e5f60' +
        '00000002' + '6162' +
        '00000008' + '0000000000000000' +
        '00000008' + '3ff8000000000000' +
        '00000003' + '01' + '7b7d' +
        '00000004' + '00000002' +
        '00000008' + '0000000000000064' +
        '0007' +
        '00000010' + '0d8f6a2e3b1c5d4e8f7a1b2c3d4e5f60' +
        'ffffffff' +
        '00000008' + '0000000000000000' +
        '00000008' + 'c000000000000000' +
        '0000000b' + '01' + Buffer.from('{"a":"ç"}').toString('hex') +
        '00000004' + '00000005' +
        // above 2^53: exact through BigInt
        '00000008' + '0020000000000001' +
        TRAILER,
    ); // prettier-ignore
  });

  it.each([
    ['the PostgreSQL epoch', '2000-01-01T00:00:00.000Z', '000000080000000000000000'],
    ['a millisecond after it', '2000-01-01T00:00:00.001Z', '0000000800000000000003e8'],
    ['a millisecond before it', '1999-12-31T23:59:59.999Z', '00000008fffffffffffffc18'],
    ['a reading', '2025-03-01T13:00:02.125Z', micros('2025-03-01T13:00:02.125Z')],
    ['a leap day', '2024-02-29T23:59:59.999Z', micros('2024-02-29T23:59:59.999Z')],
    ['before 1970', '1969-07-20T20:17:40.000Z', micros('1969-07-20T20:17:40.000Z')],
    [
      'year 1 (beyond 2^53 µs; PostgreSQL: -63082281600000000)',
      '0001-01-01T00:00:00.000Z',
      '00000008ff1fe2ffc59c6000',
    ],
    ['year 9999', '9999-12-31T23:59:59.999Z', micros('9999-12-31T23:59:59.999Z')],
  ])('writes %s as microseconds since 2000-01-01 UTC', (_case, at, field) => {
    expect(fieldsOf(binaryCopyPayload(TABLE, [aRow({ at })])!)[2]).toBe(field.slice(8));
  });

  it.each([
    ['a fraction', -23.5505],
    ['a large number', 1e300],
    ['the smallest positive double', Number.MIN_VALUE],
    ['an integer beyond 2^53', 2 ** 60 + 2 ** 8],
  ])('writes %s as a big-endian IEEE double', (_case, x) => {
    const expected = Buffer.alloc(8);
    expected.writeDoubleBE(x);
    expect(fieldsOf(binaryCopyPayload(TABLE, [aRow({ x })])!)[3]).toBe(expected.toString('hex'));
  });

  it('writes -0 as 0, as the text path did', () => {
    expect(fieldsOf(binaryCopyPayload(TABLE, [aRow({ x: -0 })])!)[3]).toBe('0000000000000000');
  });

  it.each([
    ['an empty string', ''],
    ['accents and an emoji', 'ção 🚚'],
    ['a long string with a late non-ASCII character', `${'a'.repeat(100)}é`],
    ['a short string with an early one', 'éa'],
    ['tabs, newlines and backslashes, unescaped', 'a\tb\nc\\N'],
  ])('writes text with %s as UTF-8', (_case, name) => {
    expect(fieldsOf(binaryCopyPayload(TABLE, [aRow({ name })])!)[1]).toBe(utf8(name).slice(8));
  });

  it('writes jsonb as version 1 and the JSON text', () => {
    const doc = { note: 'a "b"\nc\\', emoji: '🚚', n: -1.25e-7, nested: [null, true] };

    expect(fieldsOf(binaryCopyPayload(TABLE, [aRow({ doc })])!)[4]).toBe(
      `01${Buffer.from(JSON.stringify(doc)).toString('hex')}`,
    );
  });

  it('reads upper-case UUIDs', () => {
    expect(
      fieldsOf(
        binaryCopyPayload(TABLE, [aRow({ id: '0D8F6A2E-3B1C-5D4E-8F7A-1B2C3D4E5F60' })])!,
      )[0],
    ).toBe('0d8f6a2e3b1c5d4e8f7a1b2c3d4e5f60');
  });

  it('grows its buffer for rows larger than it guessed', () => {
    const doc = { blob: 'x'.repeat(100_000) };

    expect(fieldsOf(binaryCopyPayload(TABLE, [aRow({ doc })])!)[4]).toBe(
      `01${Buffer.from(JSON.stringify(doc)).toString('hex')}`,
    );
  });

  it.each([
    ['year 0, which PostgreSQL refuses', { at: '0000-03-01T13:00:00.000Z' }],
    ['a day the month does not have', { at: '2025-02-29T13:00:00.000Z' }],
    ['an hour of 24', { at: '2025-03-01T24:00:00.000Z' }],
    ['a timestamp with an offset', { at: '2025-03-01T13:00:00.000+01:00' }],
    ['a timestamp without milliseconds', { at: '2025-03-01T13:00:00Z' }],
    ['a non-digit in a timestamp', { at: '2025-03-01T1a:00:00.000Z' }],
    ['a UUID without hyphens', { id: '0d8f6a2e3b1c5d4e8f7a1b2c3d4e5f600000' }],
    ['a UUID with a non-hex digit', { id: '0d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f6g' }],
    ['a number where text is due', { name: 42 }],
    ['text where a number is due', { x: '1.5' }],
  ])('gives up (the caller takes the INSERT) on %s', (_case, overrides) => {
    expect(binaryCopyPayload(TABLE, [aRow(), aRow(overrides)])).toBeUndefined();
  });

  it('gives up on an offset that is not an int8', () => {
    expect(binaryCopyPayload(TABLE, [aRow({}, 2, '9223372036854775808')])).toBeUndefined();
    expect(binaryCopyPayload(TABLE, [aRow({}, 2, 'x')])).toBeUndefined();
  });

  it('encodes every column of the vehicle binding', () => {
    const record = aVehicleRecord({
      hvBatterySocPct: null,
      flags: { speed: { value: 512.5, flag: 'out of range' } },
    });

    const fields = fieldsOf(
      binaryCopyPayload(VEHICLE_TABLE, [{ record, partition: 0, offset: '7' }])!,
    );

    expect(fields).toHaveLength(VEHICLE_TABLE.columns.length + 2);
    const column = (name: string) =>
      fields[VEHICLE_TABLE.columns.findIndex((c) => c.column === name)];
    expect(column('vin')).toBe(Buffer.from(record.vin).toString('hex'));
    expect(column('received_at')).toBe(micros(record.receivedAt).slice(8));
    expect(column('hv_battery_soc_pct')).toBeNull();
    expect(fields.slice(-2)).toEqual(['00000000', '0000000000000007']);
  });
});
