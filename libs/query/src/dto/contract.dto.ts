import { Type as NestType } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import type { Static, TObject } from '@sinclair/typebox';
import { jsonSchemaOf } from '@app/contracts';

/**
 * A class whose OpenAPI schema is the contract's, field for field, so the query APIs document
 * records from the one definition: `class VehicleTelemetryDto extends ContractDto(Contract) {}`
 * (swagger needs a named class). OpenAPI 3.0 has no `type: [x, "null"]`, `const` or `examples`:
 * they become `nullable`, a one-value `enum` and `example`.
 */
export function ContractDto<T extends TObject>(contract: T): NestType<Static<T>> {
  class Contract {}
  const published = jsonSchemaOf(contract) as {
    properties: Record<string, Record<string, unknown>>;
  };
  for (const [name, schema] of Object.entries(published.properties))
    ApiProperty(openApiProperty(schema))(Contract.prototype, name);
  return Contract as NestType<Static<T>>;
}

/** one field's JSON Schema (draft 2020-12) as an OpenAPI 3.0 property */
export function openApiProperty(schema: Record<string, unknown>): ApiPropertyOptions {
  const { type, const: constant, examples, ...rest } = schema;
  const types = [type ?? []].flat() as string[];
  const nullable = types.includes('null');
  const [base] = types.filter((t) => t !== 'null');
  return {
    ...rest,
    ...(base !== undefined && { type: base }),
    ...(nullable && { nullable: true }),
    ...(constant !== undefined && { enum: [constant] }),
    ...(base === 'object' && { additionalProperties: true }),
    ...(Array.isArray(examples) && examples.length > 0 && { example: examples[0] as unknown }),
    required: true,
  } as ApiPropertyOptions;
}
