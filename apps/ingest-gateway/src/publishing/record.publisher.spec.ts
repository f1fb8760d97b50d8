import type { Kafka, ProducerBatch } from 'kafkajs';
import { AppConfig } from '@app/config';
import { OutgoingMessage, PublishUnavailableError, RecordPublisher } from './record.publisher';

/** a kafkajs producer whose produce requests the test completes by hand */
class FakeProducer {
  readonly batches: ProducerBatch[] = [];
  private readonly waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  readonly events = { DISCONNECT: 'producer.disconnect' };
  on(): void {}
  async connect(): Promise<void> {}
  disconnects = 0;
  async disconnect(): Promise<void> {
    this.disconnects++;
  }
  sendBatch(batch: ProducerBatch): Promise<void> {
    this.batches.push(batch);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
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
  const config = { gateway: { publish: { lingerMs: 0, maxBatchRecords: 100, timeoutMs: 1000, producers: 1, ...publish } } } as AppConfig;
  const made = { producers: 0 };
  const kafka = { producer: () => (made.producers++, producer) } as unknown as Kafka;
  const sut = new RecordPublisher(kafka, config);
  return { sut, producer, made };
}

const messages = (n: number, topic = 't'): OutgoingMessage[] => Array.from({ length: n }, (_, i) => ({ topic, message: { key: String(i), value: String(i) } }));
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
    const rest = [sut.publish(messages(2, 'a')), sut.publish(messages(3, 'b')), sut.publish(messages(4, 'a'))];
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

  it('never puts more than the batch limit in one request, except a single oversized caller', async () => {
    const { sut, producer } = buildSut({ maxBatchRecords: 5 });
    const first = sut.publish(messages(7));
    await tick();
    const second = sut.publish(messages(3));
    const third = sut.publish(messages(3));
    producer.ack();
    await first;
    await tick();
    expect(producer.batches.map((b) => b.topicMessages!.reduce((n, t) => n + t.messages.length, 0))).toEqual([7, 3]);
    producer.ack();
    await second;
    await tick();
    producer.ack();
    await third;
  });

  it('splits groups so one produce request stays under 8 MiB', async () => {
    const { sut, producer } = buildSut({ lingerMs: 5 });
    const big = (): OutgoingMessage[] => [{ topic: 'raw', message: { key: 'k', value: Buffer.alloc(3 * 1024 * 1024) } }];
    const all = [sut.publish(big()), sut.publish(big()), sut.publish(big())];
    await new Promise((r) => setTimeout(r, 20));
    expect(producer.batches).toHaveLength(1);
    expect(producer.batches[0].topicMessages![0].messages).toHaveLength(2);
    producer.ack();
    await new Promise((r) => setTimeout(r, 5));
    expect(producer.batches).toHaveLength(2);
    producer.ack();
    await Promise.all(all);
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
