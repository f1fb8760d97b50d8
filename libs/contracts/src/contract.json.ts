import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { DeadLetterV1Contract } from './dead-letter.v1';
import { DeviceLocationV1Contract } from './device-location.v1';
import { VehicleTelemetryV1Contract } from './vehicle-telemetry.v1';

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** every published contract and the file under schemas/ its JSON Schema is written to */
export const PUBLISHED_CONTRACTS = [
  { file: 'vehicle-telemetry.v1.json', contract: VehicleTelemetryV1Contract },
  { file: 'device-location.v1.json', contract: DeviceLocationV1Contract },
  { file: 'dead-letter.v1.json', contract: DeadLetterV1Contract },
] as const;

// the order keywords are written in: what a reader looks for first
const KEY_ORDER = [
  '$schema', '$id', 'title', 'description', 'type', 'const', 'enum', 'format', 'contentEncoding', 'pattern',
  'minLength', 'maxLength', 'minimum', 'maximum', 'items', 'minItems', 'additionalProperties', 'required',
  'properties', 'examples',
]; // prettier-ignore

/**
 * The plain JSON Schema (draft 2020-12) of a contract, as published in schemas/: no TypeBox
 * symbols, keywords in a fixed order. This is also what a serializer (fast-json-stringify) or
 * another validator should be given.
 */
export function jsonSchemaOf(contract: TObject): Record<string, unknown> {
  return ordered({ $schema: JSON_SCHEMA_DIALECT, ...contract }) as Record<string, unknown>;
}

/** the text of a published schema file */
export function jsonSchemaFile(contract: TObject): string {
  return `${JSON.stringify(jsonSchemaOf(contract), null, 2)}\n`;
}

function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (typeof value !== 'object' || value === null) return value;
  // Object.entries leaves out symbol keys: TypeBox's Kind and the contracts' reasons
  const entries = Object.entries(value as Record<string, unknown>);
  const rank = (key: string) => {
    const index = KEY_ORDER.indexOf(key);
    return index === -1 ? KEY_ORDER.length : index;
  };
  const properties = (key: string, child: unknown) =>
    key === 'properties' && typeof child === 'object' && child !== null
      ? Object.fromEntries(Object.entries(child).map(([name, schema]) => [name, ordered(schema)]))
      : ordered(child);
  return Object.fromEntries(
    entries
      .sort(([a], [b]) => rank(a) - rank(b))
      .map(([key, child]) => [key, key === 'examples' ? child : properties(key, child)]),
  );
}

/** A record made of each field's first example: what the definition says a record looks like. */
export function exampleOf<T extends TObject>(contract: T): Static<T> {
  const record: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(contract.properties as Record<string, TSchema>)) {
    const examples = (schema.examples as unknown[] | undefined) ?? [];
    if (schema.const === undefined && examples.length === 0)
      throw new Error(`${String(contract.title)}.${name} has no example`);
    record[name] = structuredClone(schema.const ?? examples[0]);
  }
  return record;
}
