import { Logger } from '@nestjs/common';
import { Kafka, KafkaConfig, logLevel, LogEntry, SASLOptions } from 'kafkajs';
import type { KafkaConnectionConfig } from '@app/config';

const logger = new Logger('kafkajs');

// said by every idempotent producer with a finite retry count: we use no transactions (no EoS to
// invalidate), and a produce that fails after its retries renews the producer (RenewingProducer)
const IDEMPOTENT_RETRIES_WARNING =
  'Limiting retries for the idempotent producer may invalidate EoS guarantees';

// retriable answers of a broker that is starting or moving leaders, which kafkajs retries (kafkajs's
// protocol/error.js: GROUP_LOAD_IN_PROGRESS, GROUP_COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR_FOR_GROUP,
// LEADER_NOT_AVAILABLE, NOT_LEADER_FOR_PARTITION, REBALANCE_IN_PROGRESS)
const TRANSIENT_RESPONSES = new Set([
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server is not the leader for that topic-partition',
  'The group is rebalancing, so a rejoin is needed',
]);

/** what a kafkajs log entry is worth to an operator: a start and normal traffic print no warnings */
export function kafkaLogLevel(
  level: logLevel,
  message: string,
  error: unknown,
): 'error' | 'warn' | 'log' | 'debug' {
  if (message === IDEMPOTENT_RETRIES_WARNING) return 'debug';
  // kafkajs logs every error response ("Response InitProducerId … coordinator is loading") and then
  // retries it; a request that finally fails reaches our code as an exception and is logged there
  if (level === logLevel.ERROR && message.startsWith('Response '))
    return typeof error === 'string' && TRANSIENT_RESPONSES.has(error) ? 'debug' : 'warn';
  // a consumer that joined while the group coordinator was still loading gives up its retries and
  // kafkajs restarts it: news, not a failure (RecordSink logs a crash kafkajs does not recover from)
  if (message.startsWith('Restarting the consumer in ')) return 'log';
  if (
    level === logLevel.ERROR &&
    message.startsWith('Crash: ') &&
    [...TRANSIENT_RESPONSES].some((text) => message.endsWith(`: ${text}`))
  )
    return 'log';
  if (level === logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  return level === logLevel.INFO ? 'log' : 'debug';
}

/** kafkajs logs through Nest's logger so every line has one format */
function nestLogCreator() {
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...extra } = log;
      const line = `${message} ${JSON.stringify(extra)}`;
      logger[kafkaLogLevel(level, message, extra.error)](line);
    };
}

export function createKafka(
  brokers: string[],
  clientId: string,
  overrides: Partial<KafkaConfig> = {},
): Kafka {
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
export function kafkaSecurity({
  sasl,
  ssl,
}: Pick<KafkaConnectionConfig, 'sasl' | 'ssl'>): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const security: Pick<KafkaConfig, 'sasl' | 'ssl'> = {};
  // kafkajs types each mechanism separately; the three take the same username and password
  if (sasl)
    security.sasl = {
      mechanism: sasl.mechanism,
      username: sasl.username,
      password: sasl.password,
    } as SASLOptions;
  if (ssl) security.ssl = ssl.ca ? { ca: [ssl.ca] } : true;
  return security;
}
