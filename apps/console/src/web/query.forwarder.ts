import { BadRequestException, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UpstreamApp, UpstreamClient } from './upstream.client';

/** forwards a GET to another app with the caller's key and Accept, and relays status, type and body */
@Injectable()
export class QueryForwarder {
  constructor(private readonly upstream: UpstreamClient) {}

  async forward(
    app: UpstreamApp,
    path: string,
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    if (hasDotSegment(path)) throw new BadRequestException('an id may not be "." or ".."');
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'accept'] as const) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await this.upstream.get(app, path, headers);
    void reply.status(answer.status).header('cache-control', 'no-store');
    if (answer.contentType !== undefined) void reply.header('content-type', answer.contentType);
    await reply.send(answer.body);
  }

  forwardCompleteness(
    recordType: 'vehicle' | 'location',
    req: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const app = recordType === 'vehicle' ? 'vehicleConsumer' : 'locationConsumer';
    return this.forward(app, `/v1/completeness${query}`, req, reply);
  }
}

/** URLs resolve `..` and `%2e%2e` segments: an id spelled so would forward to another route */
function hasDotSegment(path: string): boolean {
  return path
    .split('?')[0]
    .split('/')
    .some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
}
