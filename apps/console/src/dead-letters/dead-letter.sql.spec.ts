import { encodeDeadLetterCursor, decodeDeadLetterCursor } from './dead-letter.cursor';
import { listQuery } from './dead-letter.sql';

describe(listQuery.name, () => {
  it('lists newest first, one row past the limit, without filters', () => {
    const { text, values } = listQuery({ limit: 100 });
    expect(text).toMatch(
      /^SELECT id, .* FROM dead_letters ORDER BY occurred_at DESC, id DESC LIMIT \$1$/,
    );
    expect(text).not.toMatch(/\bletter\b(?!s)/);
    expect(values).toEqual([101]);
  });

  it('puts every filter value in a parameter, never in the text', () => {
    const hostile = "x'; DROP TABLE dead_letters; --";
    const { text, values } = listQuery({
      source: hostile,
      stage: 'consume',
      reasonClass: 'out_of_range',
      q: '50%_off',
      entityId: hostile,
      redriveStatus: 'failed',
      from: '2025-03-01T00:00:00Z',
      to: '2025-03-02T00:00:00-03:00',
      after: { occurredAt: '2025-03-01T12:00:00.000Z', id: '42' },
      limit: 10,
    });
    expect(text).not.toContain('DROP');
    expect(text).not.toContain('50%');
    expect(text).toContain(
      'WHERE source = $1 AND stage = $2 AND reason_class = $3 AND entity_id = $4 AND redrive_status = $5 AND ' +
        "strpos(lower(array_to_string(reasons, E'\\n')), lower($6)) > 0 AND " +
        'occurred_at >= $7::timestamptz AND occurred_at < $8::timestamptz AND ' +
        '(occurred_at, id) < ($9::timestamptz, $10::bigint)',
    );
    expect(values).toEqual([
      hostile,
      'consume',
      'out_of_range',
      hostile,
      'failed',
      '50%_off',
      '2025-03-01T00:00:00Z',
      '2025-03-02T00:00:00-03:00',
      '2025-03-01T12:00:00.000Z',
      '42',
      11,
    ]);
  });

  it('asks for never re-driven letters without a parameter', () => {
    const { text, values } = listQuery({ redriveStatus: 'none', limit: 5 });
    expect(text).toContain('WHERE redrive_status IS NULL ORDER BY');
    expect(values).toEqual([6]);
  });
});

describe(decodeDeadLetterCursor.name, () => {
  it('reads back what encodeDeadLetterCursor wrote', () => {
    const position = { occurredAt: '2025-03-01T12:00:00.000Z', id: '9007199254740993' };
    expect(decodeDeadLetterCursor(encodeDeadLetterCursor(position))).toEqual(position);
  });

  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['not text', 42],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('[').toString('base64url')],
    ['not a pair', encode(['2025-03-01T12:00:00.000Z'])],
    ['a bad time', encode(['2025-02-30T12:00:00Z', '1'])],
    ['a bad id', encode(['2025-03-01T12:00:00.000Z', '0'])],
    ['an id as a number', encode(['2025-03-01T12:00:00.000Z', 1])],
    ['too long', 'A'.repeat(300)],
  ])('refuses %s', (_, cursor) => {
    expect(decodeDeadLetterCursor(cursor)).toBeUndefined();
  });
});
