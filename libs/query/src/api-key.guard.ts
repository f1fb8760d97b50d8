import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '@app/config';
import { ApiKeys } from './api-keys';

/** every query route: `Authorization: Bearer <key>` with a key from QUERY_API_KEYS, else 401 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: ApiKeys;

  constructor(config: AppConfig) {
    this.keys = new ApiKeys(config.query.apiKeys);
  }

  canActivate(ctx: ExecutionContext): boolean {
    const http = ctx.switchToHttp();
    if (this.keys.accepts(http.getRequest<FastifyRequest>().headers.authorization)) return true;
    void http.getResponse<FastifyReply>().header('www-authenticate', 'Bearer');
    throw new UnauthorizedException(
      'a valid query API key is required: Authorization: Bearer <key>',
    );
  }
}
