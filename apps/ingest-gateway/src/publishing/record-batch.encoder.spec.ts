import { randomBytes } from 'node:crypto';
import { crc32c, encodeRecord, encodeRecordBatch, kafkajsEncoders } from './record-batch.encoder';

// kafkajs's own checksum: the reference the broker has always accepted
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buf: Buffer) => number;
const Long = require('kafkajs/src/utils/long') as { fromValue(value: unknown): unknown };

const bytesOf = (encoder: { buf: Buffer; offset: number }) => encoder.buf.subarray(0, encoder.offset);

const records = [
  { key: 'VIN123', value: '{"a":1}', headers: { schema: 'vehicle-telemetry/v1', 'event-id': 'e', 'request-id': 'r' } },
  { key: null, value: null },
  { key: Buffer.from([0, 1, 2]), value: randomBytes(3000), headers: { source: 'mobway', 'webhook-id': ['a', 'b'] } },
  { key: 'Ünïcødé ✓', value: '“quoted” 🚚'.repeat(50), headers: { 'content-type': 'application/json', empty: '' } },
  { key: '', value: 'x'.repeat(20_000), headers: {} },
  { value: 'v', offsetDelta: 300, timestampDelta: 70_000 },
  { value: 'negative delta', offsetDelta: 1, timestampDelta: -5 },
  { value: 'huge delta falls back to kafkajs', timestampDelta: 2 ** 40 },
];

describe('record-batch encoder', () => {
  it.each(records.map((r, i) => [i, r] as const))('writes record %i exactly as kafkajs does', (_, record) => {
    expect(bytesOf(encodeRecord(record))).toEqual(bytesOf(kafkajsEncoders.record(record)));
  });

  it('writes an uncompressed batch exactly as kafkajs does, crc included', async () => {
    const batch = {
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_123,
      producerId: Long.fromValue(4242),
      producerEpoch: 3,
      firstSequence: 77,
      lastOffsetDelta: records.length - 1,
    };
    const ours = await encodeRecordBatch({ ...batch, records: records.map((r, i) => encodeRecord({ ...r, offsetDelta: i })) });
    const theirs = await kafkajsEncoders.recordBatch({ ...batch, records: records.map((r, i) => kafkajsEncoders.record({ ...r, offsetDelta: i })) });
    expect(bytesOf(ours)).toEqual(bytesOf(theirs));
  });

  it('writes transactional and empty batches as kafkajs does', async () => {
    const batch = { firstTimestamp: 1, maxTimestamp: 2, transactional: true, records: [] };
    expect(bytesOf(await encodeRecordBatch(batch))).toEqual(bytesOf(await kafkajsEncoders.recordBatch(batch)));
  });

  it('computes CRC-32C like kafkajs for every length around the 8-byte stride', () => {
    const data = randomBytes(100);
    for (let n = 0; n <= data.length; n++) expect(crc32c(data, 0, n)).toBe(kafkajsCrc32c(data.subarray(0, n)));
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});
