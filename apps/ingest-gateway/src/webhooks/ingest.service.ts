import { BadRequestException, HttpException, Injectable, Logger } from '@nestjs/common';
import { TOPICS } from '@app/contracts';
import { AppConfig } from '@app/config';
import {
  deadLetter,
  OutgoingMessage,
  rawMessage,
  recordMessage,
  rejectionFields,
  RawTally,
  RequestMeta,
  tallied,
} from '@app/kafka/messages';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { messageBytes } from '../publishing/produce-request.budget';
import {
  PublishRefusedError,
  PublishUnavailableError,
  RecordPublisher,
} from '../publishing/record.publisher';
import { IngestResult } from './ingest-result.dto';
import { RetryLaterException } from './retry-later.exception';
import { SourceRateLimiter } from './source-rate.limiter';
import { VerifiedWebhook } from './signature.verifier';
import { WebhookIdempotencyCache } from './webhook-idempotency.cache';
import { WebhookSource } from './webhook-source.registry';

type Meta = RequestMeta;

/**
 * Verified bytes in; the raw body, every normalized record and every rejected reading out to
 * Kafka, acknowledged; a summary back. A replay of a request already answered gets that answer.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  private readonly maxReadings: number;
  private readonly maxMessageBytes: number;

  constructor(
    private readonly publisher: RecordPublisher,
    private readonly idempotency: WebhookIdempotencyCache,
    private readonly limiter: SourceRateLimiter,
    private readonly metrics: GatewayMetrics,
    private readonly config: AppConfig,
  ) {
    this.maxReadings = config.gateway.maxReadingsPerRequest;
    this.maxMessageBytes = config.gateway.publish.maxBatchBytes;
  }

  accept(webhook: VerifiedWebhook, body: Buffer): Promise<IngestResult> {
    const key = this.idempotency.keyOf(webhook.source.name, webhook.idempotencyKey, body);
    const replay = this.idempotency.replayed(key);
    if (replay) {
      this.metrics.replayed(webhook.source.name);
      return replay;
    }
    return this.idempotency.run(key, () => this.chargeAndIngest(webhook, body));
  }

  private async chargeAndIngest(webhook: VerifiedWebhook, body: Buffer): Promise<IngestResult> {
    const wait = this.limiter.take(webhook.source.name);
    if (wait !== undefined) {
      this.metrics.rateLimited(webhook.source.name);
      throw new RetryLaterException(
        429,
        `rate limit for source "${webhook.source.name}" exceeded`,
        wait,
      );
    }
    return this.ingest(webhook, body);
  }

  private async ingest(
    { source, requestId, idempotencyKey }: VerifiedWebhook,
    body: Buffer,
  ): Promise<IngestResult> {
    const receivedAt = new Date();
    const meta: Meta = { source: source.name, requestId, receivedAt: receivedAt.toISOString() };
    const raw = rawMessage(body, meta, idempotencyKey);

    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch (error) {
      const reason = `body is not valid JSON: ${(error as Error).message}`;
      const refusal = await this.publish(
        source,
        meta,
        [
          tallied(raw, this.tally(source, 0, 1)),
          this.fit(
            deadLetter({ ...meta, reasons: [reason], originalBase64: body.toString('base64') }),
            meta,
          ),
        ],
        1,
      );
      if (refusal) return refusal;
      this.metrics.accepted(source.name, 0, 1);
      if (source.unfixable === 'refuse')
        throw new BadRequestException({
          status: 'error',
          statusCode: 400,
          message: reason,
          deadLettered: 1,
        });
      return { status: 'success', accepted: 0, deadLettered: 1 };
    }

    // readings past the cap are only counted: a request's work is bounded whatever its body holds
    const {
      records,
      rejected,
      skipped = 0,
    } = source.normalizer.normalize(payload, {
      source: source.name,
      receivedAt,
      maxReadings: this.maxReadings,
    });
    if (skipped > 0 && source.unfixable === 'refuse') {
      this.metrics.overReadingLimit(source.name);
      throw new HttpException(
        {
          status: 'error',
          statusCode: 413,
          message: `the body holds ${this.maxReadings + skipped} readings, more than ${this.maxReadings} per request (MAX_READINGS_PER_REQUEST): nothing was stored; send them in smaller requests`,
        },
        413,
      );
    }
    const messages: OutgoingMessage[] = [raw];
    let accepted = 0;
    for (const record of records) {
      const message = this.fit(recordMessage(record, requestId), meta);
      messages.push(message);
      if (message.topic !== TOPICS.deadLetter) accepted++;
    }
    for (const rejection of rejected)
      messages.push(this.fit(deadLetter({ ...meta, ...rejectionFields(rejection) }), meta));
    if (skipped > 0) {
      this.metrics.overReadingLimit(source.name);
      const reason = `${skipped} reading(s) past MAX_READINGS_PER_REQUEST (${this.maxReadings}) were not processed; the first ${this.maxReadings} were. The whole body is on ${TOPICS.raw} under key ${requestId}`;
      messages.push(deadLetter({ ...meta, reasons: [reason] }));
      this.logger.warn(`${source.name} request ${requestId}: ${reason}`);
    }
    const deadLettered = records.length - accepted + rejected.length + skipped;
    tallied(raw, this.tally(source, accepted, deadLettered));
    const refusal = await this.publish(
      source,
      meta,
      messages,
      records.length + rejected.length + skipped,
    );
    if (refusal) return refusal;
    this.metrics.accepted(source.name, accepted, deadLettered);
    if (rejected.length > 0)
      this.logger.warn(
        `${source.name} request ${requestId}: ${rejected.length} reading(s) dead-lettered, first: ${rejected[0].reasons.join('; ')}`,
      );
    return { status: 'success', accepted, deadLettered };
  }

  private tally(source: WebhookSource, accepted: number, deadLettered: number): RawTally {
    return {
      normalizer: source.normalizerName,
      recordType: source.normalizer.recordType,
      accepted,
      deadLettered,
    };
  }

  /** a record no produce request can carry becomes a dead letter that says so; the reading stays on the raw topic */
  private fit(message: OutgoingMessage, meta: Meta): OutgoingMessage {
    const bytes = messageBytes(message.message);
    if (bytes <= this.maxMessageBytes) {
      // the publisher budgets produce requests with it: measured once
      message.bytes = bytes;
      return message;
    }
    const what = message.topic === TOPICS.deadLetter ? 'dead letter' : `${message.topic} record`;
    const entityId =
      message.topic === TOPICS.deadLetter
        ? undefined
        : (message.message.key?.toString() ?? undefined);
    return deadLetter({
      ...meta,
      entityId,
      reasons: [
        `${what} of ${bytes} bytes is larger than one produce request may be (PUBLISH_MAX_BATCH_BYTES=${this.maxMessageBytes}); the reading is in the request body on ${TOPICS.raw} under key ${meta.requestId}`,
      ],
    });
  }

  /** undefined once Kafka acknowledged; the answer to give instead when Kafka refused the records and the source takes a 200 for that */
  private async publish(
    source: WebhookSource,
    meta: Meta,
    messages: OutgoingMessage[],
    readings: number,
  ): Promise<IngestResult | undefined> {
    try {
      await this.publisher.publish(messages);
      return undefined;
    } catch (error) {
      if (error instanceof PublishRefusedError) return this.refused(source, meta, error, readings);
      if (!(error instanceof PublishUnavailableError)) throw error;
      this.metrics.unavailable(source.name);
      throw new RetryLaterException(
        503,
        'temporarily unable to store the webhook; retry later',
        this.config.gateway.retryAfterSeconds,
      );
    }
  }

  /**
   * Kafka refused the records themselves: no retry can change that, so never a 503. One small dead
   * letter records it; mobway then gets its 200 (counting nothing as accepted), the others a 4xx.
   */
  private async refused(
    source: WebhookSource,
    meta: Meta,
    error: PublishRefusedError,
    readings: number,
  ): Promise<IngestResult> {
    this.metrics.refused(source.name);
    const reason = `${error.message}; the request was not stored (the first parts of a large one may have been); the body may be on ${TOPICS.raw} under key ${meta.requestId}`;
    this.logger.error(`${source.name} request ${meta.requestId}: ${error.message}`);
    await this.publisher
      .publish([deadLetter({ ...meta, reasons: [reason] })])
      .catch((second: Error) => {
        if (second instanceof PublishUnavailableError)
          throw new RetryLaterException(
            503,
            'temporarily unable to store the webhook; retry later',
            this.config.gateway.retryAfterSeconds,
          );
        throw second;
      });
    if (source.unfixable === 'acknowledge') {
      this.metrics.accepted(source.name, 0, readings);
      return { status: 'success', accepted: 0, deadLettered: readings };
    }
    const tooLarge =
      error.kafkaError.includes('TOO_LARGE') ||
      error.kafkaError.includes('PUBLISH_MAX_BATCH_BYTES');
    throw new HttpException(
      {
        status: 'error',
        statusCode: tooLarge ? 413 : 422,
        message: `${error.message}: the request was not stored and sending it again will not help`,
      },
      tooLarge ? 413 : 422,
    );
  }
}
