import type { Message } from 'kafkajs';

// a record's length, attributes, timestamp and offset deltas, key and value lengths and header
// count are varints (≤ 35 bytes together); the rest pays for its share of a record batch's 61-byte
// header, so a request's estimate stays above what the broker receives
const RECORD_OVERHEAD_BYTES = 96;
const HEADER_OVERHEAD_BYTES = 10;

export interface ProduceBudget {
  /** estimated bytes of one produce request: below the broker's socket.request.max.bytes and the topics' max.message.bytes */
  maxBytes: number;
  maxRecords: number;
}

/** what one record adds to a produce request, estimated from above */
export function messageBytes(message: Pick<Message, 'key' | 'value' | 'headers'>): number {
  let bytes = RECORD_OVERHEAD_BYTES + sizeOf(message.key) + sizeOf(message.value);
  const headers = message.headers;
  if (headers === undefined) return bytes;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (Array.isArray(value))
      for (const one of value)
        bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + sizeOf(one);
    else bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + sizeOf(value);
  }
  return bytes;
}

/**
 * Cuts a request's messages, in order, into runs that each fit one produce request. A message that
 * does not fit a request on its own is the caller's to dead-letter: it is returned in `oversized`.
 */
export function splitToBudget<
  T extends { message: Pick<Message, 'key' | 'value' | 'headers'>; bytes?: number },
>(
  items: readonly T[],
  budget: ProduceBudget,
): { chunks: { items: T[]; bytes: number }[]; oversized: T[] } {
  const chunks: { items: T[]; bytes: number }[] = [];
  const oversized: T[] = [];
  let current: { items: T[]; bytes: number } = { items: [], bytes: 0 };
  for (const item of items) {
    // measured already by whoever built the message, or now
    const bytes = item.bytes ?? messageBytes(item.message);
    if (bytes > budget.maxBytes) {
      oversized.push(item);
      continue;
    }
    if (
      current.items.length > 0 &&
      (current.bytes + bytes > budget.maxBytes || current.items.length >= budget.maxRecords)
    ) {
      chunks.push(current);
      current = { items: [], bytes: 0 };
    }
    current.items.push(item);
    current.bytes += bytes;
  }
  if (current.items.length > 0) chunks.push(current);
  return { chunks, oversized };
}

function sizeOf(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
