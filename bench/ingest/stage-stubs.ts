/**
 * Preloaded into the gateway by `npm run bench:ingest:stages` (node --require), never by the app:
 * takes whole stages of the hot path away so that what each costs shows in the gateway's CPU per
 * request. BENCH_STUB lists them:
 * - `event-id`: every record gets the same event id (no canonical JSON, no SHA-1);
 * - `normalize`: each normalizer answers every request with its first request's records (same objects);
 * - `serialize`: the record serializer answers those same record objects from a memo (needs `normalize`);
 * - `publish`: the publisher resolves at once, so nothing reaches Kafka.
 */
import { MobwayNormalizer, WeguardNormalizer } from '@app/normalization';
import * as eventIds from '@app/normalization/event-id';
import * as serializers from '@app/kafka/record.serializer';

const stubs = new Set((process.env.BENCH_STUB ?? '').split(',').filter(Boolean));

if (stubs.has('event-id')) {
  // the normalizers call it through the module's exports
  (eventIds as { eventIdFor: typeof eventIds.eventIdFor }).eventIdFor = () =>
    '00000000-0000-5000-8000-000000000000';
}

if (stubs.has('normalize')) {
  for (const normalizer of [MobwayNormalizer, WeguardNormalizer]) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the instance's own this
    const normalize = normalizer.prototype.normalize as (...args: unknown[]) => unknown;
    let first: unknown;
    normalizer.prototype.normalize = function (this: unknown, ...args: unknown[]) {
      first ??= normalize.apply(this, args);
      return first;
    } as typeof normalizer.prototype.normalize;
  }
}

if (stubs.has('serialize')) {
  // the message builders (libs/kafka messages.ts) call it through the module's exports
  const exported = serializers as { serializeVehicle: typeof serializers.serializeVehicle };
  const serialize = exported.serializeVehicle;
  const memo = new WeakMap<object, string>();
  exported.serializeVehicle = (record) => {
    let json = memo.get(record);
    if (json === undefined) memo.set(record, (json = serialize(record)));
    return json;
  };
}

if (stubs.has('publish')) {
  // the publisher imports kafkajs, which must load after the gateway installs its encoders: wait for it
  const path = require.resolve('../../apps/ingest-gateway/src/publishing/record.publisher');
  const waitForPublisher = setInterval(() => {
    const loaded = require.cache[path]?.exports as
      typeof import('../../apps/ingest-gateway/src/publishing/record.publisher') | undefined;
    if (!loaded?.RecordPublisher) return;
    loaded.RecordPublisher.prototype.publish = () => Promise.resolve();
    clearInterval(waitForPublisher);
  }, 5);
}
