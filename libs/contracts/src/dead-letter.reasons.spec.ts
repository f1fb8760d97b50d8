import { reasonClass, REASON_CLASSES, ReasonClass } from './dead-letter.reasons';
import { checkLocation, checkVehicle } from './record.checks';
import { aLocationRecord, aVehicleRecord } from './testing';

describe(reasonClass.name, () => {
  // the wording of the normalizers, the contract checks, the sink's decoder and the publishers
  it.each<[string, ReasonClass]>([
    ['message is not valid JSON: Unexpected token g', 'malformed'],
    ['message is not valid UTF-8', 'malformed'],
    ['message is not a JSON object', 'malformed'],
    ['message has no value', 'malformed'],
    ['mobway payload must be an object keyed by VIN, got an array', 'malformed'],
    ['reading must be an object, got a number', 'malformed'],
    ['contract check failed: boom', 'malformed'],
    [
      'telemetry.vehicle.v1 record of 3000000 bytes is larger than one produce request may be (PUBLISH_MAX_BATCH_BYTES=2097152); the reading is in the request body',
      'too_large',
    ],
    ['12 reading(s) past MAX_READINGS_PER_REQUEST (10) were not processed', 'too_large'],
    [
      'rejected by PostgreSQL: unsupported Unicode escape sequence (SQLSTATE 22P05)',
      'database_rejected',
    ],
    [
      'attributes must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them',
      'unstorable_text',
    ],
    ['vin missing: the reading has none and is not keyed by one', 'missing_field'],
    ['latitude missing: none of latitude, lat', 'missing_field'],
    ['position.fixTime missing (and no deviceTime)', 'missing_field'],
    ['vin must be 17 characters of the VIN alphabet (no I, O, Q)', 'invalid_id'],
    ['vin "9BWZZZ377VT004251" does not match its key "9BWZZZ377VT004252"', 'invalid_id'],
    ['eventId must be a UUID (version 5)', 'invalid_id'],
    ["date_time '2025-13-01 10:00:00' is not a valid 'yyyy-mm-dd hh:mm:ss' time", 'invalid_time'],
    [
      'recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z',
      'invalid_time',
    ],
    ['latitude must not be greater than 90', 'out_of_range'],
    ['speedKph must not be less than 0', 'out_of_range'],
    ['flag must be an object, got a number', 'invalid_value'],
    ['speed_kph must be a finite number or a numeric string, got a string', 'invalid_value'],
    ["schema must be 'vehicle-telemetry/v1'", 'invalid_value'],
    ['property extra should not exist', 'unknown_field'],
    ['something nobody wrote yet', 'other'],
  ])('%s → %s', (reason, expected) => {
    expect(reasonClass([reason])).toBe(expected);
  });

  it('classifies what the contract checks say of real records', () => {
    expect(reasonClass(checkVehicle(aVehicleRecord({ latitude: 123 })))).toBe('out_of_range');
    expect(reasonClass(checkVehicle(aVehicleRecord({ vin: 'short' })))).toBe('invalid_id');
    expect(reasonClass(checkLocation(aLocationRecord({ recordedAt: 'yesterday' })))).toBe(
      'invalid_time',
    );
  });

  it('takes the earliest class of REASON_CLASSES among several reasons', () => {
    expect(
      reasonClass(['property extra should not exist', 'latitude must not be greater than 90']),
    ).toBe('out_of_range');
    expect(
      reasonClass(['latitude must not be greater than 90', 'vin missing: the reading has none']),
    ).toBe('missing_field');
  });

  it("ignores the original-omitted note, a replay's prefix and what is not text", () => {
    expect(
      reasonClass([
        'latitude must not be greater than 90',
        'original omitted: its 300000-byte dead letter exceeds 262144 bytes; read it at telemetry.vehicle.v1[0] offset 7',
      ]),
    ).toBe('out_of_range');
    expect(reasonClass(['replay 4f1c: vin missing: the reading has none'])).toBe('missing_field');
    expect(reasonClass([])).toBe('other');
    expect(reasonClass([42, null, { reason: 'x' }])).toBe('other');
  });

  it('answers only names from REASON_CLASSES, lowercase with underscores (metric labels)', () => {
    for (const name of REASON_CLASSES) expect(name).toMatch(/^[a-z_]+$/);
  });
});
