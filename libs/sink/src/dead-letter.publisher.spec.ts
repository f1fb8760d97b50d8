import type { Kafka, ProducerConfig, ProducerRecord } from 'kafkajs';
import { acknowledge } from '@app/kafka/testing';
import { DeadLetterV1, TOPICS } from '@app/contracts';
import { aDeadLetter } from '@app/contracts/testing';
import { DeadLetterPublisher } from './dead-letter.publisher';

function aKafka() {
  const sent: ProducerRecord[] = [];
  const options: unknown[] = [];
  let connects = 0;
  const producer = {
    events: { DISCONNECT: 'producer.disconnect' },
    on: () => undefined,
    connect: () => {
      connects++;
      return Promise.resolve();
    },
    send: (record: ProducerRecord) => {
      sent.push(record);
      return Promise.resolve(acknowledge(options.at(-1) as ProducerConfig, [record]));
    },
    // the publisher uses send
    sendBatch: () => Promise.reject(new Error('not used')),
    disconnect: () => Promise.resolve(),
  };
  const kafka = { producer: (o: unknown) => (options.push(o), producer) } as unknown as Kafka;
  return { kafka, sent, options, connects: () => connects };
}

const aConsumeLetter = (overrides: Partial<DeadLetterV1> = {}) =>
  aDeadLetter({
    stage: 'consume',
    requestId: undefined,
    topic: TOPICS.vehicle,
    partition: 1,
    offset: '42',
    ...overrides,
  });
const parsed = (value: unknown) => JSON.parse(String(value)) as DeadLetterV1;

describe(DeadLetterPublisher.name, () => {
  it('sends letters to the dead-letter topic with acks from all replicas through an idempotent producer', async () => {
    const { kafka, sent, options, connects } = aKafka();
    const sut = new DeadLetterPublisher(kafka);
    const unreadable = aConsumeLetter({
      source: null,
      entityId: undefined,
      original: undefined,
      originalBase64: 'Z2FyYmFnZQ==',
    });

    await sut.publish([aConsumeLetter({ offset: '7' }), unreadable]);
    await sut.publish([]);

    expect(options).toEqual([
      expect.objectContaining({ idempotent: true, maxInFlightRequests: 1 }),
    ]);
    expect(connects()).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: TOPICS.deadLetter, acks: -1 });
    const [first, second] = sent[0].messages;
    expect(first.key).toBe('9BWZZZ377VT004251');
    expect(first.headers).toEqual({
      schema: 'dead-letter/v1',
      'content-type': 'application/json',
      stage: 'consume',
      source: 'mobway',
      topic: TOPICS.vehicle,
    });
    expect(second.key).toBe(`${TOPICS.vehicle}:1:42`);
    expect(parsed(second.value)).toEqual(JSON.parse(JSON.stringify(unreadable)));
  });

  it('continues with a new producer (a new producer id) after a failed send, and keeps it after a failed connect', async () => {
    // kafkajs would give the next request the failed one's sequence numbers: the broker may take it for a duplicate
    const producers: {
      id: number;
      sent: ProducerRecord[];
      disconnected: boolean;
      failConnect: boolean;
    }[] = [];
    const kafka = {
      producer: (options: ProducerConfig) => {
        const state = {
          id: producers.length,
          sent: [] as ProducerRecord[],
          disconnected: false,
          failConnect: producers.length === 1,
        };
        producers.push(state);
        return {
          events: { DISCONNECT: 'producer.disconnect' },
          on: () => undefined,
          connect: () => {
            if (state.failConnect) {
              state.failConnect = false;
              return Promise.reject(new Error('connect ECONNREFUSED'));
            }
            return Promise.resolve();
          },
          send: (record: ProducerRecord) => {
            if (state.id === 0)
              return Promise.reject(new Error('Request Produce(key: 0, version: 7) timed out'));
            state.sent.push(record);
            return Promise.resolve(acknowledge(options, [record]));
          },
          sendBatch: () => Promise.reject(new Error('not used')),
          disconnect: () => {
            state.disconnected = true;
            return Promise.resolve();
          },
        };
      },
    } as unknown as Kafka;
    const sut = new DeadLetterPublisher(kafka);

    await expect(sut.publish([aConsumeLetter()])).rejects.toThrow('timed out');
    await expect(sut.publish([aConsumeLetter()])).rejects.toThrow('ECONNREFUSED');
    await sut.publish([aConsumeLetter({ offset: '43' })]);

    expect(producers.map((p) => p.id)).toEqual([0, 1]);
    expect(producers[0].disconnected).toBe(true);
    expect(producers[1].sent.map((r) => parsed(r.messages[0].value).offset)).toEqual(['43']);
  });

  it('splits many letters over requests the broker accepts', async () => {
    const { kafka, sent } = aKafka();
    const letters = Array.from({ length: 40 }, (_, i) =>
      aConsumeLetter({ offset: String(i), original: { blob: 'x'.repeat(50_000) } }),
    );

    await new DeadLetterPublisher(kafka).publish(letters);

    expect(sent.length).toBeGreaterThan(1);
    for (const request of sent)
      expect(
        request.messages.reduce((sum, m) => sum + (m.value as Buffer).length, 0),
      ).toBeLessThanOrEqual(512 * 1024);
    expect(sent.flatMap((request) => request.messages.map((m) => parsed(m.value).offset))).toEqual(
      letters.map((l) => l.offset),
    );
  });

  it('leaves out an original too large for the topic and says where to read it', async () => {
    const { kafka, sent } = aKafka();

    await new DeadLetterPublisher(kafka).publish([
      aConsumeLetter({ original: { blob: 'x'.repeat(300_000) } }),
    ]);

    const letter = parsed(sent[0].messages[0].value);
    expect(letter.original).toBeUndefined();
    expect(letter.reasons).toEqual([
      'latitude must not be greater than 90',
      expect.stringMatching(
        /^original omitted: its \d+-byte dead letter exceeds 262144 bytes; read it at telemetry\.vehicle\.v1\[1\] offset 42$/,
      ),
    ]);
  });
});
