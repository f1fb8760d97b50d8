import { Logger } from '@nestjs/common';
import { Kafka, KafkaConfig, logLevel, LogEntry, SASLOptions } from 'kafkajs';
import type { KafkaConnectionConfig } from '@app/config';

const logger = new Logger('kafkajs');

/** kafkajs logs through Nest's logger so every line has one format */
function nestLogCreator() {
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...extra } = log;
      const line = `${message} ${JSON.stringify(extra)}`;
      // kafkajs logs every error response ("Response InitProducerId … coordinator is loading") and then
      // retries it; a request that finally fails reaches our code as an exception and is logged there
      if (level === logLevel.ERROR && message.startsWith('Response ')) logger.warn(line);
      else if (level === logLevel.ERROR) logger.error(line);
      else if (level === logLevel.WARN) logger.warn(line);
      else if (level === logLevel.INFO) logger.log(line);
      else logger.debug(line);
    };
}

export function createKafka(brokers: string[], clientId: string, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: nestLogCreator(),
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5000 },
    ...overrides,
  });
}

/** SASL and TLS as configured (KAFKA_SASL_*, KAFKA_SSL*); nothing when the broker is a plaintext one on loopback */
export function kafkaSecurity({ sasl, ssl }: Pick<KafkaConnectionConfig, 'sasl' | 'ssl'>): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const security: Pick<KafkaConfig, 'sasl' | 'ssl'> = {};
  // kafkajs types each mechanism separately; the three take the same username and password
  if (sasl) security.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  if (ssl) security.ssl = ssl.ca ? { ca: [ssl.ca] } : true;
  return security;
}
