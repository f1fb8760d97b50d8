import type { IHeaders, KafkaMessage } from 'kafkajs';
import { RAW_HEADERS } from '@app/kafka/messages';

/** one archived request, as the gateway wrote it on the raw topic */
export interface RawRequest {
  source?: string;
  requestId?: string;
  /** the received-at header as written (ISO 8601 UTC) */
  receivedAt?: string;
  /** the normalizer that read it at the time, when the gateway said so (header `normalizer`) */
  normalizer?: string;
  body: Buffer;
}

export function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

export function rawRequestOf(message: Pick<KafkaMessage, 'key' | 'value' | 'headers'>): RawRequest {
  const { headers } = message;
  return {
    source: header(headers, RAW_HEADERS.source),
    requestId: header(headers, RAW_HEADERS.requestId) ?? message.key?.toString(),
    receivedAt: header(headers, RAW_HEADERS.receivedAt),
    normalizer: header(headers, RAW_HEADERS.normalizer),
    body: message.value ?? Buffer.alloc(0),
  };
}
