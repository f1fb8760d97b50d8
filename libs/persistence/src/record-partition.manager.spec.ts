import type { DataSource } from 'typeorm';
import { RecordPartitionManager } from './record-partition.manager';

const at = (iso: string): number => Date.parse(iso);
const DAY = 86_400_000;

interface Partition {
  name: string;
  lower: string | null;
  upper: string | null;
  detaching?: boolean;
}

/** a database holding `partitions` of table t: answers the catalog query, records every statement */
class FakeDatabase {
  readonly sent: string[] = [];
  connects = 0;

  constructor(readonly partitions: Partition[]) {}

  dataSource(): DataSource {
    return {
      query: (text: string) => this.answer(text),
      driver: {
        master: {
          connect: () => {
            this.connects++;
            return Promise.resolve({
              query: async (text: string) => ({ rows: await this.answer(text) }),
              on: () => undefined,
              off: () => undefined,
              release: () => undefined,
            });
          },
        },
      },
    } as unknown as DataSource;
  }

  private answer(text: string): Promise<Record<string, unknown>[]> {
    this.sent.push(text);
    if (text.includes('FROM pg_inherits'))
      return Promise.resolve(
        this.partitions.map((p) => ({
          name: p.name,
          lower: p.lower && String(at(p.lower)),
          upper: p.upper && String(at(p.upper)),
          detaching: p.detaching ?? false,
          is_default: false,
        })),
      );
    if (text.includes('reltuples')) return Promise.resolve([{ rows: 1200, bytes: 65536 }]);
    const attach = /ATTACH PARTITION (\w+) FOR VALUES FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(
      text,
    );
    if (attach)
      this.partitions.push({
        name: attach[1],
        lower: attach[2].replace(' ', 'T').replace('+00', 'Z'),
        upper: attach[3].replace(' ', 'T').replace('+00', 'Z'),
      });
    return Promise.resolve([]);
  }
}

const made = (db: FakeDatabase) =>
  db.sent.filter((s) => s.startsWith('CREATE TABLE') || s.includes('ATTACH'));

describe(RecordPartitionManager.name, () => {
  it('makes a missing partition under the table lock, created then attached, and after that knows it', async () => {
    const db = new FakeDatabase([]);
    const sut = new RecordPartitionManager(db.dataSource(), 'week');
    const now = Date.now();

    await sut.cover('t', [now, now + 1000]);
    await sut.cover('t', [now + 2000]);

    expect(made(db)).toHaveLength(2);
    expect(made(db)[0]).toMatch(/^CREATE TABLE t_p\d{8} \(LIKE t INCLUDING DEFAULTS/);
    expect(made(db)[1]).toMatch(/^ALTER TABLE t ATTACH PARTITION t_p\d{8} FOR VALUES FROM/);
    expect(db.sent.some((s) => s.includes('pg_advisory_xact_lock'))).toBe(true);
    // the second batch fell in a known partition: not even a connection
    expect(db.connects).toBe(1);
  });

  it('asks the catalog again once told to forget (a partition dropped elsewhere)', async () => {
    const db = new FakeDatabase([]);
    const sut = new RecordPartitionManager(db.dataSource(), 'day');
    await sut.cover('t', [Date.now()]);

    sut.forget('t');
    await sut.cover('t', [Date.now()]);

    expect(db.connects).toBe(2);
    expect(made(db)).toHaveLength(2);
  });

  it('detaches concurrently and drops only the partitions that end before the window, finishing an interrupted detach', async () => {
    const now = at('2026-12-03T10:00:00.000Z');
    const db = new FakeDatabase([
      { name: 't_p20190101', lower: '2019-01-01T00:00:00.000Z', upper: '2020-01-01T00:00:00.000Z' },
      {
        name: 't_p20261026',
        lower: '2026-10-26T00:00:00.000Z',
        upper: '2026-11-02T00:00:00.000Z',
        detaching: true,
      },
      // the cutoff (2026-11-03T10:00Z) falls inside: kept
      { name: 't_p20261102', lower: '2026-11-02T00:00:00.000Z', upper: '2026-11-09T00:00:00.000Z' },
      { name: 't_p20261130', lower: '2026-11-30T00:00:00.000Z', upper: '2026-12-07T00:00:00.000Z' },
    ]);
    const sut = new RecordPartitionManager(db.dataSource(), 'week');

    const outcome = await sut.dropExpired('t', 30, now);

    expect(outcome.cutoff).toBe(new Date(now - 30 * DAY).toISOString());
    expect(outcome.dropped).toEqual([
      {
        name: 't_p20190101',
        from: '2019-01-01T00:00:00.000Z',
        to: '2020-01-01T00:00:00.000Z',
        rows: 1200,
        bytes: 65536,
      },
      expect.objectContaining({ name: 't_p20261026' }),
    ]);
    expect(db.sent.filter((s) => /DETACH|DROP/.test(s))).toEqual([
      'ALTER TABLE t DETACH PARTITION t_p20190101 CONCURRENTLY',
      'DROP TABLE t_p20190101',
      'ALTER TABLE t DETACH PARTITION t_p20261026 FINALIZE',
      'DROP TABLE t_p20261026',
    ]);
    expect(db.sent.some((s) => /DELETE/.test(s))).toBe(false);
  });

  it('keeps everything when the retention is 0', async () => {
    const db = new FakeDatabase([
      { name: 't_p19700101', lower: '1970-01-01T00:00:00.000Z', upper: '1971-01-01T00:00:00.000Z' },
    ]);

    const outcome = await new RecordPartitionManager(db.dataSource()).dropExpired('t', 0);

    expect(outcome.dropped).toEqual([]);
    expect(db.sent).toEqual([]);
  });
});
