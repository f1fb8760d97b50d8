import { createHash } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { rawRequestEntry } from './raw-request.entry';

const message = (headers: Record<string, string>, value = '{"a":1}', offset = '7'): KafkaMessage =>
  ({
    offset,
    key: Buffer.from('req-1'),
    value: Buffer.from(value),
    timestamp: '0',
    attributes: 0,
    size: 0,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  }) as unknown as KafkaMessage;

const TALLIED = {
  source: 'mobway',
  'request-id': 'req-1',
  'received-at': '2026-12-03T10:59:59.999Z',
  normalizer: 'mobway',
  'record-type': 'vehicle',
  readings: '5',
  accepted: '3',
  'dead-lettered': '2',
};
const noType = () => undefined;

describe(rawRequestEntry.name, () => {
  it('reads the tally the gateway wrote, keyed by the body digest when the sender gave no id', () => {
    expect(rawRequestEntry(message(TALLIED), noType)).toEqual({
      offset: '7',
      source: 'mobway',
      receivedAt: Date.parse('2026-12-03T10:59:59.999Z'),
      key: `sha256:${createHash('sha256').update('{"a":1}').digest('hex')}`,
      recordType: 'vehicle',
      tallied: true,
      readings: 5,
      accepted: 3,
      deadLettered: 2,
    });
  });

  it('keys by the webhook id when there is one: a retry with other bytes is the same request', () => {
    const a = rawRequestEntry(message({ ...TALLIED, 'webhook-id': 'msg_1' }, '{"a":1}'), noType);
    const b = rawRequestEntry(message({ ...TALLIED, 'webhook-id': 'msg_1' }, '{ "a": 1 }'), noType);
    expect(a?.key).toBe('id:msg_1');
    expect(b?.key).toBe('id:msg_1');
  });

  it("places a message archived before the tally headers by its source's configured record type, counting only the request", () => {
    const { source, 'request-id': id, 'received-at': at } = TALLIED;
    const entry = rawRequestEntry(
      message({ source, 'request-id': id, 'received-at': at }),
      (name) => (name === 'mobway' ? 'vehicle' : undefined),
    );
    expect(entry).toMatchObject({
      recordType: 'vehicle',
      tallied: false,
      readings: 0,
      accepted: 0,
    });
    expect(
      rawRequestEntry(message({ source: 'gone', 'received-at': at }), () => undefined)?.recordType,
    ).toBeUndefined();
  });

  it.each([
    ['no source', { ...TALLIED, source: '' }],
    ['no receipt time', { ...TALLIED, 'received-at': 'yesterday' }],
  ])('ignores a message with %s', (_, headers) => {
    expect(rawRequestEntry(message(headers), noType)).toBeUndefined();
  });

  it('does not trust counts that are not plain decimals', () => {
    expect(rawRequestEntry(message({ ...TALLIED, accepted: '-1' }), noType)).toMatchObject({
      tallied: false,
      accepted: 0,
    });
    expect(
      rawRequestEntry(message({ ...TALLIED, 'record-type': 'boat' }), noType)?.recordType,
    ).toBeUndefined();
  });
});
