import { BadRequestException, NotFoundException, StreamableFile } from '@nestjs/common';
import { VEHICLE_SCHEMA, VehicleTelemetryV1 } from '@app/contracts';
import { VEHICLE_TABLE } from '@app/persistence';
import { ChangesQueryDto } from './dto/changes-query.dto';
import { EntityListQueryDto } from './dto/entity-list-query.dto';
import { GapsQueryDto } from './dto/gaps-query.dto';
import { RangeQueryDto } from './dto/range-query.dto';
import { RecordRow } from './record.mapper';
import { decodeEntityCursor, decodeRangeCursor, encodeRangeCursor } from './record-cursor';
import { defineRecordQuery } from './record-query.definition';
import { RecordQueryRepository } from './record-query.repository';
import { RecordQueryService, STREAM_PAGE } from './record-query.service';

const definition = defineRecordQuery(VEHICLE_TABLE, VEHICLE_SCHEMA, 'vin');
const eventId = (n: number): string => `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`;

function aRow(n: number): RecordRow {
  // as the repository reads rows: column text, times in UTC to the microsecond, seq first
  const at = new Date(Date.UTC(2025, 2, 1) + n * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace('.000Z', `.${String(n).padStart(6, '0')}`);
  const texts: Record<string, string> = {
    seq: String(n),
    event_id: eventId(n),
    vin: 'V',
    recorded_at: at,
    received_at: at,
    flags: '{}',
    attributes: '{}',
  };
  return ['seq', ...VEHICLE_TABLE.columns.map((c) => c.column)].map(
    (column) => texts[column] ?? null,
  );
}

const seqOf = (row: RecordRow): bigint => BigInt(row[0]!);
const eventIdOf = (row: RecordRow): string | null =>
  row[1 + VEHICLE_TABLE.columns.findIndex((c) => c.column === 'event_id')];

/** the range cursor position of aRow(n): its time to the microsecond */
function cursorAt(n: number): string {
  return `${new Date(Date.UTC(2025, 2, 1) + n * 1000).toISOString().slice(0, 20)}${String(n).padStart(6, '0')}Z`;
}

function hand(rows: RecordRow[], each: (row: RecordRow) => void): number {
  rows.forEach(each);
  return rows.length;
}

/** an in-memory table of rows 1..n, answering like the repository */
class FakeRepository {
  rows: RecordRow[] = [];
  calls: string[] = [];
  /** runs before each range read, e.g. to store a row between two passes */
  beforeRange: () => void = () => undefined;

  range(
    _entity: string,
    bounds: { after?: { eventId: string } },
    limit: number,
    each: (row: RecordRow) => void,
  ): Promise<number> {
    this.beforeRange();
    this.calls.push(`range ${bounds.after?.eventId ?? '-'} ${limit}`);
    const start = bounds.after
      ? this.rows.findIndex((r) => eventIdOf(r) === bounds.after!.eventId) + 1
      : 0;
    return Promise.resolve(hand(this.rows.slice(start, start + limit), each));
  }
  changes(
    after: string,
    limit: number,
    each: (row: RecordRow) => void,
    upTo?: string,
  ): Promise<number> {
    this.calls.push(`changes ${after} ${limit} ${upTo ?? '-'}`);
    return Promise.resolve(
      hand(
        this.rows
          .filter(
            (r) => seqOf(r) > BigInt(after) && (upTo === undefined || seqOf(r) <= BigInt(upTo)),
          )
          .slice(0, limit),
        each,
      ),
    );
  }
  lastSeq(): Promise<string> {
    return Promise.resolve(
      this.rows.length > 0 ? String(seqOf(this.rows[this.rows.length - 1])) : '0',
    );
  }
  latest(): Promise<RecordRow | undefined> {
    return Promise.resolve(this.rows[this.rows.length - 1]);
  }
  entities(after: string | undefined, limit: number) {
    const all = ['A', 'B', 'C'].filter((e) => after === undefined || e > after);
    return Promise.resolve(
      all.slice(0, limit).map((entity) => ({
        entity,
        first_at: new Date(0),
        last_at: new Date(1000),
        records: '2',
      })),
    );
  }
  gaps(...args: unknown[]) {
    this.calls.push(`gaps ${JSON.stringify(args)}`);
    return Promise.resolve([]);
  }
}

const query = <T extends object>(type: new () => T, values: Partial<T> = {}): T =>
  Object.assign(new type(), values);

async function text(file: StreamableFile): Promise<string> {
  let all = '';
  for await (const chunk of file.getStream()) all += String(chunk);
  return all;
}

async function lines(file: StreamableFile): Promise<Record<string, unknown>[]> {
  return (await text(file))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** a JSON page as a client reads it, checked to be sized and typed as JSON */
async function json<T>(response: Promise<StreamableFile>): Promise<T> {
  const file = await response;
  const body = await text(file);
  expect(file.getHeaders()).toMatchObject({
    type: 'application/json; charset=utf-8',
    length: Buffer.byteLength(body),
  });
  return JSON.parse(body) as T;
}

describe(RecordQueryService.name, () => {
  let repository: FakeRepository;
  let sut: RecordQueryService<VehicleTelemetryV1, 'vin'>;

  beforeEach(() => {
    repository = new FakeRepository();
    sut = new RecordQueryService(repository as unknown as RecordQueryRepository, definition);
  });

  describe('range', () => {
    it('pages with limit + 1 and a cursor at the last row; null when exhausted', async () => {
      repository.rows = [1, 2, 3, 4, 5].map(aRow);
      const first = await json<{ items: VehicleTelemetryV1[]; nextCursor: string }>(
        sut.range('V', query(RangeQueryDto, { limit: 2 }), 'json'),
      );
      expect(first.items.map((r) => r.eventId)).toEqual([eventId(1), eventId(2)]);
      expect(decodeRangeCursor(first.nextCursor)).toEqual({
        recordedAt: cursorAt(2),
        eventId: eventId(2),
      });
      expect(repository.calls).toEqual(['range - 3']);
      const last = await json<{ items: VehicleTelemetryV1[]; nextCursor: null }>(
        sut.range('V', query(RangeQueryDto, { limit: 3, cursor: first.nextCursor }), 'json'),
      );
      expect(last.items.map((r) => r.eventId)).toEqual([eventId(3), eventId(4), eventId(5)]);
      expect(last.nextCursor).toBeNull();
    });

    it('streams every row in keyset pages when asked for NDJSON, whatever the limit', async () => {
      repository.rows = Array.from({ length: STREAM_PAGE * 2 + 1 }, (_, i) => aRow(i + 1));
      const file = await sut.range('V', query(RangeQueryDto, { limit: 1 }), 'ndjson');
      const items = await lines(file);
      expect(items).toHaveLength(STREAM_PAGE * 2 + 1);
      expect(items[STREAM_PAGE]).toMatchObject({
        schema: VEHICLE_SCHEMA,
        eventId: eventId(STREAM_PAGE + 1),
      });
      expect(repository.calls).toEqual([
        `range - ${STREAM_PAGE}`,
        `range ${eventId(STREAM_PAGE)} ${STREAM_PAGE}`,
        `range ${eventId(2 * STREAM_PAGE)} ${STREAM_PAGE}`,
      ]);
    });

    it('streams a CSV file over keyset pages: the header with the first page, a chunk per page, as an attachment', async () => {
      repository.rows = Array.from({ length: STREAM_PAGE * 2 + 1 }, (_, i) => aRow(i + 1));
      const file = await sut.range('V', query(RangeQueryDto, { limit: 1 }), 'csv');
      expect(file.getHeaders()).toEqual({
        type: 'text/csv; charset=utf-8; header=present',
        disposition: 'attachment; filename="V.csv"',
      });
      const chunks: string[] = [];
      for await (const chunk of file.getStream()) chunks.push(String(chunk));
      expect(chunks).toHaveLength(3);
      expect(chunks[0]).toMatch(/^eventId,source,vin,recordedAt,/);
      const lines = chunks.join('').split('\r\n');
      expect(lines).toHaveLength(1 + STREAM_PAGE * 2 + 1 + 1);
      expect(lines[STREAM_PAGE + 1]).toMatch(new RegExp(`^${eventId(STREAM_PAGE + 1)},`));
      expect(lines.at(-1)).toBe('');
      expect(repository.calls).toHaveLength(3);
    });

    it('reads the range twice for GeoJSON, both passes up to the seq stored when it started', async () => {
      repository.rows = [1, 2, 3].map(aRow);
      let reads = 0;
      // a reading arrives between the line's pass and the points' pass
      repository.beforeRange = () => {
        if (++reads === 2) repository.rows.push(aRow(4));
      };
      const file = await sut.range('V', query(RangeQueryDto), 'geojson');
      expect(file.getHeaders()).toMatchObject({ type: 'application/geo+json' });
      const collection = JSON.parse(await text(file)) as {
        features: { id?: string; properties: Record<string, unknown> }[];
      };
      expect(collection.features[0].properties).toEqual({ vin: 'V', positions: 0 });
      expect(collection.features.slice(1).map((f) => f.id)).toEqual([1, 2, 3].map(eventId));
      expect(repository.calls).toEqual(['range - 1000', 'range - 1000']);
    });

    it.each(['csv', 'geojson', 'gpx'] as const)(
      'rejects a %s request whose first read fails, before any byte is sent',
      async (format) => {
        repository.beforeRange = () => {
          throw new Error('connection refused');
        };
        await expect(sut.range('V', query(RangeQueryDto), format)).rejects.toThrow(
          'connection refused',
        );
      },
    );

    it('refuses a cursor it did not hand out, even when called without the DTO check', async () => {
      await expect(
        sut.range('V', query(RangeQueryDto, { cursor: 'nope' }), 'json'),
      ).rejects.toThrow(BadRequestException);
    });
  });

  describe('changes', () => {
    it('returns rows after the cursor with their seq, and keeps the cursor when nothing is new', async () => {
      repository.rows = [1, 2, 3].map(aRow);
      const page = await json<{ items: { seq: string }[]; nextCursor: string; hasMore: boolean }>(
        sut.changes(query(ChangesQueryDto, { after: '1', limit: 1 }), { ndjson: false }),
      );
      expect(page.items.map((r) => r.seq)).toEqual(['2']);
      expect(page).toMatchObject({ nextCursor: '2', hasMore: true });
      expect(
        await json(sut.changes(query(ChangesQueryDto, { after: '3' }), { ndjson: false })),
      ).toEqual({ items: [], nextCursor: '3', hasMore: false });
    });

    it('long-polls: answers as soon as a row arrives', async () => {
      setTimeout(() => repository.rows.push(aRow(1)), 300);
      const started = Date.now();
      const page = await json<{ items: unknown[] }>(
        sut.changes(query(ChangesQueryDto, { waitSeconds: 5 }), { ndjson: false }),
      );
      expect(page.items).toHaveLength(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(Date.now() - started).toBeLessThan(1000);
    });

    it('long-polls: gives up at the deadline, or when the client leaves', async () => {
      let started = Date.now();
      expect(
        await json(sut.changes(query(ChangesQueryDto, { waitSeconds: 1 }), { ndjson: false })),
      ).toEqual({ items: [], nextCursor: '0', hasMore: false });
      expect(Date.now() - started).toBeGreaterThanOrEqual(990);
      const client = new AbortController();
      setTimeout(() => client.abort(), 100);
      started = Date.now();
      await sut.changes(query(ChangesQueryDto, { waitSeconds: 30 }), {
        ndjson: false,
        signal: client.signal,
      });
      expect(Date.now() - started).toBeLessThan(500);
    });

    it('streams NDJSON up to the newest seq seen when the stream started', async () => {
      repository.rows = Array.from({ length: STREAM_PAGE + 5 }, (_, i) => aRow(i + 1));
      const file = await sut.changes(query(ChangesQueryDto, { after: '2', limit: 1 }), {
        ndjson: true,
      });
      const items = await lines(file);
      expect(items.map((r) => r.seq)).toEqual(
        Array.from({ length: STREAM_PAGE + 3 }, (_, i) => String(i + 3)),
      );
      expect(repository.calls).toEqual([
        `changes 2 ${STREAM_PAGE} -`,
        `changes ${STREAM_PAGE + 2} ${STREAM_PAGE} ${STREAM_PAGE + 5}`,
      ]);
    });
  });

  it('lists entities a page at a time', async () => {
    const page = await sut.entities(query(EntityListQueryDto, { limit: 2 }));
    expect(page.items.map((s) => s.vin)).toEqual(['A', 'B']);
    expect(decodeEntityCursor(page.nextCursor)).toBe('B');
    expect(
      (await sut.entities(query(EntityListQueryDto, { limit: 2, cursor: page.nextCursor! })))
        .nextCursor,
    ).toBeNull();
  });

  it('answers 404 for the latest of an unknown entity', async () => {
    await expect(sut.latest('V')).rejects.toThrow(NotFoundException);
  });

  describe('gaps', () => {
    it('defaults to the 24 hours before now', async () => {
      const before = Date.now();
      const report = await sut.gaps('V', query(GapsQueryDto));
      expect(Date.parse(report.to)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(report.to) - Date.parse(report.from)).toBe(24 * 3_600_000);
      expect(report).toMatchObject({ minGapSeconds: 300, gaps: [], truncated: false });
    });

    it('refuses a lone from in the future, and windows over 31 days', async () => {
      await expect(
        sut.gaps('V', query(GapsQueryDto, { from: '2999-01-01T00:00:00Z' })),
      ).rejects.toThrow('Bad Request');
      await expect(
        sut.gaps(
          'V',
          query(GapsQueryDto, { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:01Z' }),
        ),
      ).rejects.toThrow(BadRequestException);
    });
  });

  it('starts a range page exactly after the cursor it handed out', async () => {
    repository.rows = [1, 2, 3].map(aRow);
    const cursor = encodeRangeCursor({ recordedAt: cursorAt(1), eventId: eventId(1) });
    const page = await json<{ items: VehicleTelemetryV1[] }>(
      sut.range('V', query(RangeQueryDto, { cursor }), 'json'),
    );
    expect(page.items.map((r) => r.eventId)).toEqual([eventId(2), eventId(3)]);
  });
});
