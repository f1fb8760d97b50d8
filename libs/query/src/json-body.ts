import { StreamableFile } from '@nestjs/common';

export const JSON_TYPE = 'application/json; charset=utf-8';

const INITIAL_BYTES = 16 * 1024;
/** below this many characters a JS copy loop beats the call into Buffer#write */
const SHORT_TEXT = 64;

/**
 * A JSON response written straight into one Buffer, text as it is made: `{"items":[` + each item's
 * JSON + the tail. The bytes live outside the V8 heap, and an item's text need not exist as a
 * string at all (RecordItemWriter writes its pieces here), so a page never holds a thousand items
 * nor one 0.5 MB string in the young generation, whose scavenges cost in proportion to what is
 * alive when they run. Items are joined with `separator`, ',' as JSON.stringify does for an array
 * ('\n' for NDJSON).
 */
export class JsonBody {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private length = 0;
  private count = 0;
  private firstItemAt = 0;

  /** `expectedItems`: after the first item the buffer is sized for that many like it, so it rarely grows (each growth copies) */
  constructor(
    head: string,
    private readonly expectedItems: number,
    private readonly separator = 0x2c,
  ) {
    this.text(head);
  }

  /** one item of the array the head opened, as JSON text */
  item(json: string): void {
    this.beginItem();
    this.text(json);
  }

  /** starts the next item, whose JSON the caller then writes in pieces */
  beginItem(): void {
    if (this.count === 0) this.firstItemAt = this.length;
    else {
      if (this.count === 1)
        this.reserve(
          Math.ceil((this.length - this.firstItemAt + 1) * (this.expectedItems - 1) * 1.25) + 256,
        );
      this.byte(this.separator);
    }
    this.count++;
  }

  get items(): number {
    return this.count;
  }

  /** closes the body with `tail` and hands it to Nest as a sized response */
  end(tail: string): StreamableFile {
    const bytes = this.bytes(tail);
    return new StreamableFile(bytes, { type: JSON_TYPE, length: bytes.length });
  }

  /** closes the body with `tail`: its bytes */
  bytes(tail: string): Buffer {
    this.text(tail);
    return this.buffer.subarray(0, this.length);
  }

  /** text (from `from` up to `to`) as UTF-8 */
  text(text: string, from = 0, to = text.length): void {
    if (to - from < SHORT_TEXT && this.copyAscii(text, from, to)) return;
    const part = from === 0 && to === text.length ? text : text.slice(from, to);
    this.reserve(part.length * 3);
    this.length += this.buffer.write(part, this.length);
  }

  /** bytes made once, such as a key and its colon */
  raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < bytes.length; i++) buffer[at++] = bytes[i];
    this.length = at;
  }

  byte(byte: number): void {
    this.reserve(1);
    this.buffer[this.length++] = byte;
  }

  /** `text` as a JSON string literal, the bytes of JSON.stringify(text) */
  string(text: string): void {
    this.reserve(text.length + 2);
    const buffer = this.buffer;
    const start = this.length;
    let at = start;
    buffer[at++] = 0x22;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      // printable ASCII but the quote and the backslash is what JSON.stringify leaves as it is and UTF-8 keeps as one byte
      if (c < 0x20 || c > 0x7f || c === 0x22 || c === 0x5c) return this.text(JSON.stringify(text));
      buffer[at++] = c;
    }
    buffer[at++] = 0x22;
    this.length = at;
  }

  /** how many bytes are written */
  get size(): number {
    return this.length;
  }

  /** drops what was written after the first `size` bytes */
  truncate(size: number): void {
    this.length = Math.min(this.length, size);
  }

  /** copies text from `from` up to `to` if it is all ASCII; otherwise writes nothing and says so */
  private copyAscii(text: string, from: number, to: number): boolean {
    this.reserve(to - from);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) return false;
      buffer[at++] = c;
    }
    this.length = at;
    return true;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.length + bytes, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
}
