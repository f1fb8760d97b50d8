import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueryApi } from '@app/query';
import { CompletenessQueryDto, CompletenessReportDto } from './completeness.dto';
import { CompletenessService } from './completeness.service';

@ApiTags('completeness')
@Controller('v1/completeness')
@QueryApi()
export class CompletenessController {
  constructor(private readonly completeness: CompletenessService) {}

  @Get()
  @ApiOperation({
    summary:
      'Per source and bucket of receipt time: requests, readings accepted and dead-lettered, published and stored; a settled bucket whose stored rows fall short of its accepted readings is flagged',
  })
  @ApiOkResponse({ type: CompletenessReportDto })
  report(@Query() query: CompletenessQueryDto): Promise<CompletenessReportDto> {
    return this.completeness.report(query);
  }
}
