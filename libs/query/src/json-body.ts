import { StreamableFile } from '@nestjs/common';

export const JSON_TYPE = 'application/json; charset=utf-8';

const INITIAL_BYTES = 16 * 1024;

/**
 * A JSON response written straight into one Buffer, text as it is made: `{"items":[` + each item's
 * JSON + the tail. The bytes live outside the V8 heap, and each item's text is garbage as soon as
 * it is copied, so a page never holds a thousand items nor one 0.5 MB string in the young
 * generation, whose scavenges cost in proportion to what is alive when they run.
 * The bytes are those JSON.stringify gives for the whole page: it joins items with ',' too.
 */
export class JsonBody {
  private buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  private length = 0;
  private count = 0;

  /** `expectedItems`: after the first item the buffer is sized for that many like it, so it rarely grows (each growth copies) */
  constructor(
    head: string,
    private readonly expectedItems: number,
  ) {
    this.write(head);
  }

  /** one item of the array the head opened, as JSON text */
  item(json: string): void {
    if (this.count++ > 0) this.write(',');
    const before = this.length;
    this.write(json);
    if (this.count === 1) this.reserve(this.length + Math.ceil((this.length - before + 1) * (this.expectedItems - 1) * 1.25) + 256);
  }

  get items(): number {
    return this.count;
  }

  /** closes the body with `tail` and hands it to Nest as a sized response */
  end(tail: string): StreamableFile {
    this.write(tail);
    const bytes = this.buffer.subarray(0, this.length);
    return new StreamableFile(bytes, { type: JSON_TYPE, length: bytes.length });
  }

  private write(text: string): void {
    // a UTF-16 code unit is at most 3 bytes of UTF-8: room for that, without measuring the text
    this.reserve(this.length + text.length * 3);
    this.length += this.buffer.write(text, this.length);
  }

  private reserve(bytes: number): void {
    if (bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(bytes, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
}
