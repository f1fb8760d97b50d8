import { applyDecorators, HttpCode, SetMetadata, UseGuards } from '@nestjs/common';
import { FIXED_SOURCE, SignatureGuard } from './signature.guard';

/** marks a webhook route: the signature is verified by SignatureGuard; `source` fixes the sender for routes without a :source parameter */
export function SignedWebhook(source?: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...(source ? [SetMetadata(FIXED_SOURCE, source)] : []),
    UseGuards(SignatureGuard),
    HttpCode(200),
  );
}
