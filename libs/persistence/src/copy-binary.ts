import { daysFromCivil, daysInMonth } from '@app/contracts';
import type { RecordRow } from './record-batch.writer';
import type { ColumnBinding, RecordTable } from './record-tables';

// PostgreSQL's binary COPY format: an 11-byte signature, int32 flags (0), int32 header-extension
// length (0); per tuple an int16 field count then per field an int32 length (-1 for NULL) and the
// value in the type's binary (`*_recv`) form; an int16 -1 as trailer
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
// timestamptz counts microseconds from 2000-01-01 00:00:00 UTC
const POSTGRES_EPOCH_DAYS = 10_957;
const MS_PER_DAY = 86_400_000;
const TWO_32 = 0x1_0000_0000;
// a guess that fits a typical telemetry row, so the buffer rarely has to grow
const BYTES_PER_ROW = 512;

type Kind = 0 | 1 | 2 | 3 | 4;
const KIND: Record<ColumnBinding<unknown>['pgType'], Kind> = {
  uuid: 0,
  text: 1,
  timestamptz: 2,
  float8: 3,
  jsonb: 4,
};

/**
 * The rows in PostgreSQL's binary COPY format, or undefined when some value cannot be encoded
 * exactly as PostgreSQL would parse its text (a timestamp not in the contract's
 * `yyyy-mm-ddThh:mm:ss.sssZ`, year 0, a malformed UUID, a number where text is due…): the caller
 * then takes the INSERT path, which lets PostgreSQL judge the row. The server skips text parsing of
 * every uuid, timestamp and number, the bulk of a COPY's CPU for these tables.
 */
export function binaryCopyPayload<R>(
  table: RecordTable<R>,
  rows: RecordRow<R>[],
): Buffer | undefined {
  const fields = table.columns.map((c) => c.field);
  const kinds = table.columns.map((c) => KIND[c.pgType]);
  const out = new BinaryWriter(HEADER_BYTES + rows.length * BYTES_PER_ROW + 2);
  out.bytes(SIGNATURE);
  out.int32(0);
  out.int32(0);
  const count = fields.length + 2;
  for (let i = 0; i < rows.length; i++) {
    const { record, partition, offset } = rows[i];
    out.int16(count);
    for (let c = 0; c < fields.length; c++) {
      const value = record[fields[c]] as unknown;
      if (value === null || value === undefined) {
        out.int32(-1);
        continue;
      }
      let ok: boolean;
      switch (kinds[c]) {
        case 0:
          ok = out.uuid(value);
          break;
        case 1:
          ok = typeof value === 'string' && out.text(value);
          break;
        case 2:
          ok = out.timestamp(value);
          break;
        case 3:
          ok = typeof value === 'number' && out.float8(value);
          break;
        default:
          ok = out.jsonb(value);
      }
      if (!ok) return undefined;
    }
    if (!Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) return undefined;
    out.int32(4);
    out.int32(partition);
    if (!out.int8Decimal(offset)) return undefined;
  }
  out.int16(-1);
  return out.result();
}

/** appends big-endian values to a buffer that doubles when full */
class BinaryWriter {
  private buffer: Buffer;
  private at = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.at);
  }

  bytes(bytes: Buffer): void {
    this.room(bytes.length);
    this.at += bytes.copy(this.buffer, this.at);
  }

  int16(value: number): void {
    this.room(2);
    this.at = this.buffer.writeInt16BE(value, this.at);
  }

  int32(value: number): void {
    this.room(4);
    this.at = this.buffer.writeInt32BE(value, this.at);
  }

  /** int8 from a decimal string (a Kafka offset) */
  int8Decimal(decimal: string): boolean {
    if (!/^-?[0-9]{1,19}$/.test(decimal)) return false;
    const value = Number(decimal);
    this.room(12);
    this.at = this.buffer.writeInt32BE(8, this.at);
    if (Number.isSafeInteger(value)) return (this.int64(value), true);
    const big = BigInt(decimal);
    if (big > 0x7fffffffffffffffn || big < -0x8000000000000000n) return false;
    this.at = this.buffer.writeBigInt64BE(big, this.at);
    return true;
  }

  /** 8-byte two's complement of a safe integer, in two halves (no BigInt on the hot path) */
  private int64(value: number): void {
    const high = Math.floor(value / TWO_32);
    this.at = this.buffer.writeInt32BE(high, this.at);
    this.at = this.buffer.writeUInt32BE(value - high * TWO_32, this.at);
  }

  float8(value: number): boolean {
    this.room(12);
    this.at = this.buffer.writeInt32BE(8, this.at);
    // the text path writes String(-0) = '0': store the same zero either way
    this.at = this.buffer.writeDoubleBE(value === 0 ? 0 : value, this.at);
    return true;
  }

  /** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, either case, as PostgreSQL's uuid_in accepts it */
  uuid(value: unknown): boolean {
    if (typeof value !== 'string' || value.length !== 36) return false;
    this.room(20);
    const { buffer } = this;
    let at = this.at;
    at = buffer.writeInt32BE(16, at);
    for (let i = 0; i < 36;) {
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (value.charCodeAt(i) !== 45) return false;
        i++;
        continue;
      }
      const high = hexDigit(value.charCodeAt(i));
      const low = hexDigit(value.charCodeAt(i + 1));
      if (high < 0 || low < 0) return false;
      buffer[at++] = (high << 4) | low;
      i += 2;
    }
    this.at = at;
    return true;
  }

  /** UTF-8, length-prefixed; PostgreSQL still checks the encoding (a NUL is rejected as in text) */
  text(value: string): boolean {
    this.utf8(value, 0);
    return true;
  }

  /** jsonb's binary form: a version byte (1), then the JSON text, which PostgreSQL parses as usual */
  jsonb(value: unknown): boolean {
    const json = JSON.stringify(value);
    if (json === undefined) return false;
    this.utf8(json, 1);
    return true;
  }

  /**
   * the contract's `yyyy-mm-ddThh:mm:ss.sssZ` as microseconds since 2000-01-01 UTC, exactly what
   * timestamptz_in makes of it; anything else (or year 0, which PostgreSQL refuses) is not encoded
   */
  timestamp(value: unknown): boolean {
    if (typeof value !== 'string' || value.length !== 24) return false;
    if (
      value.charCodeAt(4) !== 45 ||
      value.charCodeAt(7) !== 45 ||
      value.charCodeAt(10) !== 84 ||
      value.charCodeAt(13) !== 58
    )
      return false;
    if (value.charCodeAt(16) !== 58 || value.charCodeAt(19) !== 46 || value.charCodeAt(23) !== 90)
      return false;
    const year = digits(value, 0, 4);
    const month = digits(value, 5, 2);
    const day = digits(value, 8, 2);
    const hour = digits(value, 11, 2);
    const minute = digits(value, 14, 2);
    const second = digits(value, 17, 2);
    const millis = digits(value, 20, 3);
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
      return false;
    if (
      hour < 0 ||
      hour > 23 ||
      minute < 0 ||
      minute > 59 ||
      second < 0 ||
      second > 59 ||
      millis < 0
    )
      return false;
    const ms =
      (daysFromCivil(year, month, day) - POSTGRES_EPOCH_DAYS) * MS_PER_DAY +
      ((hour * 60 + minute) * 60 + second) * 1000 +
      millis;
    this.room(12);
    this.at = this.buffer.writeInt32BE(8, this.at);
    const micros = ms * 1000;
    // exact below 2^53 µs (years ~1715–2285); beyond, BigInt
    if (Number.isSafeInteger(micros)) this.int64(micros);
    else this.at = this.buffer.writeBigInt64BE(BigInt(ms) * 1000n, this.at);
    return true;
  }

  // length-prefixed UTF-8 after an optional version byte (jsonb); ASCII copied by hand, which
  // beats Buffer#write for the short strings most values are
  private utf8(value: string, version: 0 | 1): void {
    const extra = version === 1 ? 1 : 0;
    this.room(4 + extra + value.length * 3);
    const { buffer } = this;
    const start = this.at + 4;
    let at = start;
    if (extra) buffer[at++] = 1;
    let i = 0;
    if (value.length <= 64) {
      for (; i < value.length; i++) {
        const code = value.charCodeAt(i);
        if (code >= 0x80) break;
        buffer[at++] = code;
      }
    }
    if (i < value.length) at += buffer.write(i === 0 ? value : value.slice(i), at, 'utf8');
    buffer.writeInt32BE(at - start, this.at);
    this.at = at;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

// a run of decimal digits; -1 when any is not a digit
function digits(value: string, start: number, length: number): number {
  let result = 0;
  for (let i = start; i < start + length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    result = result * 10 + digit;
  }
  return result;
}
