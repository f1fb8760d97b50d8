import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { QueryApi } from '@app/query';
import type { OverviewDto } from './overview.dto';
import { OverviewService } from './overview.service';

/** the web console's Overview: health, the gateway's counters, lag and the last hour's dead letters */
@ApiExcludeController()
@Controller('v1/console/overview')
@QueryApi()
export class OverviewController {
  constructor(private readonly overview: OverviewService) {}

  @Get()
  get(): Promise<OverviewDto> {
    return this.overview.overview();
  }
}
