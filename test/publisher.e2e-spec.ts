import { randomUUID } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { Kafka, logLevel, ISocketFactory } from 'kafkajs';
import { AppConfig } from '@app/config';
import { RecordPublisher } from '../apps/ingest-gateway/src/publishing/record.publisher';
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
  const config = { gateway: { publish: { lingerMs: 0, maxBatchRecords: 1000, timeoutMs: 5000, producers: 1 } } } as AppConfig;
  let publisher: RecordPublisher;

  beforeAll(async () => {
    const admin = new Kafka({ clientId: 'e2e-admin', brokers: testStack().kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
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

  const batch = (name: string) => Array.from({ length: 3 }, (_, i) => ({ topic, message: { key: 'k', value: `${name}-${i}` } }));

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
    expect(values).toEqual(expect.arrayContaining(['first-0', 'first-1', 'first-2', 'after-0', 'after-1', 'after-2']));
    // the unanswered records were appended; their callers were told to retry, so they may appear twice later
    expect(values.filter((v) => v.startsWith('unanswered'))).toEqual(['unanswered-0', 'unanswered-1', 'unanswered-2']);
  });
});
