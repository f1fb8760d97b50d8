/**
 * Byte-identical replacements for kafkajs 2.2's record, uncompressed record-batch, produce request
 * and request frame encoders, and a linear version of its per-partition grouping.
 *
 * kafkajs encodes each record through a growable buffer that starts as a zero-filled 512 bytes,
 * allocates another per header and a Buffer.from([..]) per varint, doubles and copies the batch
 * buffer as records are appended and checksums it one byte at a time: about 200 µs of the
 * gateway's CPU per 10-vehicle webhook, the largest single cost on its hot path. These write each
 * record into one buffer of its exact size and each batch into one buffer, with a table-driven
 * CRC-32C; an uncompressed produce request is written whole into one buffer (produceRequest).
 * Compressed batches still go through kafkajs.
 */

/* eslint-disable @typescript-eslint/no-require-imports -- this module swaps kafkajs's internal CommonJS modules in require.cache: it loads them by resolved path, at the moment it chooses, as the very instances kafkajs uses */
import { Logger } from '@nestjs/common';
import { produceRequestsEncoded } from './produce-encoding.counter';

interface EncoderLike {
  buf: Buffer;
  offset: number;
}

interface LongLike {
  getHighBits(): number;
  getLowBits(): number;
}

interface EncoderClass {
  prototype: object;
}

interface RecordArgs {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, Buffer | string | null | (Buffer | string)[] | undefined>;
}

interface RecordBatchArgs {
  compression?: number;
  firstOffset?: unknown;
  firstTimestamp?: number;
  maxTimestamp?: number;
  partitionLeaderEpoch?: number;
  lastOffsetDelta?: number;
  transactional?: boolean;
  producerId?: unknown;
  producerEpoch?: number;
  firstSequence?: number;
  records?: EncoderLike[];
}

const logger = new Logger('RecordBatchEncoder');
const KAFKAJS = 'kafkajs/src/protocol';
const Encoder = require(`${KAFKAJS}/encoder`) as EncoderClass;
const Long = require('kafkajs/src/utils/long') as {
  fromValue(value: unknown): LongLike;
  fromInt(value: number): LongLike;
};
const RECORD_MODULE = require.resolve(`${KAFKAJS}/recordBatch/record/v0`);
const BATCH_MODULE = require.resolve(`${KAFKAJS}/recordBatch/v0`);
// the produce request captures both encoders when it is first loaded (lazily, at the first send)
const PRODUCE_REQUEST_MODULE = require.resolve(`${KAFKAJS}/requests/produce/v3/request`);
// captured by the producer's send path when kafkajs itself is first loaded
const GROUP_MODULE = require.resolve('kafkajs/src/producer/groupMessagesPerPartition');
const SEND_MESSAGES_MODULE = require.resolve('kafkajs/src/producer/sendMessages');
// the frame around every request; the connection module takes it when kafkajs loads
const REQUEST_FRAME_MODULE = require.resolve(`${KAFKAJS}/request`);

type RecordEncoder = (args: RecordArgs) => EncoderLike;
type RecordBatchEncoder = (args: RecordBatchArgs) => Promise<EncoderLike>;
const kafkajsRecord = require(RECORD_MODULE) as RecordEncoder;
const batchExports = require(BATCH_MODULE) as { RecordBatch: RecordBatchEncoder };
const kafkajsRecordBatch = batchExports.RecordBatch;

const TRANSACTIONAL_MASK = 16;
const MAGIC_BYTE = 2;
// the varlong fast path: timestamp deltas are milliseconds within one produce request
const SMALL_INT = 2 ** 30;

/** the kafkajs Encoder the request encoders around the batch expect: they read `buf` and `offset` */
function asEncoder(buf: Buffer, offset: number): EncoderLike {
  const encoder = Object.create(Encoder.prototype) as EncoderLike;
  encoder.buf = buf;
  encoder.offset = offset;
  return encoder;
}

function zigZag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function sizeOfVarInt(value: number): number {
  let rest = zigZag(value);
  let bytes = 1;
  while (rest >= 0x80) {
    bytes += 1;
    rest >>>= 7;
  }
  return bytes;
}

function writeVarInt(buf: Buffer, offset: number, value: number): number {
  let rest = zigZag(value);
  while (rest >= 0x80) {
    buf[offset++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buf[offset++] = rest;
  return offset;
}

// keys, header names and header values: a hundred short strings per webhook, where the cost of
// calling into Buffer#write and Buffer.byteLength is most of the cost
const SHORT = 64;

/** UTF-8 length; a string whose UTF-8 length is its length is ASCII (anything else takes more bytes) */
function utf8Length(text: string): number {
  if (text.length > SHORT) return Buffer.byteLength(text);
  for (let i = 0; i < text.length; i++)
    if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text);
  return text.length;
}

/** writes `text` as UTF-8, `length` being its UTF-8 length: ASCII is its own latin1 */
function writeText(buf: Buffer, offset: number, text: string, length: number): number {
  if (length !== text.length) return offset + buf.write(text, offset, length, 'utf8');
  if (length > SHORT) return offset + buf.write(text, offset, length, 'latin1');
  for (let i = 0; i < length; i++) buf[offset + i] = text.charCodeAt(i);
  return offset + length;
}

/** -1 for null, as Kafka's nullable bytes */
function byteLengthOf(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return -1;
  return Buffer.isBuffer(value) ? value.length : utf8Length(String(value));
}

function writeBytes(
  buf: Buffer,
  offset: number,
  value: Buffer | string | null | undefined,
  length: number,
): number {
  offset = writeVarInt(buf, offset, length);
  if (length <= 0) return offset;
  if (Buffer.isBuffer(value)) return offset + value.copy(buf, offset);
  return writeText(buf, offset, String(value), length);
}

/**
 * Measures one record, pushing the lengths writeRecord needs (body, key, value, then each header's
 * key and value) onto `lengths`; returns the record's full size, its length prefix included.
 */
function measureRecord(
  timestampDelta: number,
  offsetDelta: number,
  key: RecordArgs['key'],
  value: RecordArgs['value'],
  headers: NonNullable<RecordArgs['headers']>,
  lengths: number[],
): number {
  const at = lengths.length;
  const keyLength = byteLengthOf(key);
  const valueLength = byteLengthOf(value);
  lengths.push(0, keyLength, valueLength);
  let count = 0;
  let headerBytes = 0;
  for (const name of Object.keys(headers)) {
    const given = headers[name];
    const values = Array.isArray(given) ? given : [given];
    const nameLength = utf8Length(name);
    for (const one of values) {
      const valueLength = byteLengthOf(one);
      lengths.push(nameLength, valueLength);
      headerBytes +=
        sizeOfVarInt(nameLength) +
        nameLength +
        sizeOfVarInt(valueLength) +
        Math.max(valueLength, 0);
      count++;
    }
  }
  const body =
    1 +
    sizeOfVarInt(timestampDelta) +
    sizeOfVarInt(offsetDelta) +
    sizeOfVarInt(keyLength) +
    Math.max(keyLength, 0) +
    sizeOfVarInt(valueLength) +
    Math.max(valueLength, 0) +
    sizeOfVarInt(count) +
    headerBytes;
  lengths[at] = body;
  return sizeOfVarInt(body) + body;
}

/** kafkajs's Record v0 (length, attributes, timestamp delta, offset delta, key, value, headers) from measureRecord's lengths, read from `cursor.at` on */
function writeRecord(
  buf: Buffer,
  offset: number,
  timestampDelta: number,
  offsetDelta: number,
  key: RecordArgs['key'],
  value: RecordArgs['value'],
  headers: NonNullable<RecordArgs['headers']>,
  lengths: number[],
  cursor: { at: number },
): number {
  const body = lengths[cursor.at++];
  const keyLength = lengths[cursor.at++];
  const valueLength = lengths[cursor.at++];
  offset = writeVarInt(buf, offset, body);
  buf[offset++] = 0;
  offset = writeVarInt(buf, offset, timestampDelta);
  offset = writeVarInt(buf, offset, offsetDelta);
  offset = writeBytes(buf, offset, key, keyLength);
  offset = writeBytes(buf, offset, value, valueLength);
  let count = 0;
  for (const name of Object.keys(headers))
    count += Array.isArray(headers[name]) ? (headers[name] as unknown[]).length : 1;
  offset = writeVarInt(buf, offset, count);
  for (const name of Object.keys(headers)) {
    const given = headers[name];
    const values = Array.isArray(given) ? given : [given];
    for (const one of values) {
      offset = writeBytes(buf, offset, name, lengths[cursor.at++]);
      offset = writeBytes(buf, offset, one, lengths[cursor.at++]);
    }
  }
  return offset;
}

/** kafkajs's Record v0 in one buffer of its exact size */
export function encodeRecord(args: RecordArgs): EncoderLike {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers = {} } = args;
  if (typeof timestampDelta !== 'number' || !(Math.abs(timestampDelta) < SMALL_INT))
    return kafkajsRecord(args);
  const lengths: number[] = [];
  const size = measureRecord(timestampDelta, offsetDelta, key, value, headers, lengths);
  // every byte up to the returned offset is written
  const buf = Buffer.allocUnsafe(size);
  return asEncoder(
    buf,
    writeRecord(buf, 0, timestampDelta, offsetDelta, key, value, headers, lengths, { at: 0 }),
  );
}

function writeInt64(buf: Buffer, offset: number, value: unknown): number {
  const long = Long.fromValue(value);
  buf.writeInt32BE(long.getHighBits(), offset);
  buf.writeInt32BE(long.getLowBits(), offset + 4);
  return offset + 8;
}

/** kafkajs's RecordBatch v0 (magic 2) for uncompressed batches: first offset, length, then the batch */
export async function encodeRecordBatch(args: RecordBatchArgs): Promise<EncoderLike> {
  const {
    compression = 0,
    firstOffset = Long.fromInt(0),
    firstTimestamp = Date.now(),
    maxTimestamp = Date.now(),
    partitionLeaderEpoch = 0,
    lastOffsetDelta = 0,
    transactional = false,
    producerId = Long.fromValue(-1),
    producerEpoch = 0,
    firstSequence = 0,
    records = [],
  } = args;
  if (
    compression !== 0 ||
    !records.every((r) => r instanceof (Encoder as unknown as new () => EncoderLike))
  )
    return kafkajsRecordBatch(args);
  const recordBytes = records.reduce((n, r) => n + r.offset, 0);
  // attributes, last offset delta, first and max timestamp, producer id and epoch, first sequence, record count
  const bodyLength = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4 + recordBytes;
  // partition leader epoch, magic, crc
  const batchLength = 4 + 1 + 4 + bodyLength;
  const buf = Buffer.allocUnsafe(8 + 4 + batchLength);
  const head = {
    firstOffset,
    batchLength,
    partitionLeaderEpoch,
    transactional,
    lastOffsetDelta,
    firstTimestamp,
    maxTimestamp,
    producerId,
    producerEpoch,
    firstSequence,
    count: records.length,
  };
  let offset = writeBatchHead(buf, 0, head);
  for (const record of records) offset += record.buf.copy(buf, offset, 0, record.offset);
  sealBatch(buf, 0, offset);
  return asEncoder(buf, offset);
}

interface BatchHead {
  firstOffset: unknown;
  batchLength: number;
  partitionLeaderEpoch: number;
  transactional: boolean;
  lastOffsetDelta: number;
  firstTimestamp: unknown;
  maxTimestamp: unknown;
  producerId: unknown;
  producerEpoch: number;
  firstSequence: number;
  count: number;
}

// first offset (8), batch length (4), leader epoch (4), magic (1): the crc follows
const CRC_AT = 17;

/** a record batch from its first offset up to its records, the crc left for sealBatch */
function writeBatchHead(buf: Buffer, start: number, head: BatchHead): number {
  let offset = writeInt64(buf, start, head.firstOffset);
  offset = buf.writeInt32BE(head.batchLength, offset);
  offset = buf.writeInt32BE(head.partitionLeaderEpoch, offset);
  offset = buf.writeInt8(MAGIC_BYTE, offset);
  offset = buf.writeInt16BE(head.transactional ? TRANSACTIONAL_MASK : 0, offset + 4);
  offset = buf.writeInt32BE(head.lastOffsetDelta, offset);
  offset = writeInt64(buf, offset, head.firstTimestamp);
  offset = writeInt64(buf, offset, head.maxTimestamp);
  offset = writeInt64(buf, offset, head.producerId);
  offset = buf.writeInt16BE(head.producerEpoch, offset);
  offset = buf.writeInt32BE(head.firstSequence, offset);
  return buf.writeInt32BE(head.count, offset);
}

/** the batch starting at `start` and ending at `end` gets its crc: the broker checks it over everything after the crc field */
function sealBatch(buf: Buffer, start: number, end: number): void {
  buf.writeUInt32BE(crc32c(buf, start + CRC_AT + 4, end), start + CRC_AT);
}

interface ProduceMessage {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: RecordArgs['headers'];
  timestamp?: unknown;
}

interface ProduceRequestArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: {
    topic: string;
    partitions: { partition: number; firstSequence?: number; messages: ProduceMessage[] }[];
  }[];
}

interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse(): boolean;
  encode(): Promise<EncoderLike>;
}

type ProduceRequestEncoder = (args: ProduceRequestArgs) => ProduceRequest;

const PRODUCE_API_KEY = 0;
// first offset, batch length, leader epoch, magic, crc, attributes, last offset delta, first and
// max timestamp, producer id and epoch, first sequence, record count
const BATCH_OVERHEAD = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

function sizeOfString(value: string | null): number {
  return 2 + (value === null ? 0 : Buffer.byteLength(value));
}

function writeString(buf: Buffer, offset: number, value: string | null): number {
  if (value === null) return buf.writeInt16BE(-1, offset);
  const length = Buffer.byteLength(value);
  offset = buf.writeInt16BE(length, offset);
  return offset + buf.write(value, offset, length, 'utf8');
}

/**
 * kafkajs's produce request v3 (the body v4-v7 reuse) for uncompressed batches without message
 * timestamps, written in one pass into one buffer. kafkajs copies every message into a new object,
 * then copies each record into its batch, each batch into its partition, each partition into its
 * topic and each topic into the request, each time through a zero-filled buffer grown by doubling.
 * Anything else goes to kafkajs's own request (`fallback`).
 */
export function produceRequest(
  args: ProduceRequestArgs,
  fallback: ProduceRequestEncoder,
): ProduceRequest {
  const {
    acks,
    timeout,
    transactionalId = null,
    producerId = Long.fromInt(-1),
    producerEpoch = 0,
    compression = 0,
    topicData,
  } = args;
  const plain =
    compression === 0 &&
    topicData.every(({ partitions }) =>
      partitions.every(({ messages }) =>
        messages.every((m) => m.timestamp === null || m.timestamp === undefined),
      ),
    );
  if (!plain) {
    produceRequestsEncoded.kafkajs++;
    return fallback(args);
  }
  return {
    apiKey: PRODUCE_API_KEY,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => acks !== 0,
    encode: () => {
      produceRequestsEncoded.gateway++;
      // pass one: sizes (and every key, value and header length, in the order pass two reads them)
      const lengths: number[] = [];
      let size = sizeOfString(transactionalId) + 2 + 4 + 4;
      for (const { topic, partitions } of topicData) {
        size += sizeOfString(topic) + 4;
        for (const { messages } of partitions) {
          const at = lengths.length;
          lengths.push(0);
          let recordBytes = 0;
          for (let i = 0; i < messages.length; i++) {
            const { key, value, headers = {} } = messages[i];
            recordBytes += measureRecord(0, i, key, value, headers, lengths);
          }
          lengths[at] = recordBytes;
          size += 4 + 4 + BATCH_OVERHEAD + recordBytes;
        }
      }
      // pass two: every byte of the buffer is written
      const buf = Buffer.allocUnsafe(size);
      const cursor = { at: 0 };
      let offset = writeString(buf, 0, transactionalId);
      offset = buf.writeInt16BE(acks, offset);
      offset = buf.writeInt32BE(timeout, offset);
      offset = buf.writeInt32BE(topicData.length, offset);
      for (const { topic, partitions } of topicData) {
        offset = writeString(buf, offset, topic);
        offset = buf.writeInt32BE(partitions.length, offset);
        for (const { partition, firstSequence = 0, messages } of partitions) {
          // kafkajs stamps every batch with the time it encodes it: all deltas are then zero
          const now = Date.now();
          const recordBytes = lengths[cursor.at++];
          offset = buf.writeInt32BE(partition, offset);
          offset = buf.writeInt32BE(BATCH_OVERHEAD + recordBytes, offset);
          const start = offset;
          offset = writeBatchHead(buf, start, {
            firstOffset: 0,
            batchLength: BATCH_OVERHEAD - 12 + recordBytes,
            partitionLeaderEpoch: 0,
            transactional: Boolean(transactionalId),
            lastOffsetDelta: messages.length - 1,
            firstTimestamp: now,
            maxTimestamp: now,
            producerId,
            producerEpoch,
            firstSequence,
            count: messages.length,
          });
          for (let i = 0; i < messages.length; i++) {
            const { key, value, headers = {} } = messages[i];
            offset = writeRecord(buf, offset, 0, i, key, value, headers, lengths, cursor);
          }
          sealBatch(buf, start, offset);
        }
      }
      return Promise.resolve(asEncoder(buf, offset));
    },
  };
}

// CRC-32C (Castagnoli, reflected 0x82f63b78), eight table lookups per eight bytes
const CRC_TABLES = ((): Int32Array => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++)
    for (let s = 1; s < 8; s++)
      t[s * 256 + n] = (t[(s - 1) * 256 + n] >>> 8) ^ t[t[(s - 1) * 256 + n] & 0xff];
  return t;
})();

export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  const t = CRC_TABLES;
  let crc = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const low = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc =
      t[1792 + (low & 0xff)] ^
      t[1536 + ((low >>> 8) & 0xff)] ^
      t[1280 + ((low >>> 16) & 0xff)] ^
      t[1024 + (low >>> 24)] ^
      t[768 + buf[i + 4]] ^
      t[512 + buf[i + 5]] ^
      t[256 + buf[i + 6]] ^
      t[buf[i + 7]];
  }
  for (; i < end; i++) crc = t[(crc ^ buf[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

interface FrameArgs {
  correlationId: number;
  clientId?: string | null;
  request: {
    apiKey: number;
    apiVersion: number;
    encode(): Promise<EncoderLike | undefined> | EncoderLike | undefined;
  };
}

type RequestFramer = (args: FrameArgs) => Promise<EncoderLike>;

/**
 * kafkajs's request frame (size, api key and version, correlation id, client id, then the encoded
 * request) in one buffer of its exact size. kafkajs copies a produce request twice more, each time
 * into a zero-filled buffer of the next power of two. `fallback` keeps kafkajs's errors for an
 * encoder that returns no Encoder.
 */
export async function frameRequest(args: FrameArgs, fallback: RequestFramer): Promise<EncoderLike> {
  const { correlationId, clientId = null, request } = args;
  const payload = await request.encode();
  if (!payload || !Buffer.isBuffer(payload.buf))
    return fallback({ ...args, request: { ...request, encode: () => payload } });
  const size = 2 + 2 + 4 + sizeOfString(clientId) + payload.offset;
  const buf = Buffer.allocUnsafe(4 + size);
  let offset = buf.writeInt32BE(size, 0);
  offset = buf.writeInt16BE(request.apiKey, offset);
  offset = buf.writeInt16BE(request.apiVersion, offset);
  offset = buf.writeInt32BE(correlationId, offset);
  offset = writeString(buf, offset, clientId);
  offset += payload.buf.copy(buf, offset, 0, payload.offset);
  return asEncoder(buf, offset);
}

interface GroupArgs<M> {
  topic: string;
  partitionMetadata: unknown[];
  messages: M[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;
}

/**
 * kafkajs's groupMessagesPerPartition (messages by the partition the partitioner picks, in order)
 * by appending: kafkajs copies a partition's whole list for every message it adds, quadratic in a
 * group-committed request's few hundred messages.
 */
export function groupMessagesPerPartition<M>({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: GroupArgs<M>): Record<number, M[]> {
  const groups: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return groups;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (groups[partition] ??= []).push(message);
  }
  return groups;
}

/** the kafkajs release these encoders were checked against byte for byte (record-batch.encoder.spec.ts) */
export const VERIFIED_KAFKAJS_VERSION = '2.2.4';

/**
 * Makes kafkajs use the encoders above, only on the kafkajs release they were verified against:
 * on any other the internals they replace may have changed, so kafkajs keeps its own (slower)
 * encoders and `warn` says so once. Call before anything imports kafkajs (see kafkajs.install.ts):
 * kafkajs's modules take these when they load, so a late call would silently change nothing.
 */
export function installRecordBatchEncoder(
  version = installedKafkajsVersion(),
  warn: (message: string) => void = (m) => logger.warn(m),
  log: (message: string) => void = (m) => logger.log(m),
): boolean {
  if (version !== VERIFIED_KAFKAJS_VERSION) {
    warn(
      `kafkajs ${version} is not ${VERIFIED_KAFKAJS_VERSION}: keeping kafkajs's own produce encoders (correct, slower); re-verify record-batch.encoder.ts against it`,
    );
    return false;
  }
  if (require.cache[PRODUCE_REQUEST_MODULE] || require.cache[SEND_MESSAGES_MODULE])
    throw new Error(
      'kafkajs producer already loaded: install the record batch encoder before anything imports kafkajs',
    );
  require(GROUP_MODULE);
  require.cache[GROUP_MODULE]!.exports = groupMessagesPerPartition;
  const kafkajsFrame = require(REQUEST_FRAME_MODULE) as RequestFramer;
  require.cache[REQUEST_FRAME_MODULE]!.exports = (args: FrameArgs) =>
    frameRequest(args, kafkajsFrame);
  require.cache[RECORD_MODULE]!.exports = encodeRecord;
  batchExports.RecordBatch = encodeRecordBatch;
  // loaded now, it keeps the two encoders above for the requests it still builds (compressed ones)
  const kafkajsProduceRequest = require(PRODUCE_REQUEST_MODULE) as ProduceRequestEncoder;
  require.cache[PRODUCE_REQUEST_MODULE]!.exports = (args: ProduceRequestArgs) =>
    produceRequest(args, kafkajsProduceRequest);
  log(
    `kafkajs ${version}: produce requests are encoded by record-batch.encoder.ts (fleet_gateway_produce_requests_encoded_total counts them)`,
  );
  return true;
}

function installedKafkajsVersion(): string {
  return (require('kafkajs/package.json') as { version: string }).version;
}

/** kafkajs's own encoders, for the byte-for-byte tests */
export const kafkajsEncoders = { record: kafkajsRecord, recordBatch: kafkajsRecordBatch };
