import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '@app/query';
import { OverviewController } from './overview.controller';
import { OverviewRepository } from './overview.repository';
import { OverviewService } from './overview.service';
import { QueryForwardController } from './query-forward.controller';
import { QueryForwarder } from './query.forwarder';
import { UiAssets } from './ui.assets';
import { UiController } from './ui.controller';
import { UpstreamClient } from './upstream.client';

/**
 * The web console (apps/console/ui, built into dist/apps/console/ui): its page at `/`, the
 * overview it reads, and the consumers' query APIs forwarded so the browser talks to one origin.
 */
@Module({
  controllers: [UiController, OverviewController, QueryForwardController],
  providers: [
    UiAssets,
    UpstreamClient,
    QueryForwarder,
    OverviewService,
    OverviewRepository,
    ApiKeyGuard,
  ],
})
export class WebConsoleModule {}
