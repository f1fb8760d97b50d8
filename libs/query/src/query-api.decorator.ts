import {
  applyDecorators,
  BadRequestException,
  UseGuards,
  UsePipes,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiServiceUnavailableResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ApiKeyGuard } from './api-key.guard';

/**
 * One message per bad parameter. class-validator runs a property's constraints from the bottom
 * decorator up, so the last one to fail is the topmost: the type check (`@IsInt`, `@IsArray`),
 * which says what is wrong where the range checks below it only add noise ("abc" is not "less than 1").
 */
export function oneMessagePerParameter(errors: ValidationError[]): BadRequestException {
  const messages = (error: ValidationError): string[] => {
    const failed = Object.values(error.constraints ?? {});
    return [...failed.slice(-1), ...(error.children ?? []).flatMap(messages)];
  };
  return new BadRequestException(errors.flatMap(messages));
}

/** query DTOs are converted, stripped of nothing silently: an unknown parameter is a 400 naming it */
export const QUERY_VALIDATION = {
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: oneMessagePerParameter,
} as const;

/** marks a query controller: bearer key required, parameters validated, both documented */
export function QueryApi(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(ApiKeyGuard),
    UsePipes(new ValidationPipe(QUERY_VALIDATION)),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({
      description: 'no `Authorization: Bearer <key>`, or a key not in QUERY_API_KEYS',
    }),
    ApiBadRequestResponse({
      description: 'an invalid parameter; `details` has one message per bad parameter',
    }),
    ApiServiceUnavailableResponse({
      description: 'the database cannot be reached; retry after the seconds in `Retry-After`',
      headers: { 'Retry-After': { description: 'seconds', schema: { type: 'integer' } } },
    }),
  );
}
