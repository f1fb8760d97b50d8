import {
  KafkaJSError,
  type Kafka,
  type Message,
  type ProducerBatch,
  type ProducerConfig,
  type ProducerRecord,
  type RecordMetadata,
} from 'kafkajs';
import { createProducer } from './acknowledged-producer';
import { partitionOfKey } from './murmur2.partitioner';
import { acknowledge } from './testing';

const PARTITIONS = 6;
const TOPIC = 'telemetry.vehicle.v1';

/**
 * A kafkajs producer whose sendBatch places the messages with the configured partitioner and
 * acknowledges the partitions `answer` lets through: kafkajs 2.2.4 resolves a send that way when a
 * partition's leader moved, after a failed request, to a broker that had answered for others.
 */
function aKafka(answer: (call: number, acks: RecordMetadata[]) => RecordMetadata[]) {
  const batches: ProducerBatch[] = [];
  let options: ProducerConfig | undefined;
  const sendBatch = (batch: ProducerBatch) => {
    batches.push(batch);
    return Promise.resolve(
      answer(batches.length, acknowledge(options, batch.topicMessages ?? [], PARTITIONS)),
    );
  };
  const producer = {
    sendBatch,
    send: ({ topic, messages, ...rest }: ProducerRecord) =>
      sendBatch({ ...rest, topicMessages: [{ topic, messages }] }),
  };
  const kafka = {
    producer: (o: ProducerConfig) => ((options = o), producer),
  } as unknown as Kafka;
  return { kafka, batches };
}

/** the answer of a send whose first acknowledgement leaves out one partition */
const leavingOutOnce =
  (partition: number) =>
  (call: number, acks: RecordMetadata[]): RecordMetadata[] =>
    call === 1 ? acks.filter((a) => a.partition !== partition) : acks;

const keyed = (keys: string[]): Message[] => keys.map((key) => ({ key, value: key }));
// keys on several partitions of six
const KEYS = ['9BWZZZ377VT004251', 'AW417R3497HUN0XYN', 'C9HLSNS5B4L9E0Z78', 'LSVNV2182N2234567'];

describe('createProducer', () => {
  it('is idempotent, with one request in flight and no topic creation', () => {
    let options: ProducerConfig | undefined;
    const { kafka } = aKafka((_, acks) => acks);
    createProducer({
      producer: (o: ProducerConfig) => ((options = o), kafka.producer(o)),
    } as unknown as Kafka);
    expect(options).toMatchObject({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  });

  it('sends again the messages of partitions an acknowledgement left out, and only those', async () => {
    const left = partitionOfKey(KEYS[1], PARTITIONS);
    const { kafka, batches } = aKafka(leavingOutOnce(left));
    const producer = createProducer(kafka);
    const messages = keyed(KEYS);

    const acks = await producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic: TOPIC, messages }],
    });

    expect(batches).toHaveLength(2);
    expect(batches[1]).toMatchObject({
      acks: -1,
      topicMessages: [
        {
          topic: TOPIC,
          messages: messages.filter((m) => partitionOfKey(m.key!, PARTITIONS) === left),
        },
      ],
    });
    expect(new Set(acks.map((a) => a.partition))).toEqual(
      new Set(KEYS.map((k) => partitionOfKey(k, PARTITIONS))),
    );
  });

  it('send (one topic) is checked the same way', async () => {
    const left = partitionOfKey(KEYS[2], PARTITIONS);
    const { kafka, batches } = aKafka(leavingOutOnce(left));
    const producer = createProducer(kafka);
    const messages = keyed(KEYS);

    await producer.send({ topic: TOPIC, acks: -1, messages });

    expect(batches.map((b) => b.topicMessages![0].messages)).toEqual([
      messages,
      messages.filter((m) => partitionOfKey(m.key!, PARTITIONS) === left),
    ]);
    expect(batches[1].acks).toBe(-1);
  });

  it('keeps a keyless message on the partition it was first given when sending again', async () => {
    let calls = 0;
    const { kafka, batches } = aKafka((call, acks) => (call === 1 ? [] : acks));
    const producer = createProducer(kafka, () => () => calls++ % PARTITIONS);
    const message: Message = { value: 'keyless' };

    const [ack] = await producer.sendBatch({
      topicMessages: [{ topic: TOPIC, messages: [message] }],
    });

    expect(batches).toHaveLength(2);
    expect(ack.partition).toBe(0);
  });

  it('fails, as kafkajs fails a send, when partitions stay unacknowledged', async () => {
    const { kafka, batches } = aKafka(() => []);
    const producer = createProducer(kafka);

    const failure = await producer
      .sendBatch({ topicMessages: [{ topic: TOPIC, messages: keyed(KEYS.slice(0, 2)) }] })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(KafkaJSError);
    expect((failure as KafkaJSError).retriable).toBe(true);
    expect((failure as Error).message).toContain(
      'not acknowledged: 2 message(s) to telemetry.vehicle.v1',
    );
    expect(batches).toHaveLength(3);
  });
});
