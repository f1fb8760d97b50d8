import type { IHeaders, Message } from 'kafkajs';
import {
  DEAD_LETTER_SCHEMA,
  DeadLetterV1,
  DeviceLocationV1,
  LOCATION_SCHEMA,
  RecordType,
  TOPICS,
  VEHICLE_SCHEMA,
  VehicleTelemetryV1,
} from '@app/contracts';
import type { Rejection } from '@app/normalization';
import { serializeLocation, serializeVehicle } from './record.serializer';

/**
 * The messages the gateway writes for one request, built in one place so that a replay of the raw
 * archive (libs/replay) writes exactly what the gateway would have written.
 */
export interface OutgoingMessage {
  topic: string;
  message: Message;
  /** messageBytes(message), when the caller measured it already */
  bytes?: number;
  /** a dead letter's reasons, for the metrics' reason class */
  deadLetterReasons?: readonly string[];
}

/** what every message of one request carries */
export interface RequestMeta {
  source: string;
  requestId: string;
  /** when the gateway received the request, ISO 8601 UTC */
  receivedAt: string;
  /** set on what a replay writes: the dead letters it writes say so (header and reason) */
  replayId?: string;
}

/** the raw archive's headers, named once for the gateway that writes them and the replay that reads them */
export const RAW_HEADERS = Object.freeze({
  source: 'source',
  requestId: 'request-id',
  receivedAt: 'received-at',
  webhookId: 'webhook-id',
  // what became of the request's readings, set once it is normalized: the completeness ledger counts them
  normalizer: 'normalizer',
  recordType: 'record-type',
  readings: 'readings',
  accepted: 'accepted',
  deadLettered: 'dead-lettered',
});

/** what the gateway made of one request; `readings` = accepted + dead-lettered, as in its answer */
export interface RawTally {
  normalizer: string;
  recordType: RecordType;
  accepted: number;
  deadLettered: number;
}

export function headers(values: Record<string, string | undefined>): IHeaders {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/** the request body as received, on the raw archive keyed by request id */
export function rawMessage(
  body: Buffer,
  meta: RequestMeta,
  idempotencyKey?: string,
): OutgoingMessage {
  // the exact bytes, so records can be re-derived after a normalizer fix
  return {
    topic: TOPICS.raw,
    message: {
      key: meta.requestId,
      value: body,
      headers: headers({
        [RAW_HEADERS.source]: meta.source,
        [RAW_HEADERS.requestId]: meta.requestId,
        [RAW_HEADERS.receivedAt]: meta.receivedAt,
        [RAW_HEADERS.webhookId]: idempotencyKey,
      }),
    },
  };
}

/** the raw message with the request's tally in its headers (before it is published) */
export function tallied(raw: OutgoingMessage, tally: RawTally): OutgoingMessage {
  raw.message.headers = {
    ...raw.message.headers,
    [RAW_HEADERS.normalizer]: tally.normalizer,
    [RAW_HEADERS.recordType]: tally.recordType,
    [RAW_HEADERS.readings]: String(tally.accepted + tally.deadLettered),
    [RAW_HEADERS.accepted]: String(tally.accepted),
    [RAW_HEADERS.deadLettered]: String(tally.deadLettered),
  };
  return raw;
}

export function recordMessage(
  record: VehicleTelemetryV1 | DeviceLocationV1,
  requestId: string,
): OutgoingMessage {
  const vehicle = record.schema === VEHICLE_SCHEMA;
  const message: Message = {
    // one entity's records stay on one partition, in order
    key: vehicle ? record.vin : record.deviceId,
    // compiled from the contract: the text JSON.stringify would write, faster
    value: vehicle ? serializeVehicle(record) : serializeLocation(record),
    // every value is always present: no filtering on the hot path
    headers: {
      schema: vehicle ? VEHICLE_SCHEMA : LOCATION_SCHEMA,
      'event-id': record.eventId,
      'request-id': requestId,
    },
  };
  return { topic: vehicle ? TOPICS.vehicle : TOPICS.location, message };
}

export function rejectionFields(
  rejection: Rejection,
): Pick<DeadLetterV1, 'reasons' | 'original' | 'entityId'> {
  return { reasons: rejection.reasons, original: rejection.original, entityId: rejection.entityId };
}

/** the reason prefix of a dead letter written by a replay */
export function replayReasonPrefix(replayId: string): string {
  return `replay ${replayId}: `;
}

export function deadLetter(
  fields: RequestMeta & Pick<DeadLetterV1, 'reasons' | 'original' | 'originalBase64' | 'entityId'>,
): OutgoingMessage {
  const reasons =
    fields.replayId === undefined
      ? fields.reasons
      : fields.reasons.map((reason) => replayReasonPrefix(fields.replayId!) + reason);
  const letter: DeadLetterV1 = {
    schema: DEAD_LETTER_SCHEMA,
    stage: 'ingest',
    source: fields.source,
    reasons,
    occurredAt: fields.receivedAt,
    requestId: fields.requestId,
    ...(fields.entityId !== undefined && { entityId: fields.entityId }),
    ...(fields.original !== undefined && { original: fields.original }),
    ...(fields.originalBase64 !== undefined && { originalBase64: fields.originalBase64 }),
  };
  return {
    topic: TOPICS.deadLetter,
    message: {
      key: fields.entityId ?? fields.requestId,
      value: serialise(letter),
      headers: headers({
        schema: DEAD_LETTER_SCHEMA,
        source: fields.source,
        'request-id': fields.requestId,
        'content-type': 'application/json',
        'replay-id': fields.replayId,
      }),
    },
    deadLetterReasons: reasons,
  };
}

/** JSON.parse accepts nesting that JSON.stringify cannot write back; the raw topic keeps those bytes */
function serialise(letter: DeadLetterV1): string {
  try {
    return JSON.stringify(letter);
  } catch {
    const { original: _dropped, ...rest } = letter;
    return JSON.stringify({
      ...rest,
      reasons: [
        ...letter.reasons,
        `original not serialisable here; the request body is on ${TOPICS.raw} under key ${letter.requestId}`,
      ],
    });
  }
}
