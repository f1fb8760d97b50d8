import { STATUS_CODES } from 'node:http';
import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponseDto } from './error-response.dto';

/** the shape plus whatever fields of its own a route adds */
export type ErrorResponse = ErrorResponseDto & { [field: string]: unknown };

/** an HttpException that tells the client when to come back (429, 503) */
interface RetryLater {
  retryAfterSeconds: number;
}

// fields of an exception's response object that the shape sets itself
const OWN_FIELDS = new Set(['status', 'statusCode', 'error', 'message']);

/**
 * Every error of every app leaves as one ErrorResponseDto: exceptions thrown by handlers, guards
 * and pipes, Fastify's own (body too large, bad JSON, unsupported type, mapped by Nest's adapter)
 * and unknown routes. Retry-After goes with any exception carrying `retryAfterSeconds`. An
 * unexpected error is logged with its stack and answered without its text.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const body = errorResponse(exception);
    if (!(exception instanceof HttpException)) {
      this.logger.error(
        `${request.method} ${request.url} (request ${String(request.id)}) failed: ${(exception as Error)?.stack ?? String(exception)}`,
      );
    }
    if (reply.sent || reply.raw.headersSent) return;
    if (isRetryLater(exception))
      void reply.header('retry-after', String(Math.max(1, Math.ceil(exception.retryAfterSeconds))));
    void reply.status(body.statusCode).type('application/json; charset=utf-8').send(body);
  }
}

/** the body an exception is answered with */
export function errorResponse(exception: unknown): ErrorResponse {
  if (!(exception instanceof HttpException)) {
    return shape(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'internal error; quote the x-request-id response header when reporting it',
    );
  }
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'string') return shape(statusCode, response);
  const { message, ...rest } = response as Record<string, unknown>;
  const extra = Object.fromEntries(Object.entries(rest).filter(([key]) => !OWN_FIELDS.has(key)));
  if (Array.isArray(message)) {
    const details = message.map(String);
    return { ...shape(statusCode, details.join('; ')), details, ...extra };
  }
  return {
    ...shape(
      statusCode,
      typeof message === 'string' ? message : (STATUS_CODES[statusCode] ?? 'error'),
    ),
    ...extra,
  };
}

function shape(statusCode: number, message: string): ErrorResponse {
  return { status: 'error', statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

function isRetryLater(exception: unknown): exception is HttpException & RetryLater {
  return (
    exception instanceof HttpException &&
    typeof (exception as Partial<RetryLater>).retryAfterSeconds === 'number'
  );
}
