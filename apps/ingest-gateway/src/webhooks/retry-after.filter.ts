import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RetryLaterException } from './retry-later.exception';

/** 429 and 503 tell the sender when to come back */
@Catch(RetryLaterException)
export class RetryAfterFilter implements ExceptionFilter {
  catch(exception: RetryLaterException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(exception.getStatus()).header('retry-after', String(exception.retryAfterSeconds)).send(exception.getResponse());
  }
}
