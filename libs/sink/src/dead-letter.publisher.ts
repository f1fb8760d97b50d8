import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Kafka, Message, Partitioners } from 'kafkajs';
import { DEAD_LETTER_SCHEMA, DeadLetterV1, TOPICS } from '@app/contracts';
import { createProducer, RenewingProducer } from '@app/kafka';

// the broker refuses a record batch over the topic's max.message.bytes (1 MiB by default) and
// kafkajs does not split one: keep each request, and so each batch, well under it
const MAX_REQUEST_BYTES = 512 * 1024;
const MAX_LETTER_BYTES = 256 * 1024;

/**
 * Sends the consumer's dead letters to `telemetry.deadletter.v1` and resolves only when Kafka
 * acknowledged them (acks=all), so the sink can commit the offsets they came from afterwards.
 * After a failed send the producer is replaced (see RenewingProducer) before the sink retries.
 */
@Injectable()
export class DeadLetterPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(DeadLetterPublisher.name);
  private readonly producer: RenewingProducer;

  constructor(kafka: Kafka) {
    // idempotent: kafkajs's own retry after a lost acknowledgement does not write the letter twice
    this.producer = new RenewingProducer(() =>
      createProducer(kafka, Partitioners.DefaultPartitioner),
    );
  }

  async publish(letters: DeadLetterV1[]): Promise<void> {
    if (letters.length === 0) return;
    let messages: Message[] = [];
    let bytes = 0;
    for (const letter of letters) {
      const message = toMessage(letter);
      const size = (message.value as Buffer).length;
      if (messages.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
        await this.send(messages);
        messages = [];
        bytes = 0;
      }
      messages.push(message);
      bytes += size;
    }
    await this.send(messages);
  }

  // runs after the sink's beforeApplicationShutdown has stopped the consumer: nothing publishes any more
  async onApplicationShutdown(): Promise<void> {
    await this.producer
      .disconnect()
      .catch((error: Error) =>
        this.logger.warn(`disconnecting the dead-letter producer: ${error.message}`),
      );
  }

  private send(messages: Message[]): Promise<unknown> {
    return this.producer.send((producer) =>
      producer.send({ topic: TOPICS.deadLetter, acks: -1, messages }),
    );
  }
}

function toMessage(letter: DeadLetterV1): Message {
  let value = Buffer.from(JSON.stringify(letter));
  if (value.length > MAX_LETTER_BYTES) {
    // a letter the broker would refuse would hold its partition up for ever: name where the original stays instead
    const { original: _original, originalBase64: _base64, ...rest } = letter;
    const reason = `original omitted: its ${value.length}-byte dead letter exceeds ${MAX_LETTER_BYTES} bytes; read it at ${letter.topic}[${letter.partition}] offset ${letter.offset}`;
    value = Buffer.from(JSON.stringify({ ...rest, reasons: [...letter.reasons, reason] }));
  }
  const headers: Record<string, string> = {
    schema: DEAD_LETTER_SCHEMA,
    'content-type': 'application/json',
    stage: letter.stage,
  };
  if (letter.source !== null) headers.source = letter.source;
  if (letter.topic !== undefined) headers.topic = letter.topic;
  return {
    key: letter.entityId ?? `${letter.topic}:${letter.partition}:${letter.offset}`,
    value,
    headers,
  };
}
