import {
  checkLocation,
  DeviceLocationV1Contract,
  VehicleTelemetryV1Contract,
} from '@app/contracts';
import { publishedSchemaCheck } from '@app/contracts/contract.testing';
import fc from 'fast-check';
import { MobwayNormalizer } from './mobway.normalizer';
import { NormalizeContext, NormalizeOutcome } from './normalizer';
import {
  isNormalizerName,
  NORMALIZER_FOR_RECORDS,
  NORMALIZER_NAMES,
  NORMALIZERS,
  normalizerNamed,
} from './normalizers';
import { TraccarNormalizer } from './traccar.normalizer';
import { WeguardNormalizer } from './weguard.normalizer';

const validateVehicle = publishedSchemaCheck(VehicleTelemetryV1Contract);
const validateLocation = publishedSchemaCheck(DeviceLocationV1Contract);

const RUNS = 1500;

function aContext(): NormalizeContext {
  return { source: 'acme', receivedAt: new Date('2025-03-01T13:00:02.125Z') };
}

// every kind of value a parsed body can hold, and then some a parser never makes
const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});
const json = fc.json().map((text) => JSON.parse(text) as unknown);
const hostile = fc.constantFrom(
  JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
  JSON.parse(
    '{"9BWZZZ377VT004251":{"__proto__":{"vin":"9BWZZZ377VT004251"},"date_time":"2025-03-01 10:00:00"}}',
  ),
  JSON.parse('{"locations":[{"__proto__":{"lat":1},"deviceId":"d","lng":2,"time":1}]}'),
  { hasOwnProperty: 1, toString: 'x', valueOf: null },
);
const edgy = fc.oneof(
  fc.constantFrom(
    null,
    '',
    ' ',
    '0x10',
    'NaN',
    '1e400',
    -0,
    1e11,
    1e15,
    91,
    -181,
    361,
    501,
    '2025-02-30 10:00:00',
  ),
  fc.double(),
  fc.string(),
  fc.integer(),
);

// mostly right, sometimes anything: records come out often enough to check them too
const mostly = <T>(right: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 12, arbitrary: right }, { weight: 1, arbitrary: edgy });
const vinCharacter = fc.constantFrom(...'ABCDEFGHJKLMNPRSTUVWXYZ0123456789');

// readings that look right, with any field replaced or dropped
const mobwayReading = fc.record(
  {
    vin: mostly(
      fc.oneof(
        fc.string({ unit: vinCharacter, minLength: 17, maxLength: 17 }),
        fc.constant(' 9bwzzz377vt004251 '),
      ),
    ),
    date_time: mostly(
      fc
        .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 19).replace('T', ' ')),
    ),
    speed: mostly(fc.oneof(fc.double({ min: 0, max: 500, noNaN: true }), fc.constant('42.5'))),
    latitude: mostly(fc.double({ min: -90, max: 90, noNaN: true })),
    longitude: mostly(fc.double({ min: -180, max: 180, noNaN: true })),
    heading: mostly(fc.integer({ min: 0, max: 360 })),
    rpm: mostly(fc.integer({ min: 0, max: 9000 })),
    flag: mostly(fc.constantFrom({}, { speed: { value: 512.5, flag: 'out of range' } })),
    event: mostly(fc.string()),
    tire_pressure_fl: anything,
  },
  { requiredKeys: ['vin', 'date_time'] },
);
// keyed by VIN as mobway sends them; a reading whose vin is not text gets a key of its own
const mobwayPayload = fc
  .array(fc.tuple(mobwayReading, fc.string()), { maxLength: 5 })
  .map((pairs) => {
    // a Map, then fromEntries: keys such as `__proto__` or `toString` must stay ordinary keys
    const byKey = new Map<string, unknown[]>();
    for (const [reading, key] of pairs) {
      const vin = typeof reading.vin === 'string' ? reading.vin : key;
      byKey.set(vin, [...(byKey.get(vin) ?? []), reading]);
    }
    return Object.fromEntries(byKey);
  });
const weguardLocation = fc.record(
  {
    deviceId: mostly(fc.string({ minLength: 1, maxLength: 20 })),
    imei: mostly(fc.integer({ min: 0 })),
    lat: mostly(fc.double({ min: -90, max: 90, noNaN: true })),
    longitude: mostly(fc.double({ min: -180, max: 180, noNaN: true })),
    timestamp: mostly(
      fc.oneof(
        fc.integer({ min: 0, max: 2e12 }),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
    ),
    speedMps: mostly(fc.double({ min: 0, max: 100, noNaN: true })),
    bearing: mostly(fc.integer({ min: 0, max: 360 })),
    battery: fc.oneof(fc.integer({ min: 0, max: 100 }), anything),
    // not `data` or another list key: a location without a latitude holding one reads as an envelope
    extra: anything,
  },
  { requiredKeys: ['lat', 'longitude', 'timestamp'] },
);

function readingsInMobwayPayload(payload: unknown): unknown[] {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return [payload];
  if (
    Object.hasOwn(payload, 'date_time') &&
    typeof (payload as { date_time: unknown }).date_time === 'string'
  )
    return [payload];
  // Array.from: a hole in a list counts as a reading (undefined), as the normalizer sees it
  return Object.values(payload as Record<string, unknown>).flatMap((value) =>
    Array.isArray(value) ? Array.from(value as unknown[]) : [value],
  );
}

function expectWellFormed<R>(
  outcome: NormalizeOutcome<R>,
  validate: (record: R) => string[],
): void {
  for (const record of outcome.records) expect(validate(record)).toEqual([]);
  for (const { reasons } of outcome.rejected) {
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(typeof reason).toBe('string');
  }
}

describe('NORMALIZERS', () => {
  it('holds every body shape by name', () => {
    expect(NORMALIZER_NAMES).toEqual(['mobway', 'weguard', 'traccar']);
    expect(Object.isFrozen(NORMALIZERS)).toBe(true);
    expect(normalizerNamed('mobway')).toBeInstanceOf(MobwayNormalizer);
    expect(normalizerNamed('weguard')).toBeInstanceOf(WeguardNormalizer);
    expect(normalizerNamed('traccar')).toBeInstanceOf(TraccarNormalizer);
  });

  it.each([
    ['mobway', 'vehicle'],
    ['weguard', 'location'],
    ['traccar', 'location'],
  ] as const)('%s gives %s records', (name, recordType) => {
    expect(NORMALIZERS[name].recordType).toBe(recordType);
  });

  it.each([
    ['traccar', true],
    ['constructor', false],
    ['__proto__', false],
    ['vehicle', false],
    ['Mobway', false],
    [7, false],
  ])('isNormalizerName(%p) is %s', (value, expected) => {
    expect(isNormalizerName(value)).toBe(expected);
  });

  it('reads a source that names only its record type with a normalizer of that type', () => {
    expect(NORMALIZER_FOR_RECORDS).toEqual({ vehicle: 'mobway', location: 'weguard' });
    for (const [records, name] of Object.entries(NORMALIZER_FOR_RECORDS))
      expect(NORMALIZERS[name].recordType).toBe(records);
  });
});

describe('every normalizer with ctx.maxReadings', () => {
  const ctx = { ...aContext(), maxReadings: 3 };
  const good = (i: number) => ({ date_time: `2025-03-01 10:00:0${i}`, speed: i });

  it('normalizes the first readings in input order, valid or not, and only counts the rest', () => {
    const sut = NORMALIZERS.mobway.normalize(
      { '9BWZZZ377VT004251': [good(0), {}, good(1), good(2), {}], '9BWZZZ377VT004252': [good(3)] },
      ctx,
    );
    expect(sut.records.map((r) => r.speedKph)).toEqual([0, 1]);
    expect(sut.rejected).toHaveLength(1);
    expect(sut.skipped).toBe(3);
  });

  it('counts locations past the cap the same way', () => {
    const items = Array.from({ length: 300_000 }, () => ({}));
    const sut = NORMALIZERS.weguard.normalize(items, ctx);
    expect([sut.records.length + sut.rejected.length, sut.skipped]).toEqual([3, 299_997]);
  });

  it('counts forwarded positions past the cap the same way', () => {
    const sut = NORMALIZERS.traccar.normalize([{}, {}, {}, {}, {}], ctx);
    expect([sut.rejected.length, sut.skipped]).toEqual([3, 2]);
  });

  it('leaves the outcome as it was without a cap or below it', () => {
    expect(
      NORMALIZERS.mobway.normalize({ '9BWZZZ377VT004251': [good(0)] }, ctx),
    ).not.toHaveProperty('skipped');
    expect(
      NORMALIZERS.mobway.normalize(
        { '9BWZZZ377VT004251': [good(0), good(1), good(2), good(3)] },
        aContext(),
      ).records,
    ).toHaveLength(4);
  });
});

describe('every normalizer on absurdly deep input (JSON.parse takes 200,000 levels; recursion does not)', () => {
  const deepList = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`) as unknown;
  const deepObject = JSON.parse(`${'{"data":'.repeat(200_000)}1${'}'.repeat(200_000)}`) as unknown;

  it.each([
    ['a deep list', deepList],
    ['a deep object', deepObject],
    [
      'a deep reading',
      { '9BWZZZ377VT004251': { date_time: '2025-03-01 10:00:00', extra: deepList } },
    ],
    [
      'a deep location',
      { locations: [{ lat: 1, lng: 2, deviceId: 'd', time: 1, extra: deepObject }] },
    ],
  ])('rejects %s without throwing', (_case, payload) => {
    for (const sut of Object.values(NORMALIZERS)) {
      const { records, rejected } = sut.normalize(payload, aContext());

      expect(records).toEqual([]);
      expect(rejected).toHaveLength(1);
    }
  });
});

describe(`${MobwayNormalizer.name} on random input`, () => {
  const sut = new MobwayNormalizer();
  const payloads = fc.oneof(
    anything,
    json,
    hostile,
    fc.dictionary(
      fc.string(),
      fc.oneof(
        mobwayReading,
        fc.array(fc.oneof(mobwayReading, anything), { maxLength: 4 }),
        anything,
      ),
    ),
    mobwayPayload,
    mobwayReading,
  );

  it('never throws, and every input reading ends as exactly one record or rejection', () => {
    fc.assert(
      fc.property(payloads, (payload) => {
        const outcome = sut.normalize(payload, aContext());

        const readings = readingsInMobwayPayload(payload);
        expect(outcome.records.length + outcome.rejected.length).toBe(readings.length);
        // the very reading, compared as Object.is does: a NaN reading is its own original too
        for (const { original } of outcome.rejected)
          expect(readings.some((reading) => Object.is(reading, original))).toBe(true);
        expectWellFormed(outcome, validateVehicle);
      }),
      {
        numRuns: RUNS,
        examples: [[{ vin: 'AAAAAAAAAAAAAAAAA', date_time: null, longitude: Number.NaN }]],
      },
    );
  });

  it('accepts many readings that look right, and gives the same outcome twice', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mobwayPayload, (payload) => {
        const outcome = sut.normalize(payload, aContext());

        expect(sut.normalize(payload, aContext())).toEqual(outcome);
        expect(outcome.records.length + outcome.rejected.length).toBe(
          readingsInMobwayPayload(payload).length,
        );
        expectWellFormed(outcome, validateVehicle);
        accepted += outcome.records.length;
      }),
      { numRuns: RUNS },
    );

    expect(accepted).toBeGreaterThan(RUNS / 2);
  });

  it('does not pollute prototypes', () => {
    fc.assert(
      fc.property(fc.oneof(json, hostile), (payload) => void sut.normalize(payload, aContext())),
      { numRuns: 200 },
    );

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe(`${WeguardNormalizer.name} on random input`, () => {
  const sut = new WeguardNormalizer();
  const item = fc.oneof(weguardLocation, anything);

  it('never throws on any value', () => {
    fc.assert(
      fc.property(fc.oneof(anything, json, hostile, weguardLocation), (payload) => {
        const outcome = sut.normalize(payload, aContext());

        expect(outcome.records.length + outcome.rejected.length).toBeGreaterThanOrEqual(
          Array.isArray(payload) ? 0 : 1,
        );
        expectWellFormed(outcome, validateLocation);
      }),
      { numRuns: RUNS },
    );
  });

  it('turns every item of a list or an envelope into exactly one record or rejection', () => {
    const envelopeKey = fc.constantFrom(
      'locations',
      'data',
      'events',
      'items',
      'records',
      'payload',
    );
    const payloads = fc.oneof(
      fc.array(item, { maxLength: 5 }).map((items) => ({ payload: items, items })),
      fc
        .tuple(envelopeKey, fc.array(item, { maxLength: 5 }), fc.string())
        .map(([key, items, accountId]) => ({
          payload: { accountId, [key]: items },
          items,
        })),
      weguardLocation.map((location) => ({
        payload: location,
        items: [location as unknown],
      })),
    );

    fc.assert(
      fc.property(payloads, ({ payload, items }) => {
        const outcome = sut.normalize(payload, aContext());

        expect(outcome.records.length + outcome.rejected.length).toBe(items.length);
        // identity, with NaN equal to itself (toContain's === would call a NaN item missing)
        for (const { original } of outcome.rejected)
          expect(items.some((item) => Object.is(item, original))).toBe(true);
        expectWellFormed(outcome, validateLocation);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts many locations that look right, and gives the same outcome twice', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(weguardLocation, { maxLength: 4 }), (payload) => {
        const outcome = sut.normalize(payload, aContext());

        expect(sut.normalize(payload, aContext())).toEqual(outcome);
        accepted += outcome.records.length;
      }),
      { numRuns: RUNS },
    );

    expect(accepted).toBeGreaterThan(RUNS / 2);
  });
});

const traccarForward = fc.record(
  {
    position: mostly(
      fc.record(
        {
          latitude: mostly(fc.double({ min: -90, max: 90, noNaN: true })),
          longitude: mostly(fc.double({ min: -180, max: 180, noNaN: true })),
          fixTime: mostly(
            fc.oneof(
              fc.integer({ min: 0, max: 2e12 }),
              fc
                .date({
                  min: new Date('1990-01-01'),
                  max: new Date('2100-01-01'),
                  noInvalidDate: true,
                })
                .map((d) => d.toISOString().replace('Z', '+00:00')),
            ),
          ),
          speed: mostly(fc.double({ min: 0, max: 250, noNaN: true })),
          course: mostly(fc.integer({ min: 0, max: 360 })),
          accuracy: mostly(fc.double({ min: 0, max: 100, noNaN: true })),
          attributes: fc.oneof(
            fc.record({ batteryLevel: mostly(fc.integer({ min: 0, max: 100 })), extra: anything }),
            anything,
          ),
        },
        { requiredKeys: ['latitude', 'longitude', 'fixTime'] },
      ),
    ),
    device: mostly(
      fc.record({ uniqueId: mostly(fc.oneof(fc.stringMatching(/^[0-9A-Za-z]{1,20}$/), fc.nat())) }),
    ),
  },
  { requiredKeys: ['position', 'device'] },
);

describe(`${TraccarNormalizer.name} on random input`, () => {
  const sut = new TraccarNormalizer();

  it('never throws, and every forwarded position ends as exactly one record or rejection', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          anything,
          json,
          hostile,
          traccarForward,
          fc.array(fc.oneof(traccarForward, anything), { maxLength: 4 }),
        ),
        (payload) => {
          const outcome = sut.normalize(payload, aContext());
          const items = Array.isArray(payload) ? Array.from(payload as unknown[]) : [payload];

          expect(outcome.records.length + outcome.rejected.length).toBe(items.length);
          for (const { original } of outcome.rejected)
            expect(items.some((item) => Object.is(item, original))).toBe(true);
          expectWellFormed(outcome, checkLocation);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('accepts many forwarded positions that look right, and gives the same outcome twice', () => {
    let accepted = 0;
    fc.assert(
      fc.property(traccarForward, (payload) => {
        const outcome = sut.normalize(payload, aContext());

        expect(sut.normalize(payload, aContext())).toEqual(outcome);
        accepted += outcome.records.length;
      }),
      { numRuns: RUNS },
    );

    expect(accepted).toBeGreaterThan(RUNS / 2);
  });
});
