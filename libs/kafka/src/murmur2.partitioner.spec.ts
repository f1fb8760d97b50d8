import { randomBytes } from 'node:crypto';
import { Partitioners, PartitionerArgs } from 'kafkajs';
import { murmur2, Murmur2Partitioner, partitionOfKey } from './murmur2.partitioner';

// kafkajs's murmur2 (BigInt Longs): the reference that already decided where our keys live
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (
  key: Buffer | string,
) => number;

const partitions = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    partitionErrorCode: 0,
    partitionId: i,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
const args = (
  key: PartitionerArgs['message']['key'],
  n = 6,
  partition?: number,
): PartitionerArgs => ({
  topic: 't',
  partitionMetadata: partitions(n),
  message: { key, value: 'v', partition },
});

describe('murmur2', () => {
  it('hashes every key length as kafkajs does', () => {
    for (let length = 0; length < 64; length++) {
      for (let i = 0; i < 20; i++) {
        const key = randomBytes(length);
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }
    }
  });

  it('matches the Java client on its published test vectors', () => {
    // org.apache.kafka.common.utils.UtilsTest#testMurmur2
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(
      -58897971,
    );
  });
});

describe('Murmur2Partitioner', () => {
  const sut = Murmur2Partitioner();
  const kafkajs = Partitioners.DefaultPartitioner();

  it('puts string and Buffer keys where kafkajs’s DefaultPartitioner does', () => {
    for (const key of ['9BWZZZ377VT004251', 'device-ü-1', '', randomBytes(17)]) {
      for (const n of [1, 3, 6, 7]) expect(sut(args(key, n))).toBe(kafkajs(args(key, n)));
    }
  });

  it('keeps an explicit partition and spreads keyless messages over the partitions', () => {
    expect(sut(args('k', 6, 4))).toBe(4);
    const seen = new Set(Array.from({ length: 12 }, () => sut(args(null, 6))));
    expect(seen.size).toBe(6);
  });
});

describe(partitionOfKey.name, () => {
  it('finds the partition the producer chose for a request id', () => {
    const sut = Murmur2Partitioner();
    for (const key of ['8f0c6a4e-3a0e-4f55-9d43-1f0f6e2b9a10', 'req-1', ''])
      for (const n of [1, 3, 6]) expect(partitionOfKey(key, n)).toBe(sut(args(key, n)));
  });
});
