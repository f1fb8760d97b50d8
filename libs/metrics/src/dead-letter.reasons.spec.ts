import { DEAD_LETTER_REASON_CLASSES, deadLetterReasonClass } from './dead-letter.reasons';

describe(deadLetterReasonClass.name, () => {
  it.each([
    ['body is not valid JSON: Unexpected token } in JSON at position 3', 'not-json'],
    ['message is not valid JSON: Unexpected end of JSON input', 'not-json'],
    ['message is not valid UTF-8', 'not-json'],
    ['message has no value', 'not-json'],
    ['message is not a JSON object', 'not-json'],
    ['3 reading(s) past MAX_READINGS_PER_REQUEST (10000) were not processed', 'too-large'],
    ['vehicle record of 3000000 bytes is larger than one produce request may be', 'too-large'],
    [
      'Kafka refused the records: INVALID_RECORD; the request was not stored (the first parts…)',
      'kafka-refused',
    ],
    ['rejected by PostgreSQL: invalid byte sequence (SQLSTATE 22021)', 'database-rejected'],
    ['mobway payload must be an object keyed by VIN, got an array', 'bad-payload'],
    ['reading must be an object, got a string', 'bad-payload'],
    ['location must be an object, got a number', 'bad-payload'],
    ['latitude must not be greater than 90', 'invalid-field'],
    ['vin missing: the reading has none and is not keyed by one', 'invalid-field'],
    ['vin "X" does not match its key "Y"', 'invalid-field'],
    [
      'date_time "2025-02-30 10:00:00" is not a valid \'yyyy-mm-dd hh:mm:ss\' time',
      'invalid-field',
    ],
    ['contract check failed: boom', 'invalid-field'],
    ['replay 7f3e: latitude must not be greater than 90', 'invalid-field'],
    ['replay 7f3e: body is not valid JSON: oops', 'not-json'],
    ['something nobody foresaw', 'other'],
  ])('%j → %s', (reason, expected) => {
    expect(deadLetterReasonClass([reason])).toBe(expected);
  });

  it('classifies by the first reason, and has a class for none at all', () => {
    expect(
      deadLetterReasonClass(['latitude must not be greater than 90', 'message has no value']),
    ).toBe('invalid-field');
    expect(deadLetterReasonClass([])).toBe('other');
  });

  it('never answers outside its bounded set, whatever the text', () => {
    for (const reason of ['', '{"a":1}', 'x'.repeat(10_000), '\u0000\n"', 'must'])
      expect(DEAD_LETTER_REASON_CLASSES).toContain(deadLetterReasonClass([reason]));
  });
});
