import type { ProducerConfig, RecordMetadata, TopicMessages } from 'kafkajs';

/**
 * For fake kafkajs producers: what kafkajs does with a send that succeeds. Each message is placed
 * by the producer's partitioner (as createProducer configured it) among `partitions`, and each
 * partition that got one is acknowledged.
 */
export function acknowledge(
  options: ProducerConfig | undefined,
  topicMessages: TopicMessages[],
  partitions = 1,
): RecordMetadata[] {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  const partitioner = options?.createPartitioner?.();
  const answers: RecordMetadata[] = [];
  for (const { topic, messages } of topicMessages) {
    const placed = new Set<number>();
    for (const message of messages)
      placed.add(partitioner ? partitioner({ topic, partitionMetadata, message }) : 0);
    for (const partition of placed)
      answers.push({ topicName: topic, partition, errorCode: 0, baseOffset: '0' });
  }
  return answers;
}
