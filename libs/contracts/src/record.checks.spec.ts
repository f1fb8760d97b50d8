import fc from 'fast-check';
import { checkLocation, checkVehicle } from './record.checks';
import { validateLocation, validateVehicle } from './record.validation';
import { DeviceLocationV1 } from './device-location.v1';
import { VehicleTelemetryV1 } from './vehicle-telemetry.v1';
import { aLocationRecord, aVehicleRecord } from './testing';

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
// class-validator looks a stray key up in a plain object, so it never reports one named after an
// Object.prototype method such as `isPrototypeOf` (checkVehicle does): leave those out of the comparison
const extraKey = fc.string({ minLength: 1 }).filter((key) => !(key in {}));

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

describe(checkVehicle.name, () => {
  const sut = checkVehicle;

  it('gives exactly the reasons class-validator gives, on random records', () => {
    fc.assert(
      fc.property(randomRecords(aVehicleRecord), (record: VehicleTelemetryV1) => {
        expect(sut(record)).toEqual(validateVehicle(record));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on single-field changes, where one reason or none is expected', () => {
    const field = fc.constantFrom(...Object.keys(aVehicleRecord()));
    fc.assert(
      fc.property(field, anyValue, (key, value) => {
        const record = mutated(aVehicleRecord(), { [key]: { kind: 'set', value } }, []);
        expect(sut(record)).toEqual(validateVehicle(record));
      }),
      { numRuns: 3000 },
    );
  });

  it('reports a stray key named after an Object.prototype method, which class-validator misses', () => {
    const record = mutated(aVehicleRecord(), {}, [['isPrototypeOf', 1]]);

    expect(sut(record)).toEqual(['property isPrototypeOf should not exist']);
    expect(validateVehicle(record)).toEqual([]);
  });
});

describe(checkLocation.name, () => {
  const sut = checkLocation;

  it('gives exactly the reasons class-validator gives, on random records', () => {
    fc.assert(
      fc.property(randomRecords(aLocationRecord), (record: DeviceLocationV1) => {
        expect(sut(record)).toEqual(validateLocation(record));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees on single-field changes, where one reason or none is expected', () => {
    const field = fc.constantFrom(...Object.keys(aLocationRecord()));
    fc.assert(
      fc.property(field, anyValue, (key, value) => {
        const record = mutated(aLocationRecord(), { [key]: { kind: 'set', value } }, []);
        expect(sut(record)).toEqual(validateLocation(record));
      }),
      { numRuns: 3000 },
    );
  });
});
