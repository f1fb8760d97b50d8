import { Controller, Get, Header, Headers, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { UiAsset, UiAssets } from './ui.assets';

// the page loads only its own files and talks only to this origin: no CDN, no tiles
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** the web console's page and bundle; open (they hold no data: every API call carries the key) */
@ApiExcludeController()
@Controller()
export class UiController {
  constructor(private readonly assets: UiAssets) {}

  @Get()
  @Header('cache-control', 'no-cache')
  @Header('content-security-policy', CSP)
  page(
    @Headers('if-none-match') tag: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return send(reply, this.assets.page, tag);
  }

  /** named with their digest by the page: cached for a year, a new build is a new URL */
  @Get('ui/:file')
  @Header('cache-control', 'public, max-age=31536000, immutable')
  file(
    @Param('file') file: string,
    @Headers('if-none-match') tag: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return send(reply, this.assets.get(file), tag);
  }
}

async function send(reply: FastifyReply, asset: UiAsset, ifNoneMatch?: string): Promise<void> {
  void reply.header('etag', asset.etag).header('x-content-type-options', 'nosniff');
  if (ifNoneMatch === asset.etag) return void (await reply.status(304).send());
  await reply.header('content-type', asset.contentType).send(asset.body);
}
