import { randomBytes } from 'node:crypto';
import {
  crc32c,
  encodeRecord,
  encodeRecordBatch,
  frameRequest,
  groupMessagesPerPartition,
  installRecordBatchEncoder,
  kafkajsEncoders,
  produceRequest,
  VERIFIED_KAFKAJS_VERSION,
} from './record-batch.encoder';
import { produceRequestsEncoded } from './produce-encoding.counter';

// kafkajs's own checksum: the reference the broker has always accepted
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buf: Buffer) => number;
const Long = require('kafkajs/src/utils/long') as { fromValue(value: unknown): unknown };

const bytesOf = (encoder: { buf: Buffer; offset: number }) =>
  encoder.buf.subarray(0, encoder.offset);

const records = [
  {
    key: 'VIN123',
    value: '{"a":1}',
    headers: { schema: 'vehicle-telemetry/v1', 'event-id': 'e', 'request-id': 'r' },
  },
  { key: null, value: null },
  {
    key: Buffer.from([0, 1, 2]),
    value: randomBytes(3000),
    headers: { source: 'mobway', 'webhook-id': ['a', 'b'] },
  },
  {
    key: 'Ünïcødé ✓',
    value: '“quoted” 🚚'.repeat(50),
    headers: { 'content-type': 'application/json', empty: '' },
  },
  { key: '', value: 'x'.repeat(20_000), headers: {} },
  { value: 'v', offsetDelta: 300, timestampDelta: 70_000 },
  { value: 'negative delta', offsetDelta: 1, timestampDelta: -5 },
  { value: 'huge delta falls back to kafkajs', timestampDelta: 2 ** 40 },
  // around the short-string path: 64 and 65 ASCII characters, short non-ASCII, a lone surrogate, a DEL
  {
    key: 'k'.repeat(64),
    value: 'v'.repeat(65),
    headers: { ['h'.repeat(65)]: 'x'.repeat(64), é: 'ü', lone: 'a\ud800b', del: '\x7f\x00' },
  },
];

describe('record-batch encoder', () => {
  it.each(records.map((r, i) => [i, r] as const))(
    'writes record %i exactly as kafkajs does',
    (_, record) => {
      expect(bytesOf(encodeRecord(record))).toEqual(bytesOf(kafkajsEncoders.record(record)));
    },
  );

  it('writes an uncompressed batch exactly as kafkajs does, crc included', async () => {
    const batch = {
      firstTimestamp: 1_700_000_000_000,
      maxTimestamp: 1_700_000_000_123,
      producerId: Long.fromValue(4242),
      producerEpoch: 3,
      firstSequence: 77,
      lastOffsetDelta: records.length - 1,
    };
    const ours = await encodeRecordBatch({
      ...batch,
      records: records.map((r, i) => encodeRecord({ ...r, offsetDelta: i })),
    });
    const theirs = await kafkajsEncoders.recordBatch({
      ...batch,
      records: records.map((r, i) => kafkajsEncoders.record({ ...r, offsetDelta: i })),
    });
    expect(bytesOf(ours)).toEqual(bytesOf(theirs));
  });

  it('writes transactional and empty batches as kafkajs does', async () => {
    const batch = { firstTimestamp: 1, maxTimestamp: 2, transactional: true, records: [] };
    expect(bytesOf(await encodeRecordBatch(batch))).toEqual(
      bytesOf(await kafkajsEncoders.recordBatch(batch)),
    );
  });

  it('computes CRC-32C like kafkajs for every length around the 8-byte stride', () => {
    const data = randomBytes(100);
    for (let n = 0; n <= data.length; n++)
      expect(crc32c(data, 0, n)).toBe(kafkajsCrc32c(data.subarray(0, n)));
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});

describe('produce request encoder', () => {
  // kafkajs's own v3 request, loaded here with its own record encoders (nothing is installed in this test)
  const kafkajsProduceRequest =
    require('kafkajs/src/protocol/requests/produce/v3/request') as Parameters<
      typeof produceRequest
    >[1];
  const Long = require('kafkajs/src/utils/long') as { fromValue(value: unknown): unknown };

  const topicData = [
    {
      topic: 'telemetry.vehicle.v1',
      partitions: [
        { partition: 0, firstSequence: 12, messages: records.slice(0, 5) },
        { partition: 5, firstSequence: 2 ** 31 - 3, messages: records.slice(5, 7) },
        { partition: 2, messages: [] },
      ],
    },
    {
      topic: 'webhooks.raw.v1',
      partitions: [
        {
          partition: 3,
          firstSequence: 0,
          messages: [
            {
              key: 'req-1',
              value: randomBytes(4000),
              headers: { source: 'mobway', 'request-id': 'req-1' },
            },
          ],
        },
      ],
    },
    { topic: 'tópico-ünïcødé', partitions: [] },
  ];

  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(1_763_800_000_123));
  afterEach(() => jest.restoreAllMocks());

  async function bothEncode(args: Parameters<typeof produceRequest>[0]) {
    const fallback = jest.fn(kafkajsProduceRequest);
    const ours = produceRequest(args, fallback);
    const theirs = kafkajsProduceRequest(args);
    expect({ ...ours, encode: undefined, expectResponse: ours.expectResponse() }).toEqual({
      ...theirs,
      encode: undefined,
      expectResponse: theirs.expectResponse(),
    });
    return {
      ours: bytesOf(await ours.encode()),
      theirs: bytesOf(await theirs.encode()),
      fellBack: fallback.mock.calls.length > 0,
    };
  }

  it.each([
    [
      'idempotent, acks=all',
      { acks: -1, timeout: 30_000, producerId: Long.fromValue(4242), producerEpoch: 7, topicData },
    ],
    ['defaults (no producer id), acks=1', { acks: 1, timeout: 100, topicData }],
    [
      'transactional, acks=0',
      {
        acks: 0,
        timeout: 5,
        transactionalId: 'tx-ü',
        producerId: Long.fromValue(2 ** 40),
        producerEpoch: 1,
        topicData,
      },
    ],
    ['no topics', { acks: -1, timeout: 1, topicData: [] }],
  ])('writes a produce request exactly as kafkajs does: %s', async (_, args) => {
    const { ours, theirs, fellBack } = await bothEncode(args);
    expect(fellBack).toBe(false);
    expect(ours).toEqual(theirs);
  });

  it.each([
    ['compressed', { acks: -1, timeout: 1000, compression: 1, topicData }],
    [
      'messages with timestamps',
      {
        acks: -1,
        timeout: 1000,
        topicData: [
          {
            topic: 't',
            partitions: [
              {
                partition: 0,
                messages: [{ value: 'a', timestamp: '1700000000000' }, { value: 'b' }],
              },
            ],
          },
        ],
      },
    ],
  ])('leaves %s requests to kafkajs', async (_, args) => {
    const { ours, theirs, fellBack } = await bothEncode(args);
    expect(fellBack).toBe(true);
    expect(ours).toEqual(theirs);
  });

  it('counts the requests it encodes and those it leaves to kafkajs (fleet_gateway_produce_requests_encoded_total)', async () => {
    const before = { ...produceRequestsEncoded };

    await produceRequest({ acks: -1, timeout: 1, topicData }, kafkajsProduceRequest).encode();
    await produceRequest(
      { acks: -1, timeout: 1, compression: 1, topicData },
      kafkajsProduceRequest,
    ).encode();

    expect(produceRequestsEncoded).toEqual({
      gateway: before.gateway + 1,
      kafkajs: before.kafkajs + 1,
    });
  });
});

describe(installRecordBatchEncoder.name, () => {
  it('keeps kafkajs its own encoders, with one warning, on a kafkajs release it was not verified against', () => {
    const warn = jest.fn<void, [string]>();
    const log = jest.fn();
    const stock = [
      'kafkajs/src/protocol/recordBatch/record/v0',
      'kafkajs/src/protocol/request',
      'kafkajs/src/producer/groupMessagesPerPartition',
    ].map((name) => require.resolve(name));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs modules by resolved path, as the encoder loads them
    for (const path of stock) require(path);
    const before = stock.map((path) => require.cache[path]!.exports as unknown);
    const batches = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: unknown };
    const stockBatch = batches.RecordBatch;

    expect(installRecordBatchEncoder('2.3.0', warn, log)).toBe(false);

    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain(`kafkajs 2.3.0 is not ${VERIFIED_KAFKAJS_VERSION}`);
    expect(log).not.toHaveBeenCalled();
    expect(stock.map((path) => require.cache[path]!.exports as unknown)).toEqual(before);
    expect(batches.RecordBatch).toBe(stockBatch);
    expect(
      require.cache[require.resolve('kafkajs/src/protocol/requests/produce/v3/request')],
    ).toBeDefined(); // loaded by the test above, untouched
  });

  it('was verified against the kafkajs installed here', () => {
    expect((require('kafkajs/package.json') as { version: string }).version).toBe(
      VERIFIED_KAFKAJS_VERSION,
    );
  });
});

describe(groupMessagesPerPartition.name, () => {
  const kafkajsGroup =
    require('kafkajs/src/producer/groupMessagesPerPartition') as typeof groupMessagesPerPartition;

  it('groups messages by partition, in order, as kafkajs does', () => {
    const messages = Array.from({ length: 300 }, (_, i) => ({
      key: `k${i % 37}`,
      value: String(i),
    }));
    const partitioner = ({ message }: { message: { key: string } }) =>
      Number(message.key.slice(1)) % 6;
    for (const partitionMetadata of [[], [{}], [{}, {}, {}, {}, {}, {}]]) {
      const args = { topic: 't', partitionMetadata, messages, partitioner };
      expect(groupMessagesPerPartition(args)).toEqual(kafkajsGroup(args));
    }
    expect(
      Object.keys(
        groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner }),
      ),
    ).toEqual(['0', '1', '2', '3', '4', '5']);
  });
});

describe(frameRequest.name, () => {
  const kafkajsFrame = require('kafkajs/src/protocol/request') as Parameters<
    typeof frameRequest
  >[1];
  const kafkajsProduceRequest =
    require('kafkajs/src/protocol/requests/produce/v3/request') as Parameters<
      typeof produceRequest
    >[1];
  const metadataRequest = require('kafkajs/src/protocol/requests/metadata/v0/request') as (args: {
    topics: string[];
  }) => Parameters<typeof frameRequest>[0]['request'];

  it.each([
    [
      'a produce request',
      kafkajsProduceRequest({
        acks: -1,
        timeout: 30_000,
        topicData: [
          {
            topic: 't',
            partitions: [{ partition: 1, messages: [{ key: 'k', value: randomBytes(70_000) }] }],
          },
        ],
      }),
      'ingest-gateway',
    ],
    ['a metadata request', metadataRequest({ topics: ['a', 'bé'] }), 'clïent'],
    ['no client id', metadataRequest({ topics: [] }), null],
  ])('frames %s exactly as kafkajs does', async (_, request, clientId) => {
    jest.spyOn(Date, 'now').mockReturnValue(1_763_800_000_123);
    const args = { correlationId: 2 ** 31 - 1, clientId, request };
    expect(bytesOf(await frameRequest(args, kafkajsFrame))).toEqual(
      bytesOf(await kafkajsFrame(args)),
    );
    jest.restoreAllMocks();
  });

  it('leaves kafkajs to refuse a request that encodes to no Encoder', async () => {
    await expect(
      frameRequest(
        {
          correlationId: 1,
          clientId: 'c',
          request: { apiKey: 3, apiVersion: 0, encode: () => Promise.resolve(undefined) },
        },
        kafkajsFrame,
      ),
    ).rejects.toThrow('value should be an instance of Encoder');
  });
});
