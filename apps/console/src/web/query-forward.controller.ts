import { Controller, Get, Param, ParseEnumPipe, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyGuard } from '@app/query';
import { QueryForwarder } from './query.forwarder';

/**
 * The consumers' query APIs at the console's origin, for the web console: the same paths, the
 * same key, forwarded as they are. Only what the pages read.
 */
@ApiExcludeController()
@Controller()
@UseGuards(ApiKeyGuard)
export class QueryForwardController {
  constructor(private readonly forwarder: QueryForwarder) {}

  @Get([
    'v1/vehicles',
    'v1/vehicles/:id/latest',
    'v1/vehicles/:id/telemetry',
    'v1/vehicles/:id/gaps',
  ])
  vehicles(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forwarder.forward('vehicleConsumer', req.url, req, reply);
  }

  @Get(['v1/devices', 'v1/devices/:id/latest', 'v1/devices/:id/locations', 'v1/devices/:id/gaps'])
  devices(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.forwarder.forward('locationConsumer', req.url, req, reply);
  }

  /** GET /v1/completeness of the consumer of that record type */
  @Get('v1/completeness/:recordType')
  completeness(
    @Param('recordType', new ParseEnumPipe(['vehicle', 'location'])) recordType: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.forwarder.forwardCompleteness(recordType as 'vehicle' | 'location', req, reply);
  }
}
