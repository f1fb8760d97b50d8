import { ServiceUnavailableException } from '@nestjs/common';

/** what a reader is told while PostgreSQL cannot be reached; the filter sends it with Retry-After */
export class DatabaseUnavailableException extends ServiceUnavailableException {
  readonly retryAfterSeconds = 5;

  constructor(readonly reason: string) {
    super('the database is unavailable; retry later');
  }
}

// socket errors while connecting or talking to the server
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
// SQLSTATE: too_many_connections, admin/crash shutdown, cannot_connect_now, database_dropped
const UNAVAILABLE_STATES = new Set(['53300', '57P01', '57P02', '57P03', '57P04']);
// pg and pg-pool say these without a code
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /is not queryable/,
  /^Client was closed/,
];

/** true when `error` says PostgreSQL could not be reached or went away, not that the query was wrong */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code =
    (error as { code?: unknown }).code ??
    (error as { driverError?: { code?: unknown } }).driverError?.code;
  if (
    typeof code === 'string' &&
    (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))
  )
    return true;
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** rethrows a connection failure as DatabaseUnavailableException, anything else as it is */
export function asUnavailable(error: unknown): never {
  throw isDatabaseUnavailable(error)
    ? new DatabaseUnavailableException((error as Error).message)
    : error;
}
