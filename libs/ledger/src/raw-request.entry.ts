import { createHash } from 'node:crypto';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { RecordType } from '@app/contracts';
import { RAW_HEADERS } from '@app/kafka/messages';

/** one raw-archive message as the ledger counts it */
export interface RawRequestEntry {
  offset: string;
  source: string;
  /** Unix ms */
  receivedAt: number;
  /** `id:<webhook-id>`, or `sha256:<hex of the body>` for schemes without an id: a retry has the same key */
  key: string;
  recordType?: RecordType;
  /** false for a message archived before the gateway counted readings: only the request counts */
  tallied: boolean;
  readings: number;
  accepted: number;
  deadLettered: number;
}

const COUNT = /^\d{1,9}$/;

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/**
 * The ledger's reading of a raw message; undefined when it names no source or receipt time (not
 * written by the gateway). Without a `record-type` header, `recordTypeOf(source)` decides (the
 * source's configured normalizer); a message no app can place is counted by none.
 */
export function rawRequestEntry(
  message: KafkaMessage,
  recordTypeOf: (source: string) => RecordType | undefined,
): RawRequestEntry | undefined {
  const source = header(message.headers, RAW_HEADERS.source);
  const receivedAt = Date.parse(header(message.headers, RAW_HEADERS.receivedAt) ?? '');
  if (!source || !Number.isFinite(receivedAt)) return undefined;
  const webhookId = header(message.headers, RAW_HEADERS.webhookId);
  const key =
    webhookId !== undefined
      ? `id:${webhookId}`
      : `sha256:${createHash('sha256')
          .update(message.value ?? Buffer.alloc(0))
          .digest('hex')}`;
  const type = header(message.headers, RAW_HEADERS.recordType);
  const recordType =
    type === 'vehicle' || type === 'location'
      ? type
      : type === undefined
        ? recordTypeOf(source)
        : undefined;
  const accepted = header(message.headers, RAW_HEADERS.accepted);
  const deadLettered = header(message.headers, RAW_HEADERS.deadLettered);
  const tallied =
    accepted !== undefined &&
    deadLettered !== undefined &&
    COUNT.test(accepted) &&
    COUNT.test(deadLettered);
  return {
    offset: message.offset,
    source,
    receivedAt,
    key,
    recordType,
    tallied,
    readings: tallied ? Number(accepted) + Number(deadLettered) : 0,
    accepted: tallied ? Number(accepted) : 0,
    deadLettered: tallied ? Number(deadLettered) : 0,
  };
}
