import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  Max,
  Min,
  ValidateBy,
  ValidationArguments,
  ValidationOptions,
} from 'class-validator';
import { daysInMonth } from '@app/contracts';

// RFC 3339: a date, a time to the second (fractions to the microsecond PostgreSQL keeps) and a zone
const OFFSET_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2}):(\d{2}))$/;

// what PostgreSQL reads back as text: years 0001–9999 (instants too, as the gaps report prints them in UTC)
// and offsets under 16 hours
export const MIN_INSTANT = Date.parse('0001-01-01T00:00:00Z');
export const MAX_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');
const MAX_OFFSET_HOURS = 15;

/** milliseconds since the epoch, or undefined when the text is not an RFC 3339 timestamp with a zone PostgreSQL takes */
export function parseOffsetTimestamp(value: unknown): number | undefined {
  const parsed = readOffsetTimestamp(value);
  return typeof parsed === 'number' ? parsed : undefined;
}

/** why `property` is not a timestamp the API takes, or undefined when it is one */
export function offsetTimestampProblem(value: unknown, property: string): string | undefined {
  const parsed = readOffsetTimestamp(value);
  if (parsed === 'malformed')
    return `${property} must be an ISO-8601 timestamp with a time zone, e.g. 2025-03-01T13:00:00Z`;
  if (parsed === 'offset')
    return `${property} must have a time zone offset between -15:59 and +15:59`;
  if (parsed === 'range')
    return `${property} must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z`;
  return undefined;
}

function readOffsetTimestamp(value: unknown): number | 'malformed' | 'offset' | 'range' {
  const parts = typeof value === 'string' ? OFFSET_TIMESTAMP.exec(value) : null;
  if (!parts) return 'malformed';
  const [year, month, day, hour, minute, second, offsetHours = 0, offsetMinutes = 0] = parts
    .slice(1)
    .map((p) => (p === undefined ? 0 : Number(p)));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'malformed';
  if (hour > 23 || minute > 59 || second > 59 || offsetMinutes > 59) return 'malformed';
  if (offsetHours > MAX_OFFSET_HOURS) return 'offset';
  const millis = Date.parse(value as string);
  if (Number.isNaN(millis)) return 'malformed';
  return year < 1 || millis < MIN_INSTANT || millis > MAX_INSTANT ? 'range' : millis;
}

/** an unencoded `+03:00` arrives as ` 03:00` (form decoding makes + a space): read it as meant */
export const restorePlusOffset = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.replace(/ (\d{2}:\d{2})$/, '+$1') : value;

/** query strings are text: digits become a number, anything else is left for @IsInt to refuse */
export const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim()) ? Number(value) : value;

export function IsOffsetTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isOffsetTimestamp',
      validator: {
        validate: (value: unknown) => parseOffsetTimestamp(value) !== undefined,
        defaultMessage: (args?: ValidationArguments) =>
          offsetTimestampProblem(args?.value, args?.property ?? 'value') ?? '',
      },
    },
    options,
  );
}

/** on `to`: fails when `from` is a later instant (equal is an empty range, not an error) */
export function NotBefore(other: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notBefore',
      constraints: [other],
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          const end = parseOffsetTimestamp(value);
          const start = parseOffsetTimestamp((args?.object as Record<string, unknown>)[other]);
          return end === undefined || start === undefined || start <= end;
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${other} must not be after ${args?.property}`,
      },
    },
    options,
  );
}

/** an opaque cursor this API handed out: `decode` returns undefined for anything else */
export function IsCursor(
  decode: (value: unknown) => unknown,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCursor',
      validator: {
        validate: (value: unknown) => decode(value) !== undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} is malformed`,
      },
    },
    options,
  );
}

/**
 * An optional page size in [1, max]: documented, converted from the query string and validated.
 * The decorators are applied in the order a stacked list would be (bottom first), so error
 * messages keep their order.
 */
export function PageLimit(
  limits: { default: number; max: number },
  description: string,
): PropertyDecorator {
  return applyDecorators(
    Max(limits.max),
    Min(1),
    IsInt(),
    Transform(toInt),
    IsOptional(),
    ApiPropertyOptional({ description, default: limits.default, minimum: 1, maximum: limits.max }),
  );
}
