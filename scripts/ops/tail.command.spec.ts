import type { KafkaMessage } from 'kafkajs';
import { describeMessage, topicOf } from './tail.command';

const VIN = '9BWZZZ377VT004251';

function aMessage(value: unknown, overrides: Partial<KafkaMessage> = {}): KafkaMessage {
  return {
    key: Buffer.from(VIN),
    value: Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)),
    timestamp: String(Date.parse('2025-03-01T13:00:05.000Z')),
    offset: '42',
    attributes: 0,
    size: 0,
    headers: {},
    ...overrides,
  } as unknown as KafkaMessage;
}

describe('ops tail', () => {
  it.each([
    ['vehicle', 'telemetry.vehicle.v1'],
    ['location', 'telemetry.location.v1'],
    ['raw', 'webhooks.raw.v1'],
    ['dead-letters', 'telemetry.deadletter.v1'],
    ['some.other.topic', 'some.other.topic'],
  ])('reads %p as the topic %p', (name, topic) => {
    expect(topicOf(name)).toBe(topic);
  });

  it('writes a record as time, key, source, event id and its non-null fields', () => {
    const described = describeMessage(
      'telemetry.vehicle.v1',
      3,
      aMessage({
        schema: 'vehicle-telemetry/v1',
        eventId: 'e-1',
        source: 'mobway',
        vin: VIN,
        recordedAt: '2025-03-01T13:00:00.000Z',
        receivedAt: '2025-03-01T13:00:02.125Z',
        latitude: -23.5505,
        longitude: -46.6333,
        speedKph: null,
        event: 'ignition on',
        flags: {},
        attributes: { tire_pressure_fl: 34 },
      }),
    );
    expect(described).toEqual({
      source: 'mobway',
      line: `2025-03-01T13:00:00.000Z  ${VIN}  mobway  e-1  latitude=-23.5505  longitude=-46.6333  event="ignition on"  attributes={"tire_pressure_fl":34}  p3@42`,
    });
  });

  it('cuts a long value', () => {
    const { line } = describeMessage(
      'telemetry.location.v1',
      0,
      aMessage({ source: 's', attributes: { note: 'x'.repeat(200) } }),
    );
    expect(line).toMatch(/attributes=\{"note":"x+… {2}p0@42$/);
    expect(line.length).toBeLessThan(200);
  });

  it('writes a raw request with its headers and body size', () => {
    const described = describeMessage(
      'webhooks.raw.v1',
      1,
      aMessage(Buffer.alloc(1234), {
        key: Buffer.from('mobway'),
        headers: {
          source: Buffer.from('mobway'),
          'request-id': Buffer.from('r-1'),
          'received-at': Buffer.from('2025-03-01T13:00:02.125Z'),
          accepted: Buffer.from('2'),
        },
      }),
    );
    expect(described).toEqual({
      source: 'mobway',
      line: '2025-03-01T13:00:02.125Z  mobway  mobway  body 1234 bytes  request-id=r-1  accepted=2  p1@42',
    });
  });

  it('writes a dead letter with its stage, request, where it came from and its reasons', () => {
    const described = describeMessage(
      'telemetry.deadletter.v1',
      0,
      aMessage({
        schema: 'dead-letter/v1',
        stage: 'consume',
        source: 'mobway',
        reasons: ['latitude must not be greater than 90', 'speedKph must be a number'],
        occurredAt: '2025-03-01T13:00:03.000Z',
        requestId: 'r-1',
        original: { eventId: 'e-9' },
        topic: 'telemetry.vehicle.v1',
        partition: 2,
        offset: '7',
      }),
    );
    expect(described).toEqual({
      source: 'mobway',
      line: `2025-03-01T13:00:03.000Z  ${VIN}  mobway  e-9  stage=consume  request-id=r-1  from=telemetry.vehicle.v1/2@7  reasons: latitude must not be greater than 90; speedKph must be a number  p0@42`,
    });
  });

  it('says so of a value that is not a JSON object', () => {
    expect(describeMessage('telemetry.vehicle.v1', 0, aMessage(Buffer.from('oops'))).line).toBe(
      `2025-03-01T13:00:05.000Z  ${VIN}  4 bytes, not a JSON object  p0@42`,
    );
  });
});
