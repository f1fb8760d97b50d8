import { Controller, Get, Post } from '@nestjs/common';
import { IngestResult } from './ingest-result.dto';
import { IngestService } from './ingest.service';
import { RawBody } from './raw-body.decorator';
import { SignedWebhook } from './signed-webhook.decorator';
import { Verified, VerifiedWebhook } from './verified-source.decorator';

@Controller()
export class WebhookController {
  constructor(private readonly ingest: IngestService) {}

  /** mobway's documented status check */
  @Get()
  status(): { status: 'success' } {
    return { status: 'success' };
  }

  /** the path mobway's own documentation uses */
  @Post('webhook')
  @SignedWebhook('mobway')
  receiveMobway(
    @Verified() webhook: VerifiedWebhook,
    @RawBody() body: Buffer,
  ): Promise<IngestResult> {
    return this.ingest.accept(webhook, body);
  }

  @Post('webhooks/:source')
  @SignedWebhook()
  receive(@Verified() webhook: VerifiedWebhook, @RawBody() body: Buffer): Promise<IngestResult> {
    return this.ingest.accept(webhook, body);
  }
}
