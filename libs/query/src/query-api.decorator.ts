import { applyDecorators, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiKeyGuard } from './api-key.guard';

/** query DTOs are converted, stripped of nothing silently: an unknown parameter is a 400 naming it */
export const QUERY_VALIDATION = { transform: true, whitelist: true, forbidNonWhitelisted: true } as const;

/** marks a query controller: bearer key required, parameters validated, both documented */
export function QueryApi(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(ApiKeyGuard),
    UsePipes(new ValidationPipe(QUERY_VALIDATION)),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'no `Authorization: Bearer <key>`, or a key not in QUERY_API_KEYS' }),
    ApiBadRequestResponse({ description: 'an invalid parameter; each entry of `message` names one' }),
  );
}
