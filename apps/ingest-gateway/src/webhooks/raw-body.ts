import { InternalServerErrorException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The request's bytes exactly as received. The gateway registers one catch-all parser that keeps
 * the body as a Buffer. A request without a body is verified like any other (an HMAC of no bytes),
 * then answered as an authenticated body that is not JSON: mobway 200 with a dead letter, others 400.
 */
const NO_BYTES = Buffer.alloc(0);

export function rawBodyOf(req: FastifyRequest): Buffer {
  const body = req.body;
  // fastify calls no parser for a request without a body
  if (body === undefined || body === null) return NO_BYTES;
  if (!Buffer.isBuffer(body)) throw new InternalServerErrorException('raw body unavailable');
  return body;
}
