import { randomUUID } from 'node:crypto';
import { IHeaders, Kafka, logLevel } from 'kafkajs';
import { readToEnd } from '@app/kafka/read-to-end';
import { testStack } from './running-app';

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

const kafka = (): Kafka =>
  new Kafka({
    clientId: `e2e-reader-${randomUUID()}`,
    brokers: testStack().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]),
  );
}

/** every message on the topic up to its end offsets as of this call */
export async function readTopic(topic: string, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const read = await readToEnd(kafka(), topic, 'e2e', timeoutMs);
  return read.map(({ partition, message }) => ({
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value ?? Buffer.alloc(0),
    headers: headerStrings(message.headers),
  }));
}

export function json<T = Record<string, unknown>>(message: ReadMessage): T {
  return JSON.parse(message.value.toString('utf8')) as T;
}
