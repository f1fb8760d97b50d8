import { expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// ajv arrives with fastify; subscribers validate with any draft 2020-12 validator
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { generatedFiles } from './contract.files';
import { exampleOf, jsonSchemaOf } from './contract.json';
import type { DeadLetterV1 } from './dead-letter.v1';
import { DeviceLocationV1Contract } from './device-location.v1';
import { aDeadLetter, aLocationRecord, aVehicleRecord } from './testing';
import { VehicleTelemetryV1Contract } from './vehicle-telemetry.v1';

interface JsonSchema {
  $schema: string;
  $id: string;
  type: string;
  additionalProperties: boolean;
  required: string[];
  properties: Record<string, { description?: string }>;
}

type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

function schemaFile(name: string): JsonSchema {
  return JSON.parse(readFileSync(join(__dirname, '../../../schemas', name), 'utf8')) as JsonSchema;
}

function compile(schema: JsonSchema) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

const sorted = (keys: Iterable<string>) => [...keys].sort();

const ROOT = join(__dirname, '../../..');

describe('generated files', () => {
  it.each(generatedFiles().map(({ path, text }) => [path, text]))(
    '%s is what the definitions generate (else run npm run contracts:generate)',
    (path, text) => {
      expect(readFileSync(join(ROOT, path), 'utf8')).toBe(text);
    },
  );
});

describe.each([
  {
    file: 'vehicle-telemetry.v1.json',
    contract: VehicleTelemetryV1Contract,
    build: aVehicleRecord,
  },
  { file: 'device-location.v1.json', contract: DeviceLocationV1Contract, build: aLocationRecord },
])('schemas/$file', ({ file, contract, build }) => {
  const sut = schemaFile(file);

  it('is a closed draft 2020-12 object schema with an $id', () => {
    expect(sut).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: expect.stringMatching(/^urn:fleet-telemetry:schema:/),
      type: 'object',
      additionalProperties: false,
    });
  });

  it('requires and describes exactly the fields of the definition', () => {
    const fields = sorted(Object.keys(contract.properties));

    expect(sorted(sut.required)).toEqual(fields);
    expect(sorted(Object.keys(sut.properties))).toEqual(fields);
    expect(sorted(Object.keys(build()))).toEqual(fields);
  });

  it('says what every field means', () => {
    for (const [field, property] of Object.entries(sut.properties)) {
      expect({ field, description: property.description }).toEqual({
        field,
        description: expect.any(String),
      });
    }
  });

  it('accepts the example record, as it travels (JSON), and every field example', () => {
    const validate = compile(sut);

    expect(validate(JSON.parse(JSON.stringify(exampleOf(contract))))).toBe(true);
    expect(jsonSchemaOf(contract)).toEqual(sut);
  });

  it('rejects out-of-range values, missing fields and extra fields', () => {
    const validate = compile(sut);
    const plain = () => JSON.parse(JSON.stringify(build())) as Record<string, unknown>;
    const { latitude: _latitude, ...missing } = plain();

    expect(validate({ ...plain(), latitude: 123 })).toBe(false);
    expect(validate({ ...plain(), recordedAt: '2025-03-01T10:00:00-03:00' })).toBe(false);
    expect(validate(missing)).toBe(false);
    expect(validate({ ...plain(), extra: 1 })).toBe(false);
    expect(validate({ ...plain(), recordedAt: '1969-12-31T23:59:59.999Z' })).toBe(false);
    expect(validate({ ...plain(), receivedAt: '0000-01-01T00:00:00.000Z' })).toBe(false);
    expect(
      validate({
        ...plain(),
        recordedAt: '1970-01-01T00:00:00.000Z',
        receivedAt: '9999-12-31T23:59:59.999Z',
      }),
    ).toBe(true);
  });

  it('rejects the text PostgreSQL cannot store, and takes the rest', () => {
    const validate = compile(sut);
    const field = 'deviceId' in sut.properties ? 'deviceId' : 'event';
    const withText = (text: string) =>
      JSON.parse(JSON.stringify({ ...build(), [field]: text })) as unknown;

    for (const text of ['a\u0000b', 'a\ud800', '\udc00b'])
      expect({ text, valid: validate(withText(text)) }).toEqual({ text, valid: false });
    for (const text of ['a 🚚 b', 'a\\u0000b', 'ção'])
      expect({ text, valid: validate(withText(text)) }).toEqual({ text, valid: true });
  });
});

describe('schemas/dead-letter.v1.json', () => {
  const sut = schemaFile('dead-letter.v1.json');
  // the compiler makes these lists complete: every key of DeadLetterV1, and every required key, once
  const everyField: Record<keyof DeadLetterV1, true> = {
    schema: true, stage: true, source: true, reasons: true, occurredAt: true, requestId: true, entityId: true,
    original: true, originalBase64: true, topic: true, partition: true, offset: true,
  }; // prettier-ignore
  const requiredFields: Record<RequiredKeys<DeadLetterV1>, true> = {
    schema: true, stage: true, source: true, reasons: true, occurredAt: true,
  }; // prettier-ignore

  it('is a closed draft 2020-12 object schema with an $id', () => {
    expect(sut).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:fleet-telemetry:schema:dead-letter:v1',
      type: 'object',
      additionalProperties: false,
    });
  });

  it('requires and describes exactly the fields of the interface', () => {
    expect(sorted(sut.required)).toEqual(sorted(Object.keys(requiredFields)));
    expect(sorted(Object.keys(sut.properties))).toEqual(sorted(Object.keys(everyField)));
  });

  it('accepts ingest and consume dead letters and rejects an unknown stage', () => {
    const validate = compile(sut);

    expect(validate(aDeadLetter())).toBe(true);
    expect(
      validate(
        aDeadLetter({
          stage: 'consume',
          original: undefined,
          originalBase64: 'AAEC',
          topic: 'telemetry.vehicle.v1',
          partition: 3,
          offset: '9007199254740993',
        }),
      ),
    ).toBe(true);
    expect(validate({ ...aDeadLetter(), stage: 'publish' })).toBe(false);
  });
});
