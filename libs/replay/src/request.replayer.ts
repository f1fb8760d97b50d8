import { TOPICS } from '@app/contracts';
import {
  deadLetter,
  OutgoingMessage,
  recordMessage,
  rejectionFields,
  RequestMeta,
} from '@app/kafka/messages';
import type { RecordNormalizer } from '@app/normalization';

/** what one archived request gives under today's normalizer */
export interface ReplayedRequest {
  messages: OutgoingMessage[];
  readings: number;
  records: number;
  deadLetters: number;
}

/** a message's size on the wire, near enough to keep a produce request under the broker's limit */
export function approximateBytes({ message }: OutgoingMessage): number {
  let bytes = 70 + sizeOf(message.key) + sizeOf(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {}))
    bytes += 10 + Buffer.byteLength(name) + sizeOf(value as string | Buffer | undefined);
  return bytes;
}

function sizeOf(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/**
 * The records and dead letters the gateway would write for `body` today, with the same
 * builders: records keep the original's receivedAt and request id (their event ids do not depend on
 * either, so they come out identical), and every dead letter carries the replay's id. No cap on
 * readings: the gateway's MAX_READINGS_PER_REQUEST dead-lettered the rest of a long body, which a
 * replay is there to recover. A message larger than `maxMessageBytes` becomes a dead letter that
 * says so, as at the gateway.
 */
export function replayRequest(
  body: Buffer,
  meta: RequestMeta & { replayId: string },
  normalizer: RecordNormalizer,
  maxMessageBytes: number,
): ReplayedRequest {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = `body is not valid JSON: ${(error as Error).message}`;
    return {
      messages: [
        deadLetter({ ...meta, reasons: [reason], originalBase64: body.toString('base64') }),
      ],
      readings: 0,
      records: 0,
      deadLetters: 1,
    };
  }
  const { records, rejected } = normalizer.normalize(payload, {
    source: meta.source,
    receivedAt: new Date(meta.receivedAt),
  });
  const messages: OutgoingMessage[] = [];
  let published = 0;
  for (const record of records) {
    const message = recordMessage(record, meta.requestId);
    const bytes = approximateBytes(message);
    if (bytes <= maxMessageBytes) {
      messages.push(message);
      published++;
      continue;
    }
    messages.push(
      deadLetter({
        ...meta,
        entityId: message.message.key?.toString(),
        reasons: [
          `${message.topic} record of ${bytes} bytes is larger than one produce request may be (PUBLISH_MAX_BATCH_BYTES=${maxMessageBytes}); the reading is in the request body on ${TOPICS.raw} under key ${meta.requestId}`,
        ],
      }),
    );
  }
  for (const rejection of rejected)
    messages.push(deadLetter({ ...meta, ...rejectionFields(rejection) }));
  return {
    messages,
    readings: records.length + rejected.length,
    records: published,
    deadLetters: messages.length - published,
  };
}
