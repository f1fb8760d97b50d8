import { aDeadLetter, aLocationRecord, aVehicleRecord } from '@app/contracts/testing';
import type { DeadLetterV1 } from '@app/contracts';
import { recordMessageOf } from './record.republisher';

const CONTEXT = { requestId: 'redrive-req' };
const letterOf = (overrides: Partial<DeadLetterV1>) => ({
  id: '1',
  kafka: { partition: 0, offset: '3' },
  letter: aDeadLetter({ stage: 'consume', requestId: undefined, ...overrides }),
});

describe(recordMessageOf.name, () => {
  it("re-publishes a vehicle record as the gateway wrote it: keyed by VIN, the gateway's headers", () => {
    const record = aVehicleRecord({ latitude: 12.5 });
    expect(
      recordMessageOf(
        letterOf({ original: record, topic: 'telemetry.vehicle.v1', requestId: 'req-9' }),
        CONTEXT,
      ),
    ).toEqual({
      topic: 'telemetry.vehicle.v1',
      message: {
        key: record.vin,
        value: JSON.stringify(record),
        headers: {
          schema: 'vehicle-telemetry/v1',
          'event-id': record.eventId,
          'request-id': 'req-9',
        },
      },
    });
  });

  it("keys a location by device id, and names the re-drive's request when the letter has none", () => {
    const record = aLocationRecord();
    expect(recordMessageOf(letterOf({ original: record }), CONTEXT)).toMatchObject({
      topic: 'telemetry.location.v1',
      message: { key: record.deviceId, headers: { 'request-id': 'redrive-req' } },
    });
  });

  it('keeps the original as it is, fields the contract does not know included', () => {
    const record = { ...aVehicleRecord(), extra: { nested: true } };
    const message = recordMessageOf(letterOf({ original: record }), CONTEXT);
    expect('message' in message && JSON.parse(String(message.message.value))).toEqual(record);
  });

  it.each<[string, Partial<DeadLetterV1>, RegExp]>([
    [
      'an ingest-stage letter',
      { stage: 'ingest', original: aVehicleRecord() },
      /not a consume-stage/,
    ],
    ['no original', { original: undefined }, /holds no original/],
    ['bytes only', { original: undefined, originalBase64: 'AAE=' }, /not JSON \(originalBase64\)/],
    ['an array', { original: [aVehicleRecord()] }, /holds no original/],
    ['no schema', { original: { vin: '9BWZZZ377VT004251' } }, /not a record: its schema is unset/],
    ['a foreign schema', { original: { schema: 'x/v9' } }, /not a record: its schema is "x\/v9"/],
    [
      'a record from the other topic',
      { original: aVehicleRecord(), topic: 'telemetry.location.v1' },
      /but it was read from telemetry.location.v1/,
    ],
    ['no key', { original: aVehicleRecord({ vin: '' }) }, /no vin to key it by/],
    ['no event id', { original: { ...aVehicleRecord(), eventId: 7 } }, /no eventId/],
  ])('fails %s, saying why', (_, overrides, why) => {
    const outcome = recordMessageOf(letterOf(overrides), CONTEXT);
    expect(outcome).toMatchObject({ status: 'failed' });
    expect('outcome' in outcome && outcome.outcome).toMatch(why);
  });
});
