import { Logger } from '@nestjs/common';
import {
  ICustomPartitioner,
  Kafka,
  KafkaJSError,
  Message,
  PartitionerArgs,
  Producer,
  ProducerBatch,
  ProducerRecord,
  RecordMetadata,
  TopicMessages,
} from 'kafkajs';
import { Murmur2Partitioner } from './murmur2.partitioner';

// the partition each message was first given; a message object is sent by one send call
const placed = new WeakMap<Message, number>();
// a send whose acknowledgement leaves partitions out is sent again for them at most this often
const ROUNDS = 3;
const logger = new Logger('KafkaProducer');

/**
 * The partitioner wrapped so that a message keeps the partition it was first given, through
 * kafkajs's retries and ours (a key's partition never changes anyway; a keyless message's would).
 */
export function placingPartitioner(inner: ICustomPartitioner): ICustomPartitioner {
  return () => {
    const pick = inner();
    return (args: PartitionerArgs) => {
      const known = placed.get(args.message);
      if (known !== undefined && known < args.partitionMetadata.length) return known;
      const partition = pick(args);
      placed.set(args.message, partition);
      return partition;
    };
  };
}

/**
 * Every producer of the project: idempotent (a retry after a lost acknowledgement is not a second
 * copy), one request in flight per broker (kafkajs's condition for that), no topic auto-creation,
 * and sends that resolve only when every partition they put a message on acknowledged it.
 *
 * kafkajs 2.2.4 can resolve a send without sending some of its messages (tulios/kafkajs#1303,
 * #1798): across its retries it keeps the produce responses per broker, not per partition, so a
 * partition whose request failed (NOT_LEADER_OR_FOLLOWER, a broker killed) and whose leadership
 * moved to a broker that had already answered for other partitions of the same send is never sent
 * again; most likely how the scaled fault run once lost an acknowledged request's readings. Here
 * the acknowledgement is checked: each partition a message was placed on must be in it, and
 * messages of the partitions left out are sent again by the same producer (same sequence numbers:
 * should the failed request have been appended after all, the broker acknowledges the copy as a
 * duplicate instead of storing it twice).
 */
export function createProducer(
  kafka: Kafka,
  partitioner: ICustomPartitioner = Murmur2Partitioner,
): Producer {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: placingPartitioner(partitioner),
  });
  // kafkajs's own, bound: fakes in unit tests are classes
  const send = producer.send.bind(producer);
  const sendBatch = producer.sendBatch.bind(producer);
  return Object.assign(producer, {
    sendBatch: (batch: ProducerBatch) =>
      sendAcknowledged(batch.topicMessages ?? [], (topicMessages) =>
        sendBatch({ ...batch, topicMessages }),
      ),
    send: ({ topic, messages, ...rest }: ProducerRecord) =>
      sendAcknowledged([{ topic, messages }], ([left]) =>
        send({ ...rest, topic, messages: left.messages }),
      ),
  });
}

/**
 * Sends the messages (with kafkajs's sendBatch or send, through a placingPartitioner) until every
 * partition they were placed on is in an acknowledgement; what was acknowledged, in order.
 */
export async function sendAcknowledged(
  messages: TopicMessages[],
  send: (messages: TopicMessages[]) => Promise<RecordMetadata[]>,
): Promise<RecordMetadata[]> {
  const acknowledged: RecordMetadata[] = [];
  let pending = messages;
  for (let round = 1; ; round++) {
    const answers = await send(pending);
    acknowledged.push(...answers);
    const answered = new Set(answers.map((a) => `${a.topicName}\n${a.partition}`));
    pending = unanswered(pending, answered);
    if (pending.length === 0) return acknowledged;
    const left = pending
      .map(({ topic, messages: some }) => `${some.length} message(s) to ${topic}`)
      .join(', ');
    if (round === ROUNDS)
      throw new KafkaJSError(
        `the produce acknowledgements left out partitions ${ROUNDS} times; not acknowledged: ${left}`,
      );
    // kafkajs resolved the send without them (see createProducer)
    logger.warn(
      `kafkajs acknowledged a send without some of its partitions; sending again: ${left}`,
    );
  }
}

/** the messages placed on partitions no answer names, by topic */
function unanswered(sent: TopicMessages[], answered: ReadonlySet<string>): TopicMessages[] {
  const left: TopicMessages[] = [];
  for (const { topic, messages } of sent) {
    const missing = messages.filter((message) => {
      const partition = placed.get(message);
      if (partition === undefined)
        throw new Error(
          `a message to ${topic} was sent without a partition from placingPartitioner: create the producer with createProducer`,
        );
      return !answered.has(`${topic}\n${partition}`);
    });
    if (missing.length > 0) left.push({ topic, messages: missing });
  }
  return left;
}
