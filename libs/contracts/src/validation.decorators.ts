import {
  IsNumber,
  IsObject,
  IsString,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidationOptions,
} from 'class-validator';
import { isStorableText, isTimestampInRange, isUtcTimestamp, MESSAGES } from './record.rules';

// class-validator runs a property's rules in the order they were registered and, with
// stopAtFirstError, stops at the first failure: the composites below register the type check
// first so a wrong type yields one reason instead of three

/** null skips the other rules of the property; undefined does not (every field is present). */
export const Nullable = (): PropertyDecorator =>
  ValidateIf((_object: unknown, value: unknown) => value !== null);

/** `yyyy-mm-ddThh:mm:ss.sssZ`, then within the contract's years (1970-9999) */
export function IsUtcTimestamp(options?: ValidationOptions): PropertyDecorator {
  return (target, key) => {
    ValidateBy(
      {
        name: 'isUtcTimestamp',
        validator: {
          validate: (value: unknown) => isUtcTimestamp(value),
          defaultMessage: (args) => MESSAGES.timestamp(args?.property ?? 'value'),
        },
      },
      options,
    )(target, key);
    ValidateBy(
      {
        name: 'isTimestampInRange',
        validator: {
          validate: (value: unknown) => typeof value === 'string' && isTimestampInRange(value),
          defaultMessage: (args) => MESSAGES.timestampRange(args?.property ?? 'value'),
        },
      },
      options,
    )(target, key);
  };
}

/** text PostgreSQL can store (no U+0000, no unpaired surrogate); anything but a string is left to the type rule */
export const StorableText = (): PropertyDecorator =>
  ValidateBy({
    name: 'isStorableText',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || isStorableText(value),
      defaultMessage: (args) => MESSAGES.storableText(args?.property ?? 'value'),
    },
  });

export interface NumberRule {
  min?: number;
  max?: number;
  nullable?: boolean;
}

/** A finite number (never NaN or ±Infinity), optionally bounded, optionally null. */
export function NumberField(rule: NumberRule = {}): PropertyDecorator {
  const message = rule.nullable ? MESSAGES.nullableNumber : MESSAGES.number;
  return (target, key) => {
    if (rule.nullable) Nullable()(target, key);
    IsNumber(
      { allowNaN: false, allowInfinity: false },
      { message: ({ property }) => message(property) },
    )(target, key);
    if (rule.min !== undefined) Min(rule.min)(target, key);
    if (rule.max !== undefined) Max(rule.max)(target, key);
  };
}

export function NullableString(): PropertyDecorator {
  return (target, key) => {
    Nullable()(target, key);
    IsString({ message: ({ property }) => MESSAGES.nullableString(property) })(target, key);
    StorableText()(target, key);
  };
}

/** A JSON object: not null, not an array. */
export const PlainObject = (): PropertyDecorator =>
  IsObject({ message: ({ property }) => MESSAGES.object(property) });
