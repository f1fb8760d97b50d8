import { HttpException } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DeadLetterV1, TOPICS } from '@app/contracts';
import { NORMALIZERS } from '@app/normalization';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import {
  OutgoingMessage,
  PublishRefusedError,
  PublishUnavailableError,
  RecordPublisher,
} from '../publishing/record.publisher';
import { IngestService } from './ingest.service';
import { RetryLaterException } from './retry-later.exception';
import { SourceRateLimiter } from './source-rate.limiter';
import { VerifiedWebhook } from './signature.verifier';
import { WebhookIdempotencyCache } from './webhook-idempotency.cache';
import { WebhookSource } from './webhook-source.registry';

const VIN = '9BWZZZ377VT004251';
const MOBWAY: WebhookSource = {
  name: 'mobway',
  scheme: 'mobway',
  secrets: ['s'],
  normalizer: NORMALIZERS.mobway,
  normalizerName: 'mobway',
  unfixable: 'acknowledge',
};
const WEGUARD: WebhookSource = {
  name: 'weguard',
  scheme: 'weguard',
  secrets: ['s'],
  normalizer: NORMALIZERS.weguard,
  normalizerName: 'weguard',
  unfixable: 'refuse',
};

/** a publisher that records what it was given and fails as told */
class FakePublisher {
  readonly calls: OutgoingMessage[][] = [];
  failures: Error[] = [];
  publish(messages: OutgoingMessage[]): Promise<void> {
    this.calls.push(messages);
    const failure = this.failures.shift();
    return failure ? Promise.reject(failure) : Promise.resolve();
  }
}

function buildSut(gateway: Partial<AppConfig['gateway']> = {}) {
  const config = {
    gateway: {
      maxReadingsPerRequest: 5,
      replayWindowSeconds: 600,
      retryAfterSeconds: 5,
      rateLimit: { perSecond: 1, burst: 2 },
      publish: { maxBatchBytes: 64 * 1024 },
      ...gateway,
    },
  } as AppConfig;
  const publisher = new FakePublisher();
  const metrics = new GatewayMetrics();
  const sut = new IngestService(
    publisher as unknown as RecordPublisher,
    new WebhookIdempotencyCache(config),
    new SourceRateLimiter(config),
    metrics,
    config,
  );
  let n = 0;
  const webhook = (source: WebhookSource, idempotencyKey?: string): VerifiedWebhook => ({
    source,
    requestId: `req-${++n}`,
    idempotencyKey,
  });
  return { sut, publisher, metrics, webhook };
}

const reading = (second: number, extra: Record<string, unknown> = {}) => ({
  date_time: `2025-03-01 10:00:${String(second).padStart(2, '0')}`,
  speed: 50,
  ...extra,
});
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const letters = (messages: OutgoingMessage[]) =>
  messages
    .filter((m) => m.topic === TOPICS.deadLetter)
    .map((m) => JSON.parse(String(m.message.value)) as DeadLetterV1);

describe(IngestService.name, () => {
  describe('replays', () => {
    it('answers an identical body with the first answer, without publishing or charging it again', async () => {
      const { sut, publisher, metrics, webhook } = buildSut();
      const captured = body({ [VIN]: [reading(0)] });
      const answers = [];
      // burst 2: a third charged request would get 429
      for (let i = 0; i < 5; i++) answers.push(await sut.accept(webhook(MOBWAY), captured));
      expect(answers).toEqual(Array(5).fill({ status: 'success', accepted: 1, deadLettered: 0 }));
      expect(publisher.calls).toHaveLength(1);
      await expect(
        sut.accept(webhook(MOBWAY), body({ [VIN]: [reading(1)] })),
      ).resolves.toMatchObject({ accepted: 1 });
      expect(await metrics.render()).toMatch(/fleet_gateway_replays_total\{source="mobway"\} 4/);
    });

    it('processes a retry after a 503 or a 429', async () => {
      const { sut, publisher, webhook } = buildSut({ rateLimit: { perSecond: 1, burst: 1 } });
      const captured = body({ [VIN]: [reading(0)] });
      publisher.failures = [new PublishUnavailableError('broker down')];
      await expect(sut.accept(webhook(MOBWAY), captured)).rejects.toMatchObject({ status: 503 });
      // the 503 spent the only token: the retry is refused by the limiter, and that is not kept either
      await expect(sut.accept(webhook(MOBWAY), captured)).rejects.toBeInstanceOf(
        RetryLaterException,
      );
      await new Promise((r) => setTimeout(r, 1100));
      await expect(sut.accept(webhook(MOBWAY), captured)).resolves.toMatchObject({ accepted: 1 });
      expect(publisher.calls).toHaveLength(2);
    });

    it('keys Standard Webhooks requests by their id, not their body', async () => {
      const { sut, publisher, webhook } = buildSut();
      const generic = { ...MOBWAY, name: 'acme', scheme: 'standard-webhooks' as const };
      await sut.accept(webhook(generic, 'msg_1'), body({ [VIN]: [reading(0)] }));
      await sut.accept(webhook(generic, 'msg_1'), body({ [VIN]: [reading(1)] }));
      await sut.accept(webhook(generic, 'msg_2'), body({ [VIN]: [reading(0)] }));
      expect(publisher.calls).toHaveLength(2);
    });
  });

  describe('the reading cap', () => {
    const many = body({
      [VIN]: [reading(0), reading(1), {}, reading(2), reading(3), reading(4), {}, reading(5)],
    });

    it('acknowledges mobway, processing the first readings and dead-lettering the excess in one letter', async () => {
      const { sut, publisher, webhook } = buildSut();
      await expect(sut.accept(webhook(MOBWAY), many)).resolves.toEqual({
        status: 'success',
        accepted: 4,
        deadLettered: 4,
      });
      const [messages] = publisher.calls;
      expect(messages.filter((m) => m.topic === TOPICS.vehicle)).toHaveLength(4);
      const [single, aggregated] = letters(messages);
      expect(single.original).toEqual({});
      expect(aggregated.original).toBeUndefined();
      expect(aggregated.reasons).toEqual([
        `3 reading(s) past MAX_READINGS_PER_REQUEST (5) were not processed; the first 5 were. The whole body is on ${TOPICS.raw} under key req-1`,
      ]);
      expect(messages.filter((m) => m.topic === TOPICS.raw).map((m) => m.message.value)).toEqual([
        many,
      ]);
    });

    it('answers 413 to a sender that takes it, and stores nothing', async () => {
      const { sut, publisher, webhook } = buildSut();
      const err = (await sut
        .accept(webhook(WEGUARD), body(Array.from({ length: 6 }, () => ({}))))
        .catch((e: HttpException) => e)) as HttpException;
      expect(err.getStatus()).toBe(413);
      expect(JSON.stringify(err.getResponse())).toMatch(
        /holds 6 readings, more than 5 per request \(MAX_READINGS_PER_REQUEST\)/,
      );
      expect(publisher.calls).toHaveLength(0);
    });
  });

  describe('records no produce request can carry', () => {
    it('dead-letters a record over PUBLISH_MAX_BATCH_BYTES at ingest, with its size, and keeps the others', async () => {
      const { sut, publisher, webhook } = buildSut({
        publish: { maxBatchBytes: 64 * 1024 } as AppConfig['gateway']['publish'],
      });
      const payload = body({ [VIN]: [reading(0), reading(1, { note: 'n'.repeat(70_000) })] });
      await expect(sut.accept(webhook(MOBWAY), payload)).resolves.toEqual({
        status: 'success',
        accepted: 1,
        deadLettered: 1,
      });
      const [letter] = letters(publisher.calls[0]);
      expect(letter.entityId).toBe(VIN);
      expect(letter.reasons[0]).toMatch(
        /^telemetry\.vehicle\.v1 record of \d+ bytes is larger than one produce request may be \(PUBLISH_MAX_BATCH_BYTES=65536\)/,
      );
      expect(
        publisher.calls[0].every(
          (m) => String(m.message.value).length < 64 * 1024 || m.topic === TOPICS.raw,
        ),
      ).toBe(true);
    });

    it('never answers 503 to records Kafka refuses: one dead letter, then 200 for mobway and 413 for the others', async () => {
      const { sut, publisher, metrics, webhook } = buildSut();
      publisher.failures = [new PublishRefusedError('MESSAGE_TOO_LARGE')];
      await expect(
        sut.accept(webhook(MOBWAY), body({ [VIN]: [reading(0), reading(1)] })),
      ).resolves.toEqual({ status: 'success', accepted: 0, deadLettered: 2 });
      expect(letters(publisher.calls[1])[0].reasons[0]).toMatch(
        /^Kafka refused the records: MESSAGE_TOO_LARGE; the request was not stored/,
      );

      publisher.failures = [new PublishRefusedError('INVALID_RECORD')];
      const err = (await sut
        .accept(
          webhook(WEGUARD),
          body([{ deviceId: 'd-1', latitude: 1, longitude: 2, timestamp: '2025-03-01T13:00:00Z' }]),
        )
        .catch((e: HttpException) => e)) as HttpException;
      expect(err.getStatus()).toBe(422);
      expect(await metrics.render()).toMatch(
        /fleet_gateway_publish_refused_total\{source="weguard"\} 1/,
      );
      expect(await metrics.render()).not.toMatch(/fleet_gateway_publish_unavailable_total\{/);
    });
  });

  describe('the raw message tells the completeness ledger what became of the request', () => {
    const rawHeaders = (messages: OutgoingMessage[]) =>
      Object.fromEntries(
        Object.entries(messages.find((m) => m.topic === TOPICS.raw)!.message.headers!).map(
          ([k, v]) => [k, String(v)],
        ),
      );

    it('counts readings accepted and dead-lettered, as the answer does', async () => {
      const { sut, publisher, webhook } = buildSut();
      await expect(
        sut.accept(webhook(MOBWAY), body({ [VIN]: [reading(0), {}, reading(1)] })),
      ).resolves.toMatchObject({ accepted: 2, deadLettered: 1 });
      expect(rawHeaders(publisher.calls[0])).toMatchObject({
        source: 'mobway',
        normalizer: 'mobway',
        'record-type': 'vehicle',
        readings: '3',
        accepted: '2',
        'dead-lettered': '1',
      });
    });

    it('counts a body that is not JSON as one dead-lettered reading', async () => {
      const { sut, publisher, webhook } = buildSut();
      await sut.accept(webhook(MOBWAY), Buffer.from('{not json'));
      expect(rawHeaders(publisher.calls[0])).toMatchObject({
        'record-type': 'vehicle',
        readings: '1',
        accepted: '0',
        'dead-lettered': '1',
      });
    });
  });
});
