import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Kafka, Message } from 'kafkajs';
import { LOCATION_SCHEMA, TOPICS, VEHICLE_SCHEMA } from '@app/contracts';
import { createProducer, Murmur2Partitioner, RenewingProducer } from '@app/kafka';
import type {
  DeadLetterRedriver,
  RedrivableLetter,
  RedriveContext,
  RedriveOutcome,
} from './dead-letter.redriver';

/** the record topics and what a record on each carries: its schema and the field that keys it */
const RECORD_TOPICS = {
  [VEHICLE_SCHEMA]: { topic: TOPICS.vehicle, key: 'vin' },
  [LOCATION_SCHEMA]: { topic: TOPICS.location, key: 'deviceId' },
} as const;

const failed = (outcome: string): RedriveOutcome => ({ status: 'failed', outcome });

/**
 * Consume stage: the record a consumer refused goes back to its topic as the gateway wrote it: keyed
 * by VIN or device id (murmur2, the gateway's partition), headers schema, event-id and request-id.
 * The value is the original as the letter holds it, unchanged. Its consumer checks it again: stored
 * if it now passes (once: event ids), dead-lettered again if not.
 */
@Injectable()
export class RecordRepublisher implements DeadLetterRedriver, OnApplicationShutdown {
  private readonly logger = new Logger(RecordRepublisher.name);
  private readonly producer: RenewingProducer;

  constructor(kafka: Kafka) {
    this.producer = new RenewingProducer(() => createProducer(kafka, Murmur2Partitioner));
  }

  async redrive(letters: RedrivableLetter[], context: RedriveContext): Promise<RedriveOutcome[]> {
    const outcomes: RedriveOutcome[] = [];
    // one letter at a time keeps each outcome its own; re-drives are few and asked by a person
    for (const letter of letters) {
      const message = recordMessageOf(letter, context);
      if ('outcome' in message) {
        outcomes.push(message);
        continue;
      }
      try {
        const [sent] = await this.producer.send((producer) =>
          producer.send({ topic: message.topic, acks: -1, messages: [message.message] }),
        );
        outcomes.push({
          status: 'done',
          outcome: `republished to ${message.topic} partition ${sent.partition} offset ${sent.baseOffset ?? sent.offset ?? '?'}`,
        });
      } catch (error) {
        this.logger.warn(
          `re-drive of dead letter ${letter.id} (request ${context.requestId}): ${(error as Error).message}`,
        );
        outcomes.push(failed(`Kafka did not take the record: ${(error as Error).message}`));
      }
    }
    return outcomes;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.producer
      .disconnect()
      .catch((error: Error) => this.logger.warn(`disconnecting the producer: ${error.message}`));
  }
}

/** the message that re-publishes the letter's record, or why there is none */
export function recordMessageOf(
  { letter }: RedrivableLetter,
  context: RedriveContext,
): { topic: string; message: Message } | RedriveOutcome {
  if (letter.stage !== 'consume')
    return failed(`not a consume-stage letter (stage ${String(letter.stage)})`);
  const original = letter.original;
  if (typeof original !== 'object' || original === null || Array.isArray(original))
    return failed(
      letter.originalBase64 !== undefined
        ? 'the original is not JSON (originalBase64): there is no record to re-publish'
        : 'the letter holds no original record to re-publish',
    );
  const record = original as Record<string, unknown>;
  const schema = record.schema;
  const target =
    typeof schema === 'string' && Object.hasOwn(RECORD_TOPICS, schema)
      ? RECORD_TOPICS[schema as keyof typeof RECORD_TOPICS]
      : undefined;
  if (!target)
    return failed(
      `the original is not a record: its schema is ${JSON.stringify(schema) ?? 'unset'}`,
    );
  if (letter.topic !== undefined && letter.topic !== target.topic)
    return failed(
      `the original is a ${String(schema)} record, but it was read from ${letter.topic}`,
    );
  const key = record[target.key];
  if (typeof key !== 'string' || key.length === 0)
    return failed(`the original has no ${target.key} to key it by`);
  const eventId = record.eventId;
  if (typeof eventId !== 'string')
    return failed('the original has no eventId: its consumer could not tell it from a copy');
  return {
    topic: target.topic,
    message: {
      key,
      value: JSON.stringify(record),
      headers: {
        schema: String(schema),
        'event-id': eventId,
        // the request it came in with, when the letter knows it; else the re-drive's
        'request-id': letter.requestId ?? context.requestId,
      },
    },
  };
}
