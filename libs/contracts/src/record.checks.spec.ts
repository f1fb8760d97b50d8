import fc from 'fast-check';
import { publishedSchemaCheck } from './contract.testing';
import { type DeviceLocationV1, DeviceLocationV1Contract } from './device-location.v1';
import { checkLocation, checkVehicle } from './record.checks';
import { aLocationRecord, aVehicleRecord } from './testing';
import { type VehicleTelemetryV1, VehicleTelemetryV1Contract } from './vehicle-telemetry.v1';

// values that sit on or just past every rule's edge, plus whatever fast-check can think of
const edgyNumber = fc.oneof(
  fc.constantFrom(
    NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    -90,
    90,
    -180,
    180,
    100,
    360,
    500,
    Number.MIN_VALUE,
    Number.MAX_VALUE,
  ),
  fc.constantFrom(
    -90.000001,
    90.000001,
    -180.000001,
    180.000001,
    100.000001,
    360.000001,
    500.000001,
    -1e-9,
  ),
  fc.double(),
  fc.double({ min: -600, max: 600 }),
  fc.integer(),
);
const edgyString = fc.oneof(
  fc.string(),
  fc.string({
    unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
    minLength: 16,
    maxLength: 18,
  }),
  fc.uuid().map((id) => (Math.random() < 0.5 ? id : id.toUpperCase())),
  fc.uuid({ version: 5 }),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    '2025-02-29T00:00:00.000Z',
    '2024-02-29T00:00:00.000Z',
    '2025-03-01T24:00:00.000Z',
    '2025-03-01T10:00:60.000Z',
  ),
  fc.constantFrom(
    '2025-03-01T10:00:00Z',
    '2025-03-01 10:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '+02025-03-01T10:00:00.000Z',
  ),
  fc.constantFrom(
    'mobway',
    ' mobway',
    'a'.repeat(64),
    'a'.repeat(65),
    '-mobway',
    'device 1',
    ' x',
    'x\n',
    'x'.repeat(128),
    'x'.repeat(129),
  ),
  fc.constantFrom('vehicle-telemetry/v1', 'device-location/v1', ''),
  // what PostgreSQL cannot store, next to what it can; the edges of the contract's years
  fc.constantFrom(
    '\u0000',
    'dev\u0000',
    'a\ud800',
    '\udc00b',
    ' \ud800',
    '\ud83d\ude97',
    'ção 🚚',
    '\\u0000',
    '\ufffd',
  ),
  fc.constantFrom(
    '1969-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00.000Z',
    '0001-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
  ),
);
const anyValue = fc.oneof(
  { weight: 3, arbitrary: edgyNumber },
  { weight: 3, arbitrary: edgyString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(null, undefined, true, false, [], {}, () => 0, new Date(0), 10n),
  },
  { weight: 2, arbitrary: fc.anything() },
);
const extraKey = fc.string({ minLength: 1 });

type Mutation = { kind: 'set'; value: unknown } | { kind: 'delete' } | { kind: 'keep' };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'keep' as const }) },
  { weight: 4, arbitrary: anyValue.map((value) => ({ kind: 'set' as const, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'delete' as const }) },
);

function mutated<T extends object>(
  record: T,
  changes: Record<string, Mutation>,
  extras: [string, unknown][],
): T {
  for (const [key, change] of Object.entries(changes)) {
    if (change.kind === 'set')
      Object.defineProperty(record, key, {
        value: change.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    if (change.kind === 'delete') delete (record as Record<string, unknown>)[key];
  }
  for (const [key, value] of extras) {
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return record;
}

function randomRecords<T extends object>(build: () => T): fc.Arbitrary<T> {
  const fields = Object.keys(build());
  return fc
    .tuple(
      fc.record(Object.fromEntries(fields.map((field) => [field, mutation]))),
      fc.array(
        fc.tuple(
          extraKey.filter((key) => !fields.includes(key)),
          anyValue,
        ),
        { maxLength: 2 },
      ),
    )
    .map(([changes, extras]) => mutated(build(), changes, extras));
}

// the published JSON Schema, run by ajv, is the independent reference: on any JSON value the compiled
// check accepts exactly what the schema accepts. One known difference: ajv's date-time takes a leap
// second (23:59:60), which the contract's timestamps never carry
// undefined for what JSON cannot carry (a BigInt)
const json = (value: unknown): unknown => {
  try {
    return JSON.parse(JSON.stringify(value) ?? 'null');
  } catch {
    return undefined;
  }
};
const leapSecond = (record: object) =>
  Object.values(record).some((v) => typeof v === 'string' && /T\d\d:\d\d:60/.test(v));

describe.each([
  {
    name: 'vehicle',
    check: checkVehicle,
    contract: VehicleTelemetryV1Contract,
    build: aVehicleRecord,
  },
  {
    name: 'location',
    check: checkLocation,
    contract: DeviceLocationV1Contract,
    build: aLocationRecord,
  },
])('the $name check', ({ check, contract, build }) => {
  const sut = check as (record: object) => string[];
  const schema = publishedSchemaCheck(contract);
  const fields = Object.keys(contract.properties);

  it('accepts exactly what the published JSON Schema accepts, on random records', () => {
    fc.assert(
      fc.property(randomRecords(build as () => object), (record) => {
        const value = json(record) as object;
        fc.pre(value !== undefined && !leapSecond(value));
        expect({ value, valid: sut(value).length === 0 }).toEqual({
          value,
          valid: schema(value).length === 0,
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('gives one reason per broken field, naming the field, in definition order', () => {
    fc.assert(
      fc.property(randomRecords(build as () => object), (record) => {
        const reasons = sut(record);
        const named = reasons.map((reason) =>
          reason.startsWith('property ') ? reason : reason.split(' ')[0],
        );
        const unknown = named.filter((reason) => reason.startsWith('property '));
        const known = named.filter((reason) => !reason.startsWith('property '));
        expect(named).toEqual([...unknown, ...known]);
        expect(known).toEqual(fields.filter((field) => known.includes(field)));
        expect(new Set(known).size).toBe(known.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('reports a stray key named after an Object.prototype method', () => {
    const record = mutated(build() as object, {}, [['isPrototypeOf', 1]]);

    expect(sut(record)).toEqual(['property isPrototypeOf should not exist']);
  });
});

describe(`${checkVehicle.name}: reasons`, () => {
  const sut = checkVehicle;

  it('accepts a complete record', () => {
    expect(sut(aVehicleRecord())).toEqual([]);
  });

  it('accepts null in every nullable field', () => {
    const record = aVehicleRecord({
      latitude: null, longitude: null, speedKph: null, headingDeg: null, odometerKm: null, fuelLevelPct: null,
      engineRpm: null, lvBatteryVoltageV: null, hvBatterySocPct: null, event: null,
    }); // prettier-ignore

    expect(sut(record)).toEqual([]);
  });

  it.each<[string, Partial<VehicleTelemetryV1>, string[]]>([
    ['latitude above 90', { latitude: 123 }, ['latitude must not be greater than 90']],
    ['longitude below -180', { longitude: -180.5 }, ['longitude must not be less than -180']],
    ['speed above 500', { speedKph: 512.5 }, ['speedKph must not be greater than 500']],
    ['negative odometer', { odometerKm: -1 }, ['odometerKm must not be less than 0']],
    ['NaN', { fuelLevelPct: NaN }, ['fuelLevelPct must be a finite number or null']],
    ['Infinity', { engineRpm: Infinity }, ['engineRpm must be a finite number or null']],
    [
      'a numeric string',
      { headingDeg: '90' as never },
      ['headingDeg must be a finite number or null'],
    ],
    [
      'a VIN with I',
      { vin: '9BWZZZ377VI004251' },
      ['vin must be 17 characters of the VIN alphabet (no I, O, Q)'],
    ],
    [
      'a VIN of 16 characters',
      { vin: '9BWZZZ377VT00425' },
      ['vin must be 17 characters of the VIN alphabet (no I, O, Q)'],
    ],
    [
      'a lower-case VIN',
      { vin: '9bwzzz377vt004251' },
      ['vin must be 17 characters of the VIN alphabet (no I, O, Q)'],
    ],
    [
      'February 30',
      { recordedAt: '2025-02-30T13:00:00.000Z' },
      ['recordedAt must be an ISO-8601 UTC timestamp with milliseconds (yyyy-mm-ddThh:mm:ss.sssZ)'],
    ],
    [
      'an offset',
      { receivedAt: '2025-03-01T10:00:00.000-03:00' },
      ['receivedAt must be an ISO-8601 UTC timestamp with milliseconds (yyyy-mm-ddThh:mm:ss.sssZ)'],
    ],
    [
      'a random UUID',
      { eventId: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' },
      ['eventId must be a UUID (version 5)'],
    ],
    [
      'another schema',
      { schema: 'vehicle-telemetry/v2' as never },
      ["schema must be 'vehicle-telemetry/v1'"],
    ],
    ['a numeric event', { event: 7 as never }, ['event must be a string or null']],
    ['flags as an array', { flags: [] as never }, ['flags must be an object']],
    ['attributes as null', { attributes: null as never }, ['attributes must be an object']],
    [
      'an empty source',
      { source: '' },
      ['source must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit'],
    ],
    [
      'a time before 1970',
      { recordedAt: '1969-12-31T23:59:59.999Z' },
      ['recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z'],
    ],
    [
      'year 0, which PostgreSQL has not',
      { recordedAt: '0000-01-01T00:00:00.000Z' },
      ['recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z'],
    ],
    [
      'a received time before 1970',
      { receivedAt: '0001-01-01T00:00:00.000Z' },
      ['receivedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z'],
    ],
    [
      'an event holding U+0000',
      { event: 'ignition\u0000on' },
      ['event must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them'],
    ],
    [
      'an event holding a lone surrogate',
      { event: 'position \ud83d' },
      ['event must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them'],
    ],
  ])('rejects %s with one reason', (_case, overrides, reasons) => {
    expect(sut(aVehicleRecord(overrides))).toEqual(reasons);
  });

  it('accepts the boundaries themselves', () => {
    const record = aVehicleRecord({
      latitude: -90,
      longitude: 180,
      speedKph: 0,
      headingDeg: 360,
      fuelLevelPct: 100,
      recordedAt: '1970-01-01T00:00:00.000Z',
      receivedAt: '9999-12-31T23:59:59.999Z',
    });

    expect(sut(record)).toEqual([]);
  });

  it('reports a missing field', () => {
    const record = aVehicleRecord();
    delete (record as Partial<VehicleTelemetryV1>).speedKph;

    expect(sut(record)).toEqual(['speedKph must be a finite number or null']);
  });

  it('reports a field the contract does not have', () => {
    const record = Object.assign(aVehicleRecord(), { tirePressure: 34 });

    expect(sut(record)).toEqual(['property tirePressure should not exist']);
  });

  it('reports every broken field, in definition order', () => {
    expect(sut(aVehicleRecord({ vin: 'NOT-A-VIN', latitude: 123 }))).toEqual([
      'vin must be 17 characters of the VIN alphabet (no I, O, Q)',
      'latitude must not be greater than 90',
    ]);
  });
});

describe(`${checkLocation.name}: reasons`, () => {
  const sut = checkLocation;

  it('accepts a complete record', () => {
    expect(sut(aLocationRecord())).toEqual([]);
  });

  it.each<[string, Partial<DeviceLocationV1>, string[]]>([
    ['latitude above 90', { latitude: 123 }, ['latitude must not be greater than 90']],
    ['a null latitude', { latitude: null as never }, ['latitude must be a finite number']],
    ['a null longitude', { longitude: null as never }, ['longitude must be a finite number']],
    ['negative accuracy', { accuracyM: -1 }, ['accuracyM must not be less than 0']],
    ['battery above 100', { batteryPct: 101 }, ['batteryPct must not be greater than 100']],
    [
      'an untrimmed device id',
      { deviceId: ' 356938035643809' },
      ['deviceId must be a trimmed, non-empty string of at most 128 characters'],
    ],
    [
      'an empty device id',
      { deviceId: '' },
      ['deviceId must be a trimmed, non-empty string of at most 128 characters'],
    ],
    [
      'a device id of 129 characters',
      { deviceId: 'x'.repeat(129) },
      ['deviceId must be a trimmed, non-empty string of at most 128 characters'],
    ],
    [
      'a device id holding U+0000',
      { deviceId: 'dev\u00001' },
      [
        'deviceId must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them',
      ],
    ],
    [
      'a device id holding a lone surrogate',
      { deviceId: '\udc00dev' },
      [
        'deviceId must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them',
      ],
    ],
    [
      'a time before 1970',
      { recordedAt: '1969-07-20T20:17:40.000Z' },
      ['recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z'],
    ],
  ])('rejects %s with one reason', (_case, overrides, reasons) => {
    expect(sut(aLocationRecord(overrides))).toEqual(reasons);
  });

  it('accepts text PostgreSQL stores: a surrogate pair, control characters, an escaped NUL', () => {
    expect(sut(aLocationRecord({ deviceId: 'dev 🚚 \u0001 \\u0000' }))).toEqual([]);
  });

  it('accepts a device id of 128 characters with inner spaces', () => {
    expect(sut(aLocationRecord({ deviceId: `a ${'x'.repeat(126)}` }))).toEqual([]);
  });
});
