import {
  BadRequestException,
  Inject,
  Injectable,
  NotFoundException,
  StreamableFile,
} from '@nestjs/common';
import { ChangesQueryDto } from './dto/changes-query.dto';
import { EntityListQueryDto } from './dto/entity-list-query.dto';
import { GAPS, GapsQueryDto } from './dto/gaps-query.dto';
import { EntityPage, GapReportDto } from './dto/pages.dto';
import { MIN_INSTANT, parseOffsetTimestamp } from './dto/query.validators';
import { RangeQueryDto } from './dto/range-query.dto';
import { JsonBody } from './json-body';
import { ndjsonPage, ndjsonResponse, streamedResponse } from './ndjson';
import { attachmentOf, RANGE_FORMATS, RangeFileFormat, RangeFormat } from './range-format';
import { EntitySummary, RecordMapper, RecordRow } from './record.mapper';
import { RecordCsvWriter } from './record-csv.writer';
import { RangeFileEncoder, RangeFileWriter } from './record-file.writer';
import { RecordGeoJsonWriter } from './record-geojson.writer';
import { RecordGpxWriter } from './record-gpx.writer';
import { RecordItemWriter } from './record-item.writer';
import {
  decodeEntityCursor,
  decodeRangeCursor,
  encodeEntityCursor,
  encodeRangeCursor,
  RangePosition,
} from './record-cursor';
import {
  QueryableRecord,
  RECORD_QUERY_DEFINITION,
  RecordQueryDefinition,
} from './record-query.definition';
import { RecordQueryRepository, RowSink } from './record-query.repository';
import { RangeBounds } from './record-query.sql';

/** keyset page size of bulk reads (NDJSON, files, /vehicle-data): memory stays at one page whatever the total */
export const STREAM_PAGE = 1000;
/** how often a long-poll looks for new rows */
export const POLL_INTERVAL_MS = 100;

export interface ResponseFormat {
  /** stream newline-delimited JSON without the page limit */
  ndjson: boolean;
  /** aborts a long-poll when the client goes away */
  signal?: AbortSignal;
}

/** the query API of one record contract: pages, streams, long-polls and gaps, as contract-shaped records */
@Injectable()
export class RecordQueryService<
  R extends QueryableRecord = QueryableRecord,
  E extends string = string,
> {
  private readonly mapper: RecordMapper<R, E>;
  private readonly writer: RecordItemWriter<R>;
  private readonly files: Record<RangeFileFormat, RangeFileWriter>;

  constructor(
    private readonly repository: RecordQueryRepository,
    @Inject(RECORD_QUERY_DEFINITION) private readonly definition: RecordQueryDefinition<R, E>,
  ) {
    this.mapper = new RecordMapper(definition);
    this.writer = new RecordItemWriter(definition);
    this.files = {
      csv: new RecordCsvWriter(definition),
      geojson: new RecordGeoJsonWriter(definition),
      gpx: new RecordGpxWriter(definition),
    };
  }

  async entities(query: EntityListQueryDto): Promise<EntityPage<EntitySummary<E>>> {
    const after =
      query.cursor === undefined ? undefined : required(decodeEntityCursor(query.cursor), 'cursor');
    const rows = await this.repository.entities(after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((row) => this.mapper.toSummary(row)),
      nextCursor:
        rows.length > query.limit ? encodeEntityCursor(page[page.length - 1].entity) : null,
    };
  }

  async latest(entity: string): Promise<R> {
    const row = await this.repository.latest(entity);
    if (!row) throw new NotFoundException(`no records for ${this.definition.entityKey} ${entity}`);
    return this.mapper.toRecord(row);
  }

  /**
   * A RecordPage as JSON text: each row is written as an item the moment pg reads it (see
   * JsonBody, RecordItemWriter), so a page costs the heap one row at a time. NDJSON and the files
   * (CSV, GeoJSON, GPX) hold the whole range, streamed a keyset page at a time.
   */
  async range(entity: string, query: RangeQueryDto, format: RangeFormat): Promise<StreamableFile> {
    const bounds: RangeBounds = {
      from: query.from,
      to: query.to,
      after:
        query.cursor === undefined
          ? undefined
          : required(decodeRangeCursor(query.cursor), 'cursor'),
    };
    if (format !== 'json' && format !== 'ndjson')
      return streamedResponse(
        this.filePages(entity, bounds, this.files[format].open(entity)),
        RANGE_FORMATS[format].contentType,
        attachmentOf(entity, format),
      );
    if (format === 'ndjson')
      return ndjsonResponse(
        this.keysetPages(
          entity,
          bounds,
          () => ndjsonPage(STREAM_PAGE),
          (page, row) => this.writer.record(page, row),
        ),
      );
    const body = new JsonBody('{"items":[', query.limit);
    let last: RangePosition | undefined;
    const rows = await this.repository.range(entity, bounds, query.limit + 1, (row) => {
      // the extra row only tells that there is more
      if (body.items === query.limit) return;
      this.writer.record(body, row);
      if (body.items === query.limit) last = this.mapper.positionOf(row);
    });
    const nextCursor = rows > query.limit ? encodeRangeCursor(last!) : null;
    return body.end(`],"nextCursor":${JSON.stringify(nextCursor)}}`);
  }

  /** every record of the range, a keyset page at a time, for readers that want them all */
  pages(entity: string, bounds: RangeBounds): AsyncGenerator<R[]> {
    return this.keysetPages(
      entity,
      bounds,
      (): R[] => [],
      (page, row) => page.push(this.mapper.toRecord(row)),
    );
  }

  /** a ChangesPage as JSON text, written row by row as range() does */
  async changes(query: ChangesQueryDto, format: ResponseFormat): Promise<StreamableFile> {
    if (format.ndjson)
      return ndjsonResponse(this.changePages(query.after, query.waitSeconds, format.signal));
    const body = new JsonBody('{"items":[', query.limit);
    let nextCursor = query.after;
    const rows = await this.waitForChanges(
      query.after,
      query.limit + 1,
      query.waitSeconds,
      format.signal,
      (row) => {
        if (body.items === query.limit) return;
        this.writer.change(body, row);
        nextCursor = seqOf(row);
      },
    );
    return body.end(
      `],"nextCursor":${JSON.stringify(nextCursor)},"hasMore":${rows > query.limit}}`,
    );
  }

  async gaps(entity: string, query: GapsQueryDto): Promise<GapReportDto> {
    const to = query.to === undefined ? Date.now() : parseOffsetTimestamp(query.to)!;
    const from =
      query.from === undefined
        ? Math.max(MIN_INSTANT, to - GAPS.defaultWindowHours * 3_600_000)
        : parseOffsetTimestamp(query.from)!;
    // the DTO checks the pair only when both are given; a lone future `from` meets the default `to` here
    if (from > to) throw new BadRequestException(['from must not be after to']);
    if (to - from > GAPS.maxWindowDays * 86_400_000)
      throw new BadRequestException([
        `from and to must be at most ${GAPS.maxWindowDays} days apart`,
      ]);
    const [fromIso, toIso] = [new Date(from).toISOString(), new Date(to).toISOString()];
    const rows = await this.repository.gaps(
      entity,
      fromIso,
      toIso,
      query.minGapSeconds,
      GAPS.maxGaps + 1,
    );
    return {
      from: fromIso,
      to: toIso,
      minGapSeconds: query.minGapSeconds,
      gaps: rows.slice(0, GAPS.maxGaps).map((row) => ({
        from: row.gap_from.toISOString(),
        to: row.gap_to.toISOString(),
        seconds: (row.gap_to.getTime() - row.gap_from.getTime()) / 1000,
        fromRangeStart: row.from_range_start,
        toRangeEnd: row.to_range_end,
      })),
      truncated: rows.length > GAPS.maxGaps,
    };
  }

  /** the next rows after `after`, to `each`; when there are none, asks again every POLL_INTERVAL_MS until some arrive or the wait ends */
  private async waitForChanges(
    after: string,
    limit: number,
    waitSeconds: number,
    signal: AbortSignal | undefined,
    each: RowSink,
  ): Promise<number> {
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const rows = await this.repository.changes(after, limit, each);
      const left = deadline - Date.now();
      if (rows > 0 || left <= 0 || signal?.aborted) return rows;
      await pause(Math.min(POLL_INTERVAL_MS, left), signal);
    }
  }

  /** the records of a range, a keyset page at a time, each `add`ed to a `newPage()` */
  private async *keysetPages<P>(
    entity: string,
    bounds: RangeBounds,
    newPage: () => P,
    add: (page: P, row: RecordRow) => void,
  ): AsyncGenerator<P> {
    let after = bounds.after;
    for (;;) {
      const page = newPage();
      let last: RecordRow | undefined;
      const rows = await this.repository.range(entity, { ...bounds, after }, STREAM_PAGE, (row) => {
        add(page, row);
        last = row;
      });
      if (rows > 0) yield page;
      if (rows < STREAM_PAGE) return;
      after = this.mapper.positionOf(last!);
    }
  }

  /**
   * The range as one file, a chunk per keyset page: `begin` goes out with the first page (which is
   * read before the response starts, so a failing database still gets an error status) and each
   * pass's `end` with its last. A file read in more than one pass sees only the rows stored when it
   * started (seq up to the newest then), so its passes agree while new readings arrive.
   */
  private async *filePages(
    entity: string,
    bounds: RangeBounds,
    file: RangeFileEncoder,
  ): AsyncGenerator<Buffer> {
    const upTo = file.passes > 1 ? await this.repository.lastSeq() : undefined;
    let body = new JsonBody('', STREAM_PAGE);
    file.begin(body);
    for (let pass = 0; pass < file.passes; pass++) {
      let after = bounds.after;
      for (;;) {
        let last: RecordRow | undefined;
        const rows = await this.repository.range(
          entity,
          { ...bounds, after },
          STREAM_PAGE,
          (row) => {
            if (upTo === undefined || !seqAfter(seqOf(row), upTo)) file.row(pass, body, row);
            last = row;
          },
        );
        if (rows < STREAM_PAGE) break;
        after = this.mapper.positionOf(last!);
        yield body.bytes('');
        body = new JsonBody('', STREAM_PAGE);
      }
      file.end(pass, body);
    }
    yield body.bytes('');
  }

  /**
   * The feed from `after` up to the newest seq when the stream starts, as NDJSON pages: writers
   * commit in seq order, so the stream ends, and its last seq is where the next request resumes.
   */
  private async *changePages(
    after: string,
    waitSeconds: number,
    signal?: AbortSignal,
  ): AsyncGenerator<JsonBody> {
    let page = ndjsonPage(STREAM_PAGE);
    let lastSeq = after;
    const collect: RowSink = (row) => {
      this.writer.change(page, row);
      lastSeq = seqOf(row);
    };
    let rows = await this.waitForChanges(after, STREAM_PAGE, waitSeconds, signal, collect);
    if (rows === 0) return;
    const upTo = await this.repository.lastSeq();
    for (;;) {
      yield page;
      if (rows < STREAM_PAGE) return;
      page = ndjsonPage(STREAM_PAGE);
      rows = await this.repository.changes(lastSeq, STREAM_PAGE, collect, upTo);
      if (rows === 0) return;
    }
  }
}

/** seq `a` is after seq `b`: decimal texts of a bigint, compared without parsing */
function seqAfter(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

/** a record row's seq: where the changes feed resumes after it */
function seqOf(row: RecordRow): string {
  return row[0]!;
}

// the DTOs validate cursors already; this keeps the service safe when called from elsewhere
function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new BadRequestException([`${field} is malformed`]);
  return value;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
