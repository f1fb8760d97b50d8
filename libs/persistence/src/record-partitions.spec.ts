import {
  aheadTimes,
  createPartitions,
  isMissingPartition,
  newPartitionRange,
  PartitionRange,
  partitionHolding,
  partitionName,
  spanAt,
} from './record-partitions';

const at = (iso: string): number => Date.parse(iso);
const range = (lower: string, upper: string, name = 't_p'): PartitionRange => ({
  name,
  lower: at(lower),
  upper: at(upper),
  detaching: false,
});
const NOW = at('2026-12-03T10:00:00.000Z');

describe(spanAt.name, () => {
  it.each([
    ['day', '2026-12-03T10:00:00.000Z', '2026-12-03', '2026-12-04'],
    // ISO weeks start on Monday; 2026-12-03 is a Thursday
    ['week', '2026-12-03T10:00:00.000Z', '2026-11-30', '2026-12-07'],
    ['week', '2026-11-30T00:00:00.000Z', '2026-11-30', '2026-12-07'],
    ['week', '2026-12-06T23:59:59.999Z', '2026-11-30', '2026-12-07'],
    ['week', '1970-01-01T00:00:00.000Z', '1969-12-29', '1970-01-05'],
    ['month', '2024-02-29T23:00:00.000Z', '2024-02-01', '2024-03-01'],
    ['month', '2026-12-31T23:59:59.999Z', '2026-12-01', '2027-01-01'],
    ['year', '2019-07-04T00:00:00.000Z', '2019-01-01', '2020-01-01'],
  ] as const)('%s holding %s: [%s, %s)', (span, time, from, to) => {
    expect(spanAt(at(time), span)).toEqual([at(from), at(to)]);
  });
});

describe(newPartitionRange.name, () => {
  it('takes the span of a reading near now', () => {
    expect(newPartitionRange('t', [], at('2026-12-03T10:00:00.000Z'), 'week', NOW)).toEqual(
      range('2026-11-30', '2026-12-07', 't_p20261130'),
    );
  });

  it('takes the calendar year of a reading more than a year away, so a broken clock makes few partitions', () => {
    expect(newPartitionRange('t', [], at('2019-07-04T00:00:00.000Z'), 'day', NOW)).toEqual(
      range('2019-01-01', '2020-01-01', 't_p20190101'),
    );
    expect(newPartitionRange('t', [], at('2031-07-04T00:00:00.000Z'), 'day', NOW).name).toBe(
      't_p20310101',
    );
  });

  it('stops where existing partitions begin and end, whatever span made them', () => {
    const existing = [range('2026-11-01', '2026-12-01'), range('2026-12-05', '2026-12-06')];

    expect(newPartitionRange('t', existing, at('2026-12-03T10:00:00.000Z'), 'week', NOW)).toEqual(
      range('2026-12-01', '2026-12-05', 't_p20261201'),
    );
    expect(newPartitionRange('t', existing, at('2025-06-01T00:00:00.000Z'), 'week', NOW).name).toBe(
      't_p20250101',
    );
    expect(newPartitionRange('t', existing, at('2025-12-09T00:00:00.000Z'), 'week', NOW)).toEqual(
      range('2025-12-08', '2025-12-15', 't_p20251208'),
    );
  });
});

describe(createPartitions.name, () => {
  it('creates each missing partition as a table, then attaches it; a name left taken by a detached table gets a suffix', async () => {
    const sent: string[] = [];
    const sql = (text: string): Promise<Record<string, unknown>[]> => {
      sent.push(text);
      if (text.includes('FROM pg_inherits')) return Promise.resolve([]);
      if (text.includes('relname LIKE')) return Promise.resolve([{ name: 't_p20261130' }]);
      return Promise.resolve([]);
    };

    const made = await createPartitions(
      sql,
      't',
      [
        at('2026-12-03T10:00:00.000Z'),
        at('2026-12-04T10:00:00.000Z'),
        at('2019-07-04T00:00:00.000Z'),
      ],
      'week',
      NOW,
    );

    expect(made.map((p) => p.name)).toEqual(['t_p20261130_2', 't_p20190101']);
    expect(sent.filter((text) => !text.startsWith('SELECT'))).toEqual([
      expect.stringMatching(
        /^CREATE TABLE t_p20261130_2 \(LIKE t INCLUDING DEFAULTS .*\) WITH \(autovacuum/,
      ),
      "ALTER TABLE t ATTACH PARTITION t_p20261130_2 FOR VALUES FROM ('2026-11-30 00:00:00+00') TO ('2026-12-07 00:00:00+00')",
      expect.stringMatching(/^CREATE TABLE t_p20190101 /),
      "ALTER TABLE t ATTACH PARTITION t_p20190101 FOR VALUES FROM ('2019-01-01 00:00:00+00') TO ('2020-01-01 00:00:00+00')",
    ]);
  });

  it('writes the end of year 9999 as PostgreSQL reads it', async () => {
    const sent: string[] = [];
    await createPartitions(
      (text) => (sent.push(text), Promise.resolve([])),
      't',
      [at('9999-12-31T23:59:59.999Z')],
      'week',
      NOW,
    );
    expect(sent).toContainEqual(
      "ALTER TABLE t ATTACH PARTITION t_p99990101 FOR VALUES FROM ('9999-01-01 00:00:00+00') TO ('10000-01-01 00:00:00+00')",
    );
  });
});

describe(partitionHolding.name, () => {
  it('finds the partition whose [lower, upper) holds the time, not one being detached', () => {
    const partitions = [
      range('2026-11-30', '2026-12-07', 'a'),
      { ...range('2026-11-23', '2026-11-30', 'b'), detaching: true },
    ];

    expect(partitionHolding(partitions, at('2026-11-30T00:00:00.000Z'))?.name).toBe('a');
    expect(partitionHolding(partitions, at('2026-12-07T00:00:00.000Z'))).toBeUndefined();
    expect(partitionHolding(partitions, at('2026-11-25T00:00:00.000Z'))).toBeUndefined();
  });
});

describe(aheadTimes.name, () => {
  it('names a time in the span holding now and in each of the two after it', () => {
    expect(aheadTimes(NOW, 'week').map((t) => spanAt(t, 'week')[0])).toEqual([
      at('2026-11-30'),
      at('2026-12-07'),
      at('2026-12-14'),
    ]);
  });
});

describe(partitionName.name, () => {
  it('is the table and the first day, padded', () => {
    expect(partitionName('device_location', at('0999-01-01'))).toBe('device_location_p09990101');
  });
});

describe(isMissingPartition.name, () => {
  it("is PostgreSQL's check violation for a row no partition takes, not any other", () => {
    const error = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(isMissingPartition(error('23514', 'no partition of relation "t" found for row'))).toBe(
      true,
    );
    expect(isMissingPartition(error('23514', 'new row violates check constraint'))).toBe(false);
    expect(isMissingPartition(new Error('no partition'))).toBe(false);
    expect(isMissingPartition(undefined)).toBe(false);
  });
});
