import { Controller, Get } from '@nestjs/common';

/** the webhooks themselves are received by WebhookRoutes, on Fastify directly */
@Controller()
export class WebhookController {
  /** mobway's documented status check */
  @Get()
  status(): { status: 'success' } {
    return { status: 'success' };
  }
}
