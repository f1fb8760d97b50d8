import {
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  type Kafka,
  type ProducerBatch,
  type ProducerConfig,
  type RecordMetadata,
} from 'kafkajs';
import { AppConfig } from '@app/config';
import { acknowledge } from '@app/kafka/testing';
import {
  OutgoingMessage,
  PublishRefusedError,
  PublishUnavailableError,
  RecordPublisher,
  refusalOf,
} from './record.publisher';

// what kafkajs throws for a protocol error code from the broker
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode: (code: number) => Error;
};
const MESSAGE_TOO_LARGE = 10;
const NOT_LEADER_FOR_PARTITION = 6;
const tooLarge = () => new KafkaJSProtocolError(createErrorFromCode(MESSAGE_TOO_LARGE));
// what kafkajs's retrier rejects with when the error is not retriable
const refused = () =>
  Object.assign(new KafkaJSNonRetriableError(tooLarge()), { cause: tooLarge() });

/** a kafkajs producer whose produce requests the test completes by hand */
class FakeProducer {
  readonly batches: ProducerBatch[] = [];
  private readonly waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  readonly events = { DISCONNECT: 'producer.disconnect' };
  options?: ProducerConfig;
  on(): void {}
  async connect(): Promise<void> {}
  disconnects = 0;
  disconnect(): Promise<void> {
    this.disconnects++;
    return Promise.resolve();
  }
  // createProducer wraps both; the publisher uses sendBatch
  send(): Promise<RecordMetadata[]> {
    return Promise.reject(new Error('not used'));
  }
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    this.batches.push(batch);
    return new Promise((resolve, reject) =>
      this.waiting.push({
        resolve: () => resolve(acknowledge(this.options, batch.topicMessages ?? [])),
        reject,
      }),
    );
  }
  ack(): void {
    this.waiting.shift()!.resolve();
  }
  fail(error: Error): void {
    this.waiting.shift()!.reject(error);
  }
}

function buildSut(publish: Partial<AppConfig['gateway']['publish']> = {}) {
  const producer = new FakeProducer();
  const config = {
    gateway: {
      publish: {
        lingerMs: 0,
        maxBatchRecords: 100,
        maxBatchBytes: 8 * 1024 * 1024,
        timeoutMs: 1000,
        producers: 1,
        ...publish,
      },
    },
  } as AppConfig;
  const made = { producers: 0 };
  const kafka = {
    producer: (options: ProducerConfig) => (
      made.producers++,
      (producer.options = options),
      producer
    ),
  } as unknown as Kafka;
  const sut = new RecordPublisher(kafka, config);
  return { sut, producer, made };
}

const messages = (n: number, topic = 't'): OutgoingMessage[] =>
  Array.from({ length: n }, (_, i) => ({ topic, message: { key: String(i), value: String(i) } }));
const tick = () => new Promise((r) => setImmediate(r));

describe(RecordPublisher.name, () => {
  it('resolves a caller only when its produce request is acknowledged', async () => {
    const { sut, producer } = buildSut();
    let done = false;
    const published = sut.publish(messages(2)).then(() => (done = true));
    await tick();
    expect(producer.batches).toHaveLength(1);
    expect(producer.batches[0].acks).toBe(-1);
    expect(done).toBe(false);
    producer.ack();
    await published;
    expect(done).toBe(true);
  });

  it('groups requests that arrive while one is in flight into the next shared request', async () => {
    const { sut, producer } = buildSut();
    const first = sut.publish(messages(1, 'a'));
    await tick();
    const rest = [
      sut.publish(messages(2, 'a')),
      sut.publish(messages(3, 'b')),
      sut.publish(messages(4, 'a')),
    ];
    await tick();
    expect(producer.batches).toHaveLength(1);
    producer.ack();
    await first;
    await tick();
    expect(producer.batches).toHaveLength(2);
    expect(producer.batches[1].topicMessages!.map((t) => [t.topic, t.messages.length])).toEqual([
      ['a', 6],
      ['b', 3],
    ]);
    producer.ack();
    await Promise.all(rest);
  });

  it('never puts more than the batch limit in one request: a larger caller goes out in consecutive requests, in order', async () => {
    const { sut, producer } = buildSut({ maxBatchRecords: 5 });
    let done = false;
    const first = sut.publish(messages(12)).then(() => (done = true));
    await tick();
    const sent = () =>
      producer.batches.map((b) => b.topicMessages!.flatMap((t) => t.messages.map((m) => m.value)));
    // the second part waits for the first to be acknowledged: one key's records keep their order
    expect(sent()).toEqual([['0', '1', '2', '3', '4']]);
    producer.ack();
    await tick();
    expect(sent()).toHaveLength(2);
    expect(sent()[1]).toEqual(['5', '6', '7', '8', '9']);
    producer.ack();
    await tick();
    expect(done).toBe(false);
    expect(sent()[2]).toEqual(['10', '11']);
    producer.ack();
    await first;
  });

  it('splits groups and callers so one produce request stays within the byte budget', async () => {
    const { sut, producer } = buildSut({ lingerMs: 5, maxBatchBytes: 4 * 1024 * 1024 });
    const big = (): OutgoingMessage[] => [
      { topic: 'raw', message: { key: 'k', value: Buffer.alloc(1.5 * 1024 * 1024) } },
    ];
    const all = [
      sut.publish(big()),
      sut.publish(big()),
      sut.publish([...big(), ...big(), ...big()]),
    ];
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) {
      producer.ack();
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(all);
    // two single callers share a request; the third caller's three messages need two
    expect(producer.batches.map((b) => b.topicMessages![0].messages.length)).toEqual([2, 2, 1]);
  });

  it('refuses a message larger than one produce request may be without sending anything', async () => {
    const { sut, producer } = buildSut({ maxBatchBytes: 64 * 1024 });
    const err = await sut
      .publish([{ topic: 'raw', message: { key: 'k', value: Buffer.alloc(64 * 1024) } }])
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(PublishRefusedError);
    expect((err as Error).message).toMatch(/PUBLISH_MAX_BATCH_BYTES=65536/);
    expect(producer.batches).toHaveLength(0);
  });

  it('retries the callers of a shared request the broker refused one by one, and refuses only the culprit', async () => {
    const { sut, producer } = buildSut({ lingerMs: 5 });
    const good = sut.publish(messages(2, 'a'));
    const bad = sut.publish(messages(1, 'b'));
    await new Promise((r) => setTimeout(r, 20));
    expect(producer.batches).toHaveLength(1);
    producer.fail(refused());
    await tick();
    expect(producer.batches).toHaveLength(2);
    expect(producer.batches[1].topicMessages!.map((t) => t.topic)).toEqual(['a']);
    producer.ack();
    await good;
    await tick();
    expect(producer.batches[2].topicMessages!.map((t) => t.topic)).toEqual(['b']);
    producer.fail(refused());
    await expect(bad).rejects.toEqual(new PublishRefusedError('MESSAGE_TOO_LARGE'));
    expect(producer.batches).toHaveLength(3);
  });

  it('keeps one produce request in flight per lane and overlaps lanes', async () => {
    const { sut, producer } = buildSut({ producers: 2 });
    const a = sut.publish(messages(1));
    await tick();
    const b = sut.publish(messages(1));
    await tick();
    const c = sut.publish(messages(1));
    await tick();
    expect(producer.batches).toHaveLength(2);
    producer.ack();
    await a;
    await tick();
    expect(producer.batches).toHaveLength(3);
    producer.ack();
    producer.ack();
    await Promise.all([b, c]);
  });

  it('rejects every caller of a failed request as unavailable', async () => {
    const { sut, producer } = buildSut();
    const first = sut.publish(messages(1));
    await tick();
    producer.fail(new Error('broker down'));
    await expect(first).rejects.toBeInstanceOf(PublishUnavailableError);
  });

  it('continues with a new producer id after a failed request, whose sequence numbers the broker may have used', async () => {
    const { sut, producer, made } = buildSut();
    expect(made.producers).toBe(1);
    const first = sut.publish(messages(1));
    await tick();
    producer.fail(new Error('connection lost before the response'));
    await expect(first).rejects.toBeInstanceOf(PublishUnavailableError);
    expect(made.producers).toBe(2);
    expect(producer.disconnects).toBe(1);
    const second = sut.publish(messages(1));
    await tick();
    producer.ack();
    await second;
    expect(made.producers).toBe(2);
  });

  it('gives up on a caller after the publish timeout even if Kafka never answers', async () => {
    const { sut } = buildSut({ timeoutMs: 50 });
    await expect(sut.publish(messages(1))).rejects.toThrow(/no acknowledgement within 50 ms/);
  });
});

describe(refusalOf.name, () => {
  it.each([
    ['the protocol error, as the producer bails with it', tooLarge, 'MESSAGE_TOO_LARGE'],
    ['wrapped as kafkajs wraps a non-retriable error', refused, 'MESSAGE_TOO_LARGE'],
    [
      'RECORD_LIST_TOO_LARGE',
      () => new KafkaJSProtocolError(createErrorFromCode(18)),
      'RECORD_LIST_TOO_LARGE',
    ],
    ['INVALID_RECORD', () => new KafkaJSProtocolError(createErrorFromCode(87)), 'INVALID_RECORD'],
    [
      'a leader change after retries',
      () => {
        const notLeader = new KafkaJSProtocolError(createErrorFromCode(NOT_LEADER_FOR_PARTITION));
        return Object.assign(
          new KafkaJSNumberOfRetriesExceeded(notLeader, { retryCount: 5, retryTime: 1000 }),
          { cause: notLeader },
        );
      },
      undefined,
    ],
    ['a lost connection', () => new Error('Connection error: socket hang up'), undefined],
  ])('classifies %s', (_, error, expected) => {
    expect(refusalOf(error())).toBe(expected);
  });
});
