import {
  type NumberOptions,
  type SchemaOptions,
  type StringOptions,
  type TSchema,
  type TString,
  type TUnsafe,
  Type,
} from '@sinclair/typebox';
import { MESSAGES, isUtcTimestamp, TIMESTAMP_PATTERN } from './record.rules';

// the field shapes the contracts are written with: TypeBox schemas whose JSON is the published
// JSON Schema (null as `type: [x, "null"]`, which OpenAPI, fast-json-stringify and readers all take
// better than anyOf), plus the reason a refused value is given, kept under a symbol so that it never
// reaches the published JSON

/** why a value of this field is refused: `vin must be 17 characters ...` */
export type Reason = (property: string, value: unknown) => string;

export const REASON: unique symbol = Symbol.for('fleet-telemetry.contracts.reason');

export type WithReason<T extends TSchema> = T & { [REASON]?: Reason };

/** the field's own reason for any refused value (the compiled check's defaults are generic) */
export function withReason<T extends TSchema>(schema: T, reason: Reason): WithReason<T> {
  return Object.assign(schema, { [REASON]: reason });
}

/** A finite number or null, optionally bounded. */
export function NullableNumber(options: NumberOptions): TUnsafe<number | null> {
  return Type.Unsafe<number | null>({ ...options, type: ['number', 'null'] });
}

/** A string or null. */
export function NullableString(options: StringOptions): TUnsafe<string | null> {
  return Type.Unsafe<string | null>({ ...options, type: ['string', 'null'] });
}

/** A JSON object (not null, not an array) with any properties. */
export function JsonObject(options: SchemaOptions): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({ ...options, type: 'object' });
}

/** `yyyy-mm-ddThh:mm:ss.sssZ`, a real instant (no Feb 30), years 1970-9999. */
export function UtcTimestamp(options: SchemaOptions): WithReason<TString> {
  return withReason(
    Type.String({ ...options, format: 'date-time', pattern: TIMESTAMP_PATTERN.source }),
    (property, value) =>
      isUtcTimestamp(value) ? MESSAGES.timestampRange(property) : MESSAGES.timestamp(property),
  );
}
