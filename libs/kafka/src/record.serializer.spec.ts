import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { aLocationRecord, aVehicleRecord } from '@app/contracts/testing';
import { NORMALIZERS } from '@app/normalization';
import { serializeLocation, serializeVehicle } from './record.serializer';

// any JSON a sender may put in flags and attributes, the strings that need escaping included
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', '"', '\\', '\u2028', '\ud800', 'a\u0000b', 'ü✓🚚', 'x'.repeat(60)),
);
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, 5e-7, Number.MAX_VALUE, Number.MIN_VALUE),
);
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const freeObject = fc.dictionary(text, json, { maxKeys: 6 });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

describe(serializeVehicle.name, () => {
  it('writes what JSON.stringify writes, byte for byte, for any record of the contract’s shape', () => {
    fc.assert(
      fc.property(
        fc.record({
          eventId: text,
          source: text,
          vin: text,
          recordedAt: text,
          receivedAt: text,
          latitude: nullable(number),
          longitude: nullable(number),
          speedKph: nullable(number),
          headingDeg: nullable(number),
          odometerKm: nullable(number),
          fuelLevelPct: nullable(number),
          engineRpm: nullable(number),
          lvBatteryVoltageV: nullable(number),
          hvBatterySocPct: nullable(number),
          event: nullable(text),
          flags: freeObject,
          attributes: freeObject,
        }),
        (fields) => {
          const record = aVehicleRecord(fields);
          expect(serializeVehicle(record)).toBe(JSON.stringify(record));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('writes the sample’s records as JSON.stringify does', () => {
    const payload = JSON.parse(
      readFileSync(join(__dirname, '../../../samples/mobway.json'), 'utf8'),
    ) as unknown;
    const { records } = NORMALIZERS.mobway.normalize(payload, {
      source: 'mobway',
      receivedAt: new Date(),
    });
    expect(records).toHaveLength(10);
    for (const record of records)
      expect(serializeVehicle(record as never)).toBe(JSON.stringify(record));
  });

  it('leaves out a property left undefined, as JSON.stringify does', () => {
    const record = { ...aVehicleRecord(), event: undefined } as never;
    expect(serializeVehicle(record)).toBe(JSON.stringify(record));
  });
});

describe(serializeLocation.name, () => {
  it('writes what JSON.stringify writes, byte for byte, for any record of the contract’s shape', () => {
    fc.assert(
      fc.property(
        fc.record({
          eventId: text,
          source: text,
          deviceId: text,
          recordedAt: text,
          receivedAt: text,
          latitude: number,
          longitude: number,
          accuracyM: nullable(number),
          speedKph: nullable(number),
          headingDeg: nullable(number),
          altitudeM: nullable(number),
          batteryPct: nullable(number),
          attributes: freeObject,
        }),
        (fields) => {
          const record = aLocationRecord(fields);
          expect(serializeLocation(record)).toBe(JSON.stringify(record));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
