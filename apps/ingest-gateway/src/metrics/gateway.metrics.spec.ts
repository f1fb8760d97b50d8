import { performance } from 'node:perf_hooks';
import { deadLetter, rawMessage } from '@app/kafka/messages';
import { MetricsRegistry } from '@app/metrics';
import { GatewayMetrics, UNVERIFIED } from './gateway.metrics';

const meta = { source: 'mobway', requestId: 'req-1', receivedAt: '2025-03-01T13:00:00.000Z' };

describe(GatewayMetrics.name, () => {
  it('counts a produce request’s dead letters by reason class once Kafka acknowledged it, and its size either way', async () => {
    const registry = new MetricsRegistry();
    const sut = new GatewayMetrics(registry);
    const messages = [
      rawMessage(Buffer.from('{}'), meta),
      deadLetter({ ...meta, reasons: ['latitude must not be greater than 90'] }),
      deadLetter({ ...meta, reasons: ['body is not valid JSON: Unexpected token'] }),
    ];

    sut.produced([{ messages }], 3, performance.now(), false);
    sut.produced([{ messages }], 3, performance.now(), true);

    const text = await registry.render();
    expect(text).toContain(
      'fleet_dead_letters_total{stage="ingest",source="mobway",reason_class="out_of_range"} 1',
    );
    expect(text).toContain(
      'fleet_dead_letters_total{stage="ingest",source="mobway",reason_class="malformed"} 1',
    );
    expect(text).toContain('fleet_gateway_publish_batch_records_sum 6');
    expect(text).toContain('fleet_gateway_publish_duration_seconds_count 2');
  });

  it('times requests by verified source and status, and counts accepted requests per source', async () => {
    const registry = new MetricsRegistry();
    const sut = new GatewayMetrics(registry);

    sut.requestDone('mobway', 200, performance.now());
    sut.requestDone('mobway', 200, performance.now());
    sut.requestDone(UNVERIFIED, 403, performance.now());
    sut.accepted('mobway', 2, 1);

    const text = await registry.render();
    expect(text).toContain(
      'fleet_gateway_request_duration_seconds_count{source="mobway",status="200"} 2',
    );
    expect(text).toContain(
      'fleet_gateway_request_duration_seconds_count{source="-",status="403"} 1',
    );
    expect(text).toContain('fleet_gateway_requests_accepted_total{source="mobway"} 1');
    expect(text).toContain('fleet_gateway_records_published_total{source="mobway"} 2');
    expect(text).toContain('fleet_gateway_records_dead_lettered_total{source="mobway"} 1');
    expect(text).toMatch(/fleet_gateway_produce_requests_encoded_total\{encoder="gateway"\} \d+/);
  });
});
