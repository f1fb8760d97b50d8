import { aDeadLetter, aVehicleRecord } from '@app/contracts/testing';
import { toDeadLetterRow } from './dead-letter.row';

const KAFKA_TIME = '1764766800000'; // 2025-12-03T13:00:00.000Z
const message = (value: Buffer | string | null, offset = '7') => ({
  offset,
  timestamp: KAFKA_TIME,
  value: typeof value === 'string' ? Buffer.from(value) : value,
});

describe(toDeadLetterRow.name, () => {
  it('reads the filter columns from the letter and keeps its text as it came', () => {
    const letter = aDeadLetter({
      stage: 'consume',
      original: aVehicleRecord({ latitude: 123 }),
      topic: 'telemetry.vehicle.v1',
      partition: 2,
      offset: '41',
    });
    const json = JSON.stringify(letter);
    expect(toDeadLetterRow(1, message(json))).toEqual({
      kafkaPartition: 1,
      kafkaOffset: '7',
      schema: 'dead-letter/v1',
      stage: 'consume',
      source: 'mobway',
      reasons: ['latitude must not be greater than 90'],
      reasonClass: 'out_of_range',
      entityId: '9BWZZZ377VT004251',
      requestId: 'req-1',
      recordTopic: 'telemetry.vehicle.v1',
      occurredAt: new Date('2025-03-01T13:00:02.130Z'),
      receivedAt: new Date('2025-12-03T13:00:00.000Z'),
      letter: json,
    });
  });

  it('takes the Kafka time when the letter has no usable occurredAt, and null for what it lacks', () => {
    const row = toDeadLetterRow(
      0,
      message(
        JSON.stringify({ stage: 'ingest', reasons: ['x'], occurredAt: '0000-01-01T00:00:00.000Z' }),
      ),
    );
    expect(row).toMatchObject({
      schema: null,
      source: null,
      entityId: null,
      requestId: null,
      recordTopic: null,
      occurredAt: new Date('2025-12-03T13:00:00.000Z'),
    });
  });

  it('keeps U+0000 out of the text columns (the letter itself escapes it)', () => {
    const json = JSON.stringify(
      aDeadLetter({
        reasons: ['vin "a\u0000b" is not one'],
        entityId: 'a\u0000b',
        original: { v: '\u0000' },
      }),
    );
    const row = toDeadLetterRow(0, message(json));
    expect(row.reasons).toEqual(['vin "a\ufffdb" is not one']);
    expect(row.entityId).toBe('a\ufffdb');
    expect(row.letter).toBe(json);
    expect(row.letter).not.toContain('\0');
  });

  it('writes non-text reasons as JSON', () => {
    const row = toDeadLetterRow(0, message(JSON.stringify({ reasons: ['ok', 42, { a: 1 }] })));
    expect(row.reasons).toEqual(['ok', '42', '{"a":1}']);
  });

  it.each([
    [null, 'the message has no value'],
    [Buffer.from([0xff, 0xfe]), 'the message is not valid UTF-8'],
    ['{"reasons":', 'the message is not valid JSON'],
    ['[1,2]', 'the message is not a JSON object'],
    ['null', 'the message is not a JSON object'],
  ])('keeps a message that is no dead letter as a malformed one (%s)', (value, why) => {
    const row = toDeadLetterRow(2, message(value));
    expect(row).toMatchObject({
      kafkaPartition: 2,
      stage: null,
      reasons: [`not a dead letter: ${why}`],
      reasonClass: 'malformed',
      occurredAt: new Date('2025-12-03T13:00:00.000Z'),
    });
    expect(JSON.parse(row.letter)).toEqual({
      reasons: [`not a dead letter: ${why}`],
      originalBase64: value === null ? null : Buffer.from(value).toString('base64'),
    });
  });
});
