import fastJson from 'fast-json-stringify';
import type { TObject } from '@sinclair/typebox';
import {
  DeviceLocationV1,
  DeviceLocationV1Contract,
  jsonSchemaOf,
  VehicleTelemetryV1,
  VehicleTelemetryV1Contract,
} from '@app/contracts';

type Schema = Record<string, unknown>;

/**
 * The contract's published JSON Schema as fast-json-stringify is to be given it. It writes only
 * the properties a schema names, so an object schema naming none (the contracts' free-form
 * `flags` and `attributes`) would come out as `{}`: such properties, and whatever is not a plain
 * object of named properties, are handed to JSON.stringify whole. Keywords that only validate go;
 * validation is the contract check's, before records get here.
 */
export function serializerSchema(contract: TObject): Schema {
  const published = jsonSchemaOf(contract);
  const properties = published.properties as Record<string, Schema>;
  // nothing `required`: a property left undefined is left out, as JSON.stringify leaves it
  return {
    type: 'object',
    properties: Object.fromEntries(
      Object.entries(properties).map(([name, schema]) => [name, fieldSchema(schema)]),
    ),
  };
}

function fieldSchema(schema: Schema): Schema {
  const { type } = schema;
  const scalar = (t: unknown) =>
    t === 'string' || t === 'number' || t === 'boolean' || t === 'null';
  if (typeof type === 'string' && scalar(type) && schema.const === undefined) return { type };
  if (Array.isArray(type) && type.every(scalar)) return { type };
  // a constant is written as the value at hand (JSON.stringify would), not as the constant
  return {};
}

/**
 * A record's Kafka value: the same text JSON.stringify(record) writes for a record the contract
 * check accepted (record.serializer.spec.ts holds it to that), about twice as fast, compiled once
 * from the contract's definition.
 */
export const serializeVehicle: (record: VehicleTelemetryV1) => string = fastJson(
  serializerSchema(VehicleTelemetryV1Contract),
);

export const serializeLocation: (record: DeviceLocationV1) => string = fastJson(
  serializerSchema(DeviceLocationV1Contract),
);
