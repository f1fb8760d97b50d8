// for tests: the published JSON Schema of a contract as an independent validator (ajv, draft 2020-12),
// the reference the compiled checks and the normalizers' records are held against
import type { TObject } from '@sinclair/typebox';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { jsonSchemaOf } from './contract.json';

/** ajv's errors for a value, [] when the published schema accepts it */
export function publishedSchemaCheck(contract: TObject): (value: unknown) => string[] {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(jsonSchemaOf(contract));
  return (value) =>
    validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}
