import { expect } from '@jest/globals';
import {
  ArgumentsHost,
  BadRequestException,
  HttpException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { errorResponse, HttpErrorFilter } from './http-error.filter';

function aHost() {
  const reply = {
    sent: false,
    raw: { headersSent: false },
    code: 0,
    headers: {},
    body: undefined,
  } as Record<string, unknown> & { headers: Record<string, string> };
  Object.assign(reply, {
    status: (code: number) => ((reply.code = code), reply),
    header: (name: string, value: string) => ((reply.headers[name] = value), reply),
    type: (value: string) => ((reply.headers['content-type'] = value), reply),
    send: (body: unknown) => ((reply.body = body), reply),
  });
  const request = { method: 'GET', url: '/v1/vehicles', id: 'req-1' };
  const host = {
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => request }),
  } as unknown as ArgumentsHost;
  return { host, reply };
}

class RetryLater extends HttpException {
  readonly retryAfterSeconds = 7;
  constructor() {
    super(
      { status: 'error', statusCode: 429, message: 'rate limit for source "mobway" exceeded' },
      429,
    );
  }
}

describe(HttpErrorFilter.name, () => {
  it.each([
    [
      'a NestJS exception with text',
      new NotFoundException('no records for vin X'),
      { status: 'error', statusCode: 404, error: 'Not Found', message: 'no records for vin X' },
    ],
    [
      'validation messages',
      new BadRequestException(['limit must be an integer number', 'after is malformed']),
      {
        status: 'error',
        statusCode: 400,
        error: 'Bad Request',
        message: 'limit must be an integer number; after is malformed',
        details: ['limit must be an integer number', 'after is malformed'],
      },
    ],
    [
      "the gateway's own body, keeping its extra field",
      new BadRequestException({
        status: 'error',
        statusCode: 400,
        message: 'body is not JSON',
        deadLettered: 1,
      }),
      {
        status: 'error',
        statusCode: 400,
        error: 'Bad Request',
        message: 'body is not JSON',
        deadLettered: 1,
      },
    ],
    [
      'a Fastify error as Nest maps it',
      new HttpException('Request body is too large', 413),
      {
        status: 'error',
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'Request body is too large',
      },
    ],
    [
      'a status without a message',
      new PayloadTooLargeException(),
      {
        status: 'error',
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'Payload Too Large',
      },
    ],
  ])('answers %s in the one shape', (_, exception, expected) => {
    const { host, reply } = aHost();

    new HttpErrorFilter().catch(exception, host);

    expect([reply.code, reply.body]).toEqual([expected.statusCode, expected]);
    expect(reply.headers['retry-after']).toBeUndefined();
  });

  it('answers an unexpected error with 500 and without its text', () => {
    const { host, reply } = aHost();

    new HttpErrorFilter().catch(new Error('connect ECONNREFUSED 10.0.0.8:5432'), host);

    expect(reply.code).toBe(500);
    expect(reply.body).toEqual({
      status: 'error',
      statusCode: 500,
      error: 'Internal Server Error',
      message: expect.stringContaining('x-request-id'),
    });
  });

  it('sends Retry-After with any exception that carries retryAfterSeconds', () => {
    const { host, reply } = aHost();

    new HttpErrorFilter().catch(new RetryLater(), host);

    expect(reply.headers['retry-after']).toBe('7');
    expect(reply.body).toEqual({
      status: 'error',
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'rate limit for source "mobway" exceeded',
    });
    expect(errorResponse(new ServiceUnavailableException()).message).toBe('Service Unavailable');
  });
});
