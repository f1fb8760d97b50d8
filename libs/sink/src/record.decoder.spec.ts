import { checkLocation, checkVehicle, DeviceLocationV1, VehicleTelemetryV1 } from '@app/contracts';
import { aLocationRecord, aVehicleRecord } from '@app/contracts/testing';
import { decodeRecord } from './record.decoder';

const bytes = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe(decodeRecord.name, () => {
  const sut = (value: Buffer | null) =>
    decodeRecord<VehicleTelemetryV1>(value, checkVehicle, 'vin');

  it('returns a record that passes the contract as parsed', () => {
    const record = aVehicleRecord();

    expect(sut(bytes(record))).toEqual({ record: { ...record } });
  });

  it('checks with the contract it is given', () => {
    const record = aLocationRecord();

    expect(decodeRecord<DeviceLocationV1>(bytes(record), checkLocation, 'deviceId')).toEqual({
      record: { ...record },
    });
    expect(sut(bytes(record)).rejected?.reasons).toContain("schema must be 'vehicle-telemetry/v1'");
  });

  it.each([
    ['no value', null, { reasons: ['message has no value'], source: null }],
    [
      'bytes that are not UTF-8',
      Buffer.from([0x7b, 0xc3, 0x28, 0x7d]),
      { reasons: ['message is not valid UTF-8'], source: null, originalBase64: 'e8MofQ==' },
    ],
    [
      'text that is not JSON',
      bytes('garbage'),
      {
        reasons: [expect.stringMatching(/^message is not valid JSON: /)],
        source: null,
        originalBase64: 'Z2FyYmFnZQ==',
      },
    ],
    [
      'JSON null',
      bytes('null'),
      { reasons: ['message is not a JSON object'], source: null, original: null },
    ],
    [
      'a JSON array',
      bytes('[]'),
      { reasons: ['message is not a JSON object'], source: null, original: [] },
    ],
    [
      'a JSON string',
      bytes('"x"'),
      { reasons: ['message is not a JSON object'], source: null, original: 'x' },
    ],
  ])('rejects %s', (_case, value, rejected) => {
    expect(sut(value)).toEqual({ rejected });
  });

  it('rejects a record that breaks the contract with every reason, its source and entity, and the parsed original', () => {
    const record = { ...aVehicleRecord({ latitude: 123 }), speedKph: 'fast', extra: 1 };

    expect(sut(bytes(record))).toEqual({
      rejected: {
        reasons: [
          'property extra should not exist',
          'latitude must not be greater than 90',
          'speedKph must be a finite number or null',
        ],
        source: 'mobway',
        entityId: '9BWZZZ377VT004251',
        original: record,
      },
    });
  });

  it('leaves source and entity out when they are not strings', () => {
    const record = { ...aVehicleRecord(), source: 7, vin: null };

    expect(sut(bytes(record)).rejected).toEqual(expect.objectContaining({ source: null }));
    expect(sut(bytes(record)).rejected).not.toHaveProperty('entityId');
  });

  it('sets a message aside when the check itself throws', () => {
    const throwing = () => {
      throw new Error('boom');
    };

    expect(decodeRecord(bytes({ a: 1 }), throwing, 'a' as never)).toEqual({
      rejected: { reasons: ['contract check failed: boom'], source: null, original: { a: 1 } },
    });
  });
});
