import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import type { IHeaders, Message } from 'kafkajs';
import { DEAD_LETTER_SCHEMA, DeadLetterV1, DeviceLocationV1, LOCATION_SCHEMA, TOPICS, VEHICLE_SCHEMA, VehicleTelemetryV1 } from '@app/contracts';
import { NORMALIZERS, Rejection } from '@app/normalization';
import { AppConfig } from '@app/config';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { OutgoingMessage, PublishUnavailableError, RecordPublisher } from '../publishing/record.publisher';
import { IngestResult } from './ingest-result.dto';
import { RetryLaterException } from './retry-later.exception';
import { VerifiedWebhook } from './verified-source.decorator';
import { WebhookIdempotencyCache } from './webhook-idempotency.cache';

/**
 * Verified bytes in; the raw body, every normalized record and every rejected reading out to
 * Kafka in one acknowledged group; a summary back.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(
    private readonly publisher: RecordPublisher,
    private readonly idempotency: WebhookIdempotencyCache,
    private readonly metrics: GatewayMetrics,
    private readonly config: AppConfig,
  ) {}

  accept(webhook: VerifiedWebhook, body: Buffer): Promise<IngestResult> {
    return this.idempotency.run(webhook.idempotencyKey && `${webhook.source.name}:${webhook.idempotencyKey}`, () => this.ingest(webhook, body));
  }

  private async ingest({ source, requestId, idempotencyKey }: VerifiedWebhook, body: Buffer): Promise<IngestResult> {
    const receivedAt = new Date();
    const meta = { source: source.name, requestId, receivedAt: receivedAt.toISOString() };
    const raw = rawMessage(body, meta, idempotencyKey);

    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch (error) {
      const reason = `body is not valid JSON: ${(error as Error).message}`;
      await this.publish(source.name, [raw, deadLetter({ ...meta, reasons: [reason], originalBase64: body.toString('base64') })]);
      this.metrics.accepted(source.name, 0, 1);
      if (source.unparseableStatus === 400) throw new BadRequestException({ status: 'error', statusCode: 400, message: reason, deadLettered: 1 });
      return { status: 'success', accepted: 0, deadLettered: 1 };
    }

    const { records, rejected } = NORMALIZERS[source.records].normalize(payload, { source: source.name, receivedAt });
    const messages: OutgoingMessage[] = [raw, ...records.map((r) => recordMessage(r, requestId)), ...rejected.map((r) => deadLetter({ ...meta, ...rejectionFields(r) }))];
    await this.publish(source.name, messages);
    this.metrics.accepted(source.name, records.length, rejected.length);
    if (rejected.length > 0) this.logger.warn(`${source.name} request ${requestId}: ${rejected.length} reading(s) dead-lettered, first: ${rejected[0].reasons.join('; ')}`);
    return { status: 'success', accepted: records.length, deadLettered: rejected.length };
  }

  private async publish(source: string, messages: OutgoingMessage[]): Promise<void> {
    try {
      await this.publisher.publish(messages);
    } catch (error) {
      if (!(error instanceof PublishUnavailableError)) throw error;
      this.metrics.unavailable(source);
      throw new RetryLaterException(503, 'temporarily unable to store the webhook; retry later', this.config.gateway.retryAfterSeconds);
    }
  }
}

/** JSON.parse accepts nesting that JSON.stringify cannot write back; the raw topic keeps those bytes */
function serialise(letter: DeadLetterV1): string {
  try {
    return JSON.stringify(letter);
  } catch {
    const { original: _dropped, ...rest } = letter;
    return JSON.stringify({ ...rest, reasons: [...letter.reasons, `original not serialisable here; the request body is on ${TOPICS.raw} under key ${letter.requestId}`] });
  }
}

function headers(values: Record<string, string | undefined>): IHeaders {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as IHeaders;
}

function rawMessage(body: Buffer, meta: { source: string; requestId: string; receivedAt: string }, idempotencyKey?: string): OutgoingMessage {
  // the exact bytes, so records can be re-derived after a normalizer fix
  return {
    topic: TOPICS.raw,
    message: { key: meta.requestId, value: body, headers: headers({ source: meta.source, 'request-id': meta.requestId, 'received-at': meta.receivedAt, 'webhook-id': idempotencyKey }) },
  };
}

function recordMessage(record: VehicleTelemetryV1 | DeviceLocationV1, requestId: string): OutgoingMessage {
  const vehicle = record.schema === VEHICLE_SCHEMA;
  const message: Message = {
    // one entity's records stay on one partition, in order
    key: vehicle ? (record as VehicleTelemetryV1).vin : (record as DeviceLocationV1).deviceId,
    value: JSON.stringify(record),
    // every value is always present: no filtering on the hot path
    headers: { schema: vehicle ? VEHICLE_SCHEMA : LOCATION_SCHEMA, 'event-id': record.eventId, 'request-id': requestId },
  };
  return { topic: vehicle ? TOPICS.vehicle : TOPICS.location, message };
}

function rejectionFields(rejection: Rejection): Pick<DeadLetterV1, 'reasons' | 'original' | 'entityId'> {
  return { reasons: rejection.reasons, original: rejection.original, entityId: rejection.entityId };
}

function deadLetter(fields: { source: string; requestId: string; receivedAt: string } & Pick<DeadLetterV1, 'reasons' | 'original' | 'originalBase64' | 'entityId'>): OutgoingMessage {
  const letter: DeadLetterV1 = {
    schema: DEAD_LETTER_SCHEMA,
    stage: 'ingest',
    source: fields.source,
    reasons: fields.reasons,
    occurredAt: fields.receivedAt,
    requestId: fields.requestId,
    ...(fields.entityId !== undefined && { entityId: fields.entityId }),
    ...(fields.original !== undefined && { original: fields.original }),
    ...(fields.originalBase64 !== undefined && { originalBase64: fields.originalBase64 }),
  };
  return {
    topic: TOPICS.deadLetter,
    message: { key: fields.entityId ?? fields.requestId, value: serialise(letter), headers: headers({ schema: DEAD_LETTER_SCHEMA, source: fields.source, 'request-id': fields.requestId, 'content-type': 'application/json' }) },
  };
}
