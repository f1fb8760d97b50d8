import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// ajv arrives with fastify; subscribers validate with any draft 2020-12 validator
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { MobwayNormalizer } from './mobway.normalizer';
import { Normalizer } from './normalizer';
import { NORMALIZER_NAMES } from './normalizers';
import { TraccarNormalizer } from './traccar.normalizer';
import { WeguardNormalizer } from './weguard.normalizer';

const root = join(__dirname, '../../..');
const readJson = (...path: string[]): unknown =>
  JSON.parse(readFileSync(join(root, ...path), 'utf8'));

function schemaValidator(file: string) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(readJson('schemas', file) as object);
}

describe.each<[string, string, Normalizer<object>, string, number]>([
  ['mobway.json', 'mobway', new MobwayNormalizer(), 'vehicle-telemetry.v1.json', 10],
  ['generic-vehicle.json', 'acme', new MobwayNormalizer(), 'vehicle-telemetry.v1.json', 1],
  ['weguard.json', 'weguard', new WeguardNormalizer(), 'device-location.v1.json', 3],
  ['generic-location.json', 'acme', new WeguardNormalizer(), 'device-location.v1.json', 1],
  ['traccar.json', 'traccar', new TraccarNormalizer(), 'device-location.v1.json', 1],
])('samples/%s', (sample, source, sut, schema, count) => {
  const outcome = sut.normalize(readJson('samples', sample), {
    source,
    receivedAt: new Date('2025-03-01T13:00:05.000Z'),
  });

  it(`normalizes into ${count} records and no rejection`, () => {
    expect(outcome.rejected).toEqual([]);
    expect(outcome.records).toHaveLength(count);
  });

  it(`gives records that match schemas/${schema} once serialized`, () => {
    const validate = schemaValidator(schema);

    for (const record of outcome.records) {
      expect({
        record,
        errors: validate(JSON.parse(JSON.stringify(record))) ? null : validate.errors,
      }).toEqual({ record, errors: null });
    }
  });
});

describe('samples/<normalizer>.json', () => {
  // npm run send posts the sample of the source's normalizer
  it.each(NORMALIZER_NAMES)('exists for %s', (name) => {
    expect(() => readJson('samples', `${name}.json`)).not.toThrow();
  });
});

describe('samples/mobway.json', () => {
  const sut = new MobwayNormalizer();
  const { records } = sut.normalize(readJson('samples', 'mobway.json'), {
    source: 'mobway',
    receivedAt: new Date(),
  });

  it('converts Brasília time, keeps the speed flag and the unknown field', () => {
    expect(records[0].recordedAt).toBe('2025-03-01T13:00:00.000Z');
    expect(records.find(({ speedKph }) => speedKph === null)?.flags).toEqual({
      speed: { value: 512.5, flag: 'out of range' },
    });
    expect(records.find(({ attributes }) => 'driver_badge' in attributes)?.attributes).toEqual({
      driver_badge: 'MTR-20931',
    });
  });
});

describe('samples/weguard.json', () => {
  const sut = new WeguardNormalizer();
  const { records } = sut.normalize(readJson('samples', 'weguard.json'), {
    source: 'weguard',
    receivedAt: new Date(),
  });

  it('reads three spelling families into one shape', () => {
    expect(
      records.map(({ deviceId, recordedAt, speedKph, headingDeg, batteryPct }) => ({
        deviceId,
        recordedAt,
        speedKph,
        headingDeg,
        batteryPct,
      })),
    ).toEqual([
      {
        deviceId: '356938035643809',
        recordedAt: '2025-03-01T13:00:01.250Z',
        speedKph: 31.4,
        headingDeg: 92.3,
        batteryPct: 87,
      },
      {
        deviceId: '356938035643817',
        recordedAt: '2025-03-01T13:00:02.000Z',
        speedKph: 0,
        headingDeg: null,
        batteryPct: 54,
      },
      {
        deviceId: 'R58N12ABCDE',
        recordedAt: '2025-03-01T13:00:03.500Z',
        speedKph: null,
        headingDeg: 270,
        batteryPct: 12,
      },
    ]);
  });
});

describe('samples/traccar.json', () => {
  const sut = new TraccarNormalizer();
  const { records } = sut.normalize(readJson('samples', 'traccar.json'), {
    source: 'traccar',
    receivedAt: new Date(),
  });

  it('reads the device by uniqueId, knots as km/h, and Traccar attributes flattened', () => {
    expect(records[0]).toMatchObject({
      deviceId: '356307042441013',
      recordedAt: '2025-03-01T13:00:01.000Z',
      speedKph: 61.9968,
      headingDeg: 182,
      altitudeM: 760,
      accuracyM: null,
      batteryPct: 87,
    });
    expect(records[0].attributes).toMatchObject({ protocol: 'teltonika', ignition: true, sat: 11 });
  });
});
