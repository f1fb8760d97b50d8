import { logLevel } from 'kafkajs';
import { kafkaLogLevel } from './kafka.factory';

describe(kafkaLogLevel.name, () => {
  it.each([
    [
      'the idempotent producer retry warning',
      logLevel.WARN,
      'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      undefined,
      'debug',
    ],
    [
      'a coordinator still loading',
      logLevel.ERROR,
      'Response InitProducerId(key: 22, version: 1)',
      "The coordinator is loading and hence can't process requests for this group",
      'debug',
    ],
    [
      'a coordinator not yet available',
      logLevel.ERROR,
      'Response GroupCoordinator(key: 10, version: 2)',
      'The group coordinator is not available',
      'debug',
    ],
    [
      'a leader election',
      logLevel.ERROR,
      'Response Metadata(key: 3, version: 6)',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
      'debug',
    ],
    [
      'any other error response, retried',
      logLevel.ERROR,
      'Response Produce(key: 0, version: 7)',
      'The request timed out',
      'warn',
    ],
    [
      'a consumer restarted after joining a loading coordinator',
      logLevel.ERROR,
      'Crash: KafkaJSNumberOfRetriesExceeded: This is not the correct coordinator for this group',
      undefined,
      'log',
    ],
    ['its restart', logLevel.ERROR, 'Restarting the consumer in 4168ms', undefined, 'log'],
    [
      'any other crash',
      logLevel.ERROR,
      'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED',
      undefined,
      'error',
    ],
    ['a failure', logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', 'x', 'error'],
    ['another warning', logLevel.WARN, 'Connection timeout', undefined, 'warn'],
    ['information', logLevel.INFO, 'Consumer has joined the group', undefined, 'log'],
  ] as const)('%s → %s', (_, level, message, error, expected) => {
    expect(kafkaLogLevel(level, message, error)).toBe(expected);
  });
});
