import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ServiceUnavailableWithRetry } from './ingest.service';

/** 503 tells the sender when to come back */
@Catch(ServiceUnavailableWithRetry)
export class RetryAfterFilter implements ExceptionFilter {
  catch(exception: ServiceUnavailableWithRetry, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(503).header('retry-after', String(exception.retryAfterSeconds)).send(exception.getResponse());
  }
}
