import { randomUUID } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { Kafka, logLevel, ISocketFactory } from 'kafkajs';
import { AppConfig } from '@app/config';
import {
  PublishRefusedError,
  RecordPublisher,
} from '../apps/ingest-gateway/src/publishing/record.publisher';
import { testStack } from './support/running-app';
import { readTopic } from './support/topic-reader';

/**
 * Connections that can be told to drop as soon as the broker answers: the produce request was
 * appended to the log, but the client never learns it (what a broker crash or a network cut
 * between append and response looks like to the producer).
 */
function cuttableSockets() {
  const state = { cutResponses: false };
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket: Socket = connect({ host, port }, onConnect);
    const emit = socket.emit.bind(socket);
    socket.emit = ((event: string, ...args: unknown[]) => {
      if (event === 'data' && state.cutResponses) {
        socket.destroy(new Error('test: connection cut before the response'));
        return true;
      }
      return emit(event, ...args);
    }) as Socket['emit'];
    return socket;
  };
  return { state, socketFactory };
}

describe('record publisher against the real broker', () => {
  const topic = `e2e-publisher-${randomUUID()}`;
  const { state, socketFactory } = cuttableSockets();
  const kafka = new Kafka({
    clientId: 'e2e-publisher',
    brokers: testStack().kafkaBrokers,
    logLevel: logLevel.NOTHING,
    socketFactory,
    requestTimeout: 2000,
    retry: { initialRetryTime: 50, retries: 1 },
  });
  const config = {
    gateway: {
      publish: {
        lingerMs: 0,
        maxBatchRecords: 1000,
        maxBatchBytes: 1024 * 1024,
        timeoutMs: 5000,
        producers: 1,
      },
    },
  } as AppConfig;
  let publisher: RecordPublisher;

  beforeAll(async () => {
    const admin = new Kafka({
      clientId: 'e2e-admin',
      brokers: testStack().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    publisher = new RecordPublisher(kafka, config);
    await publisher.onModuleInit();
  });
  afterAll(async () => {
    state.cutResponses = false;
    await publisher?.onApplicationShutdown();
  });

  const batch = (name: string) =>
    Array.from({ length: 3 }, (_, i) => ({ topic, message: { key: 'k', value: `${name}-${i}` } }));

  it('never acknowledges records the broker took for a retry of a failed request', async () => {
    await publisher.publish(batch('first'));

    // the broker appends this request, the producer never hears back and gives up: the callers get an error
    state.cutResponses = true;
    await expect(publisher.publish(batch('unanswered'))).rejects.toThrow();
    state.cutResponses = false;

    // same record count as the unanswered request: if the producer reused its sequence numbers the
    // broker would call this a duplicate of that request and acknowledge it without storing it
    await publisher.publish(batch('after'));

    const values = (await readTopic(topic)).map((m) => m.value.toString());
    expect(values).toEqual(
      expect.arrayContaining(['first-0', 'first-1', 'first-2', 'after-0', 'after-1', 'after-2']),
    );
    // the unanswered records were appended; their callers were told to retry, so they may appear twice later
    expect(values.filter((v) => v.startsWith('unanswered'))).toEqual([
      'unanswered-0',
      'unanswered-1',
      'unanswered-2',
    ]);
  });
});

describe('record publisher: produce requests within the broker’s limits', () => {
  const topic = `e2e-publisher-split-${randomUUID()}`;
  // a topic that keeps the broker's default-sized limit, so a request the budget did not bound would be refused
  const strict = `e2e-publisher-strict-${randomUUID()}`;
  const produceSizes: number[] = [];
  const base = new Kafka({
    clientId: 'e2e-publisher-split',
    brokers: testStack().kafkaBrokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 5 },
  });
  // every produce request our producers send, as kafkajs's instrumentation reports it
  const kafka = Object.assign(Object.create(base) as Kafka, {
    producer: (...args: Parameters<Kafka['producer']>) => {
      const producer = base.producer(...args);
      producer.on(producer.events.REQUEST, ({ payload }) => {
        if (payload.apiName === 'Produce') produceSizes.push(payload.size);
      });
      return producer;
    },
  });
  const budget = 256 * 1024;
  const config = {
    gateway: {
      publish: {
        lingerMs: 0,
        maxBatchRecords: 5000,
        maxBatchBytes: budget,
        timeoutMs: 10_000,
        producers: 2,
      },
    },
  } as AppConfig;
  let publisher: RecordPublisher;

  beforeAll(async () => {
    const admin = base.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic, numPartitions: 3 },
        {
          topic: strict,
          numPartitions: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(100_000) }],
        },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    publisher = new RecordPublisher(kafka, config);
    await publisher.onModuleInit();
  });
  afterAll(async () => {
    await publisher?.onApplicationShutdown();
  });

  it('sends one large caller as several produce requests under the byte budget, and every record arrives in order', async () => {
    produceSizes.length = 0;
    const values = Array.from(
      { length: 2000 },
      (_, i) => `${String(i).padStart(6, '0')}:${'x'.repeat(1000)}`,
    );
    await publisher.publish(
      values.map((value, i) => ({ topic, message: { key: `k${i % 7}`, value } })),
    );
    expect(produceSizes.length).toBeGreaterThanOrEqual(8);
    expect(Math.max(...produceSizes)).toBeLessThanOrEqual(budget);
    const read = await readTopic(topic);
    expect(read).toHaveLength(2000);
    for (let k = 0; k < 7; k++) {
      const mine = read
        .filter((m) => m.key === `k${k}`)
        .sort((a, b) => Number(a.offset) - Number(b.offset))
        .map((m) => m.value.toString());
      expect(mine).toEqual(values.filter((_, i) => i % 7 === k));
    }
  });

  it('stays within a topic’s own max.message.bytes when the budget is set below it, and answers a record the broker refuses as refused, not unavailable', async () => {
    produceSizes.length = 0;
    const small = Array.from({ length: 300 }, (_, i) => ({
      topic: strict,
      message: { key: 'k', value: `${i}:${'y'.repeat(900)}` },
    }));
    // 300 × ~1 KB: one 256 KiB request would already be over this topic's 100,000 bytes, but smaller ones are fine
    const limited = new RecordPublisher(kafka, {
      gateway: { publish: { ...config.gateway.publish, maxBatchBytes: 90_000 } },
    } as AppConfig);
    await limited.onModuleInit();
    try {
      await limited.publish(small);
      expect((await readTopic(strict)).length).toBe(300);
      const started = Date.now();
      const error = await limited
        .publish([{ topic: strict, message: { key: 'k', value: 'z'.repeat(120_000) } }])
        .catch((e: Error) => e);
      expect(error).toBeInstanceOf(PublishRefusedError);
      // refused before sending: larger than one request may be
      expect(Date.now() - started).toBeLessThan(1000);
      // a record within the budget that the topic still refuses: the broker's MESSAGE_TOO_LARGE, not a 503 after retries
      const refused = await publisher
        .publish([{ topic: strict, message: { key: 'k', value: 'z'.repeat(120_000) } }])
        .catch((e: Error) => e);
      expect(refused).toEqual(new PublishRefusedError('MESSAGE_TOO_LARGE'));
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await limited.onApplicationShutdown();
    }
  });
});
