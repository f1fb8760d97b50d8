import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { asyncApiFile } from '@app/contracts/contract.asyncapi';

export const ASYNCAPI_PATH = 'asyncapi.json';

/**
 * GET /asyncapi.json: the AsyncAPI 3 document of the topics, open like /docs. Built once from the
 * contract definitions, the same text `npm run contracts:generate` writes to asyncapi/asyncapi.json.
 */
@ApiExcludeController()
@Controller()
export class AsyncApiController {
  private readonly text = asyncApiFile();

  @Get(ASYNCAPI_PATH)
  @Header('content-type', 'application/json; charset=utf-8')
  document(): string {
    return this.text;
  }
}
