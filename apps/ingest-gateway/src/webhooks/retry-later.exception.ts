import { HttpException } from '@nestjs/common';

/** a refusal the sender should retry: 503 (Kafka away) or 429 (over its rate); carries Retry-After */
export class RetryLaterException extends HttpException {
  constructor(
    status: 429 | 503,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ status: 'error', statusCode: status, message }, status);
  }
}
