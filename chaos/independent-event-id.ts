import { createHash } from 'node:crypto';

/**
 * The event id the pipeline must give a reading, computed here from its definition rather than with
 * the gateway's own code (libs/normalization/src/event-id.ts): a UUID version 5 (RFC 9562 §5.5,
 * SHA-1 over namespace bytes + name) whose name is the JSON of [source, entity id, recordedAt,
 * reading] with every object's keys sorted by UTF-16 code unit. A change to either side that moves
 * the ids makes the audit count every reading lost.
 */

// the pipeline's namespace, fixed for ever; written out here on purpose, not imported
export const PIPELINE_NAMESPACE = 'c8855424-ef02-4afc-99eb-bf0f974cbcb1';

export function uuidV5(name: string, namespace: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10xx
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    // defineProperty: a `__proto__` key stays an ordinary field
    Object.defineProperty(sorted, key, {
      value: (value as Record<string, unknown>)[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return sorted;
}

export function expectedEventId(
  source: string,
  entityId: string,
  recordedAt: string,
  reading: unknown,
): string {
  return uuidV5(
    JSON.stringify([source, entityId, recordedAt, reading], sortedKeys),
    PIPELINE_NAMESPACE,
  );
}

// RFC 9562 appendix A.4: "www.example.com" in the DNS namespace
const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const PUBLISHED = { name: 'www.example.com', id: '2ed6657d-e927-568b-95e1-2665a8aea6a2' };

/** throws when this implementation disagrees with the RFC's published example */
export function checkAgainstPublishedVector(): void {
  const got = uuidV5(PUBLISHED.name, DNS_NAMESPACE);
  if (got !== PUBLISHED.id)
    throw new Error(
      `UUIDv5 self-check failed: RFC 9562 A.4 gives ${PUBLISHED.id} for ${PUBLISHED.name}, this gives ${got}`,
    );
}
