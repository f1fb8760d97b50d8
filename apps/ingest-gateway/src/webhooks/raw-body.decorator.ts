import { BadRequestException, createParamDecorator, ExecutionContext, InternalServerErrorException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The request's bytes exactly as received. The gateway registers one catch-all parser that keeps
 * the body as a Buffer, so a missing body here is a wiring fault, never "verify the empty string".
 */
export function rawBodyOf(req: FastifyRequest): Buffer {
  const body = req.body;
  // fastify calls no parser for a request without a body
  if (body === undefined || body === null) throw new BadRequestException('request body is empty');
  if (!Buffer.isBuffer(body)) throw new InternalServerErrorException('raw body unavailable');
  return body;
}

export const RawBody = createParamDecorator((_: unknown, ctx: ExecutionContext): Buffer => rawBodyOf(ctx.switchToHttp().getRequest<FastifyRequest>()));
