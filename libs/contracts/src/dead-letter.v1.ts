import { DEAD_LETTER_SCHEMA } from './record.rules';

/**
 * One rejected reading or message on `telemetry.deadletter.v1`. Exactly one of `original`
 * (the rejected reading as JSON) or `originalBase64` (the raw bytes, when they were not JSON)
 * is normally set. Machine-readable form: schemas/dead-letter.v1.json.
 */
export interface DeadLetterV1 {
  schema: typeof DEAD_LETTER_SCHEMA;
  /** where it was rejected: the gateway while normalizing, or a consumer while storing */
  stage: 'ingest' | 'consume';
  /** the webhook source, null when it could not be told */
  source: string | null;
  /** human-readable reasons, e.g. `latitude must not be greater than 90` */
  reasons: string[];
  /** when it was rejected, UTC, `yyyy-mm-ddThh:mm:ss.sssZ` */
  occurredAt: string;
  /** the gateway's id for the HTTP request */
  requestId?: string;
  /** VIN or device id, when one could be read */
  entityId?: string;
  /** the rejected reading as JSON */
  original?: unknown;
  /** the raw bytes, base64, when they were not JSON */
  originalBase64?: string;
  /** consume stage: where the rejected message was read */
  topic?: string;
  partition?: number;
  /** Kafka offsets are 64-bit: a decimal string */
  offset?: string;
}
