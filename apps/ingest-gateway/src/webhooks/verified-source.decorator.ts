import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { VerifiedRequest } from './signature.guard';

export interface VerifiedWebhook {
  source: VerifiedRequest['webhookSource'];
  requestId: string;
  idempotencyKey?: string;
}

/** what SignatureGuard established about the request */
export const Verified = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): VerifiedWebhook => {
    const req = ctx.switchToHttp().getRequest<VerifiedRequest>();
    return {
      source: req.webhookSource,
      requestId: String(req.id),
      idempotencyKey: req.idempotencyKey,
    };
  },
);
