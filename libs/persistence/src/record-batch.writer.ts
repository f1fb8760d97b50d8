import { Injectable, Optional } from '@nestjs/common';
import type { PoolClient, QueryConfig } from 'pg';
import { DataSource } from 'typeorm';
import { advisoryLockKeys } from './advisory-lock';
import { binaryCopyPayload } from './copy-binary';
import { CopyIn, copyIn } from './copy-in';
import { onPooledClient, poolOf } from './pooled-client';
import { RecordPartitionManager } from './record-partition.manager';
import { isMissingPartition } from './record-partitions';
import { RecordTable } from './record-tables';

/** one record and where it was read, so a row can be traced back to its Kafka message */
export interface RecordRow<R> {
  record: R;
  partition: number;
  /** Kafka offsets are 64-bit: a decimal string */
  offset: string;
}

interface InsertStatement {
  /** opens the transaction and waits for the table's writer lock */
  begin: string;
  name: string;
  text: string;
  /** `COPY t (…) FROM STDIN (FORMAT binary)` for the same columns */
  copy: string;
  /** begin, the COPY and COMMIT in one simple-query message (see copied) */
  copyTransaction: string;
  /** `SELECT 1 … WHERE event_id = ANY($1::uuid[]) AND recorded_at BETWEEN $2 AND $3 LIMIT 1`: is any row of the batch stored already? */
  storedName: string;
  stored: string;
}

// PostgreSQL cancels a write stuck this long (lock pile-up, overload) and the caller retries it;
// we stop listening a little later, for when the server cannot even say so (a dead network)
const STATEMENT_TIMEOUT_MS = 30_000;
const READ_TIMEOUT_MS = 40_000;
const ROLLBACK_TIMEOUT_MS = 5_000;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Writes a batch of records into its table, so a redelivered message never makes a second row:
 * new rows by a binary COPY, a batch holding a stored row by `INSERT … SELECT FROM unnest(…)
 * ON CONFLICT DO NOTHING` (see write). The table is partitioned by reading time: the partitions the
 * batch needs are made first when missing (RecordPartitionManager).
 */
@Injectable()
export class RecordBatchWriter {
  private readonly statements = new WeakMap<object, InsertStatement>();

  private readonly partitions: RecordPartitionManager;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() partitions?: RecordPartitionManager,
  ) {
    this.partitions = partitions ?? new RecordPartitionManager(dataSource);
  }

  /**
   * stores the rows in one transaction; resolves to how many were new (the rest were already
   * stored). New rows, the usual case, are COPYed straight into the table in the binary format:
   * PostgreSQL's bulk path, and no text to parse. A batch holding a row already stored
   * (redelivery, a sender's resend) goes to the INSERT, which skips what is stored: the unique
   * index answers that first, so a duplicate never fails a COPY, which PostgreSQL would log as an
   * ERROR with the whole statement. A row rejected for its values (or a duplicate written by
   * another writer since the check) fails the COPY, which is rolled back; the same rows then go
   * through the INSERT, which names the rejection.
   */
  async write<R>(table: RecordTable<R>, rows: RecordRow<R>[]): Promise<number> {
    const unique = uniqueByEventId(table, rows);
    if (unique.length === 0) return 0;
    const times = readingTimes(table, unique);
    await this.partitions.cover(table.table, times);
    try {
      return await this.writeUnique(table, unique);
    } catch (error) {
      if (!isMissingPartition(error)) throw error;
      // a partition this process knew of was dropped since (retention, by another process)
      this.partitions.forget(table.table);
      await this.partitions.cover(table.table, times);
      try {
        return await this.writeUnique(table, unique);
      } catch (again) {
        // never a rejection of the rows (class 23 would dead-letter them): the batch is retried
        if (isMissingPartition(again))
          throw new Error(
            `no partition for a reading of the batch yet: ${(again as Error).message}`,
            { cause: again },
          );
        throw again;
      }
    }
  }

  private async writeUnique<R>(table: RecordTable<R>, unique: RecordRow<R>[]): Promise<number> {
    const statement = this.statementFor(table);
    // built before taking the lock: other writers wait only for the database
    const payload = binaryCopyPayload(table, unique);
    // a value the encoder cannot vouch for goes to the INSERT, where PostgreSQL judges it
    if (payload) {
      try {
        const copied = await this.copiedUnlessStored(
          statement,
          [eventIds(table, unique), ...timeBounds(table, unique)],
          payload,
        );
        if (copied !== undefined) return copied;
      } catch (error) {
        if (!isRejectedData(error) || isMissingPartition(error)) throw error;
      }
    }
    const values = columnParameters(table, unique);
    return this.transaction(
      statement,
      async (client) =>
        (await client.query(timed({ name: statement.name, text: statement.text, values })))
          .rowCount ?? 0,
    );
  }

  /**
   * The COPY in a transaction holding the table's writer lock, sent as one message: the server
   * takes the lock, asks for the rows, copies them and commits without waiting on this process in
   * between. As separate statements, each step waited for our event loop (busy decoding the next
   * chunk, say) while the lock, and so every other writer of the table, waited too.
   */
  private copiedUnlessStored(
    statement: InsertStatement,
    stored: [ids: string, from: string, to: string],
    payload: Buffer,
  ): Promise<number | undefined> {
    return this.onClient(async (client) => {
      // outside the lock: an index probe per row, on the connection the COPY then uses
      const found = await client.query(
        timed({ name: statement.storedName, text: statement.stored, values: stored }),
      );
      if ((found.rowCount ?? 0) > 0) return undefined;
      return copyIn(client, new CopyIn(statement.copyTransaction, payload, READ_TIMEOUT_MS));
    });
  }

  /** runs the statement in a transaction holding the table's writer lock; resolves to its row count */
  private transaction(
    statement: InsertStatement,
    run: (client: PoolClient) => Promise<number>,
  ): Promise<number> {
    return this.onClient(async (client) => {
      await client.query(timed({ text: statement.begin }));
      const rowCount = await run(client);
      await client.query(timed({ text: 'COMMIT' }));
      return rowCount;
    });
  }

  /** runs the work on a pooled connection, rolling back what it left open when it fails */
  private onClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return onPooledClient(poolOf(this.dataSource), work, rollback);
  }

  private statementFor<R>(table: RecordTable<R>): InsertStatement {
    let statement = this.statements.get(table);
    if (!statement) {
      const [namespace, key] = writerLockKeys(table);
      // writers of one table take turns until they commit, so identity values (`seq`) are handed
      // out in commit order: a changes-feed reader that has seen seq N can never later find a row
      // with seq < N committed by a slower transaction, and paging `seq > N` skips nothing
      const begin = `BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}; SELECT pg_advisory_xact_lock(${namespace}, ${key})`;
      const copy = copyStatementFor(table);
      statement = {
        begin,
        name: `insert-records-${table.table}`,
        text: insertStatementFor(table),
        copy,
        copyTransaction: `${begin}; ${copy}; COMMIT`,
        storedName: `stored-records-${table.table}`,
        // the batch's time span bounds the probe to the partitions that can hold its rows
        stored: `SELECT 1 FROM ${table.table} WHERE event_id = ANY($1::uuid[]) AND recorded_at BETWEEN $2::timestamptz AND $3::timestamptz LIMIT 1`,
      };
      this.statements.set(table, statement);
    }
    return statement;
  }
}

/**
 * A PostgreSQL error caused by the values of a row (SQLSTATE class 22 data exception, class 23
 * constraint violation, 54000 e.g. an oversized index entry): retrying the same rows fails the
 * same way. Everything else (no connection, pool timeout, shutdown, deadlock) may pass on retry.
 */
export function isRejectedData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (/^2[23][0-9A-Z]{3}$/.test(code) || code === '54000');
}

/**
 * `INSERT INTO t (cols…, kafka_partition, kafka_offset) SELECT … FROM unnest($1::uuid[], …)
 * ON CONFLICT (event_id, recorded_at) DO NOTHING`: a partitioned table's unique key includes the
 * partition key; the event id is derived from the reading's time, so the pair is unique exactly
 * when the id is (see the PartitionedRecords migration)
 */
export function insertStatementFor<R>(table: RecordTable<R>): string {
  const names = columnNames(table);
  // jsonb travels as text[]: an array of jsonb literals would need JSON quoted twice
  const arrayTypes = [
    ...table.columns.map((c) => (c.pgType === 'jsonb' ? 'text' : c.pgType)),
    'int4',
    'int8',
  ];
  const selected = [
    ...table.columns.map((c) => (c.pgType === 'jsonb' ? `${c.column}::jsonb` : c.column)),
    'kafka_partition',
    'kafka_offset',
  ];
  const parameters = arrayTypes.map((type, i) => `$${i + 1}::${type}[]`);
  return (
    `INSERT INTO ${table.table} (${names.join(', ')}) ` +
    `SELECT ${selected.join(', ')} FROM unnest(${parameters.join(', ')}) AS u(${names.join(', ')}) ` +
    `ON CONFLICT (event_id, recorded_at) DO NOTHING`
  );
}

/** `COPY t (cols…, kafka_partition, kafka_offset) FROM STDIN (FORMAT binary)`: see copy-binary.ts */
export function copyStatementFor<R>(table: RecordTable<R>): string {
  return `COPY ${table.table} (${columnNames(table).join(', ')}) FROM STDIN (FORMAT binary)`;
}

/**
 * The statement's parameters: one PostgreSQL array literal per column, then partitions and
 * offsets. Built here rather than by pg's generic array serialiser, which takes about twice as
 * long per row on this hot path (numbers need no quoting; strings and JSON are quoted once).
 */
export function columnParameters<R>(table: RecordTable<R>, rows: RecordRow<R>[]): string[] {
  const parameters = table.columns.map(({ field, pgType }) => {
    const elements = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const value = rows[i].record[field] as unknown;
      if (value === null || value === undefined) elements[i] = 'NULL';
      // JSON text holds no raw control characters, so quoting it as a JSON string escapes exactly " and \
      else if (pgType === 'jsonb') elements[i] = JSON.stringify(JSON.stringify(value));
      else if (typeof value === 'number') elements[i] = String(value);
      // the others hold text; JSON.stringify so that nothing could become [object Object]
      else elements[i] = quoted(typeof value === 'string' ? value : JSON.stringify(value));
    }
    return `{${elements.join(',')}}`;
  });
  parameters.push(`{${rows.map((row) => row.partition).join(',')}}`);
  parameters.push(`{${rows.map((row) => quoted(row.offset)).join(',')}}`);
  return parameters;
}

// inside an array literal a double-quoted element needs only " and \ escaped
function quoted(text: string): string {
  return text.indexOf('"') === -1 && text.indexOf('\\') === -1
    ? `"${text}"`
    : `"${text.replace(/["\\]/g, '\\$&')}"`;
}

// the table's columns as written, checked once: they are spliced into SQL
function columnNames<R>(table: RecordTable<R>): string[] {
  const names = [...table.columns.map((c) => c.column), 'kafka_partition', 'kafka_offset'];
  for (const name of [table.table, ...names])
    if (!IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return names;
}

/** the two keys of the table's writer lock: a fixed namespace and a hash of the table name */
export function writerLockKeys(table: Pick<RecordTable<unknown>, 'table'>): [number, number] {
  return advisoryLockKeys(table.table);
}

// the same event twice in one batch (a producer retry landing in one fetch) is written once;
// the first occurrence keeps its partition and offset
function uniqueByEventId<R>(table: RecordTable<R>, rows: RecordRow<R>[]): RecordRow<R>[] {
  const field = table.columns.find((c) => c.column === 'event_id')!.field;
  const seen = new Set<string>();
  const unique: RecordRow<R>[] = [];
  for (const row of rows) {
    const id = String(row.record[field]).toLowerCase();
    if (seen.has(id)) continue;
    seen.add(id);
    unique.push(row);
  }
  return unique;
}

/** each row's reading time, Unix ms (NaN for a value the INSERT will reject anyway) */
function readingTimes<R>(table: RecordTable<R>, rows: RecordRow<R>[]): number[] {
  const field = table.columns.find((c) => c.column === 'recorded_at')!.field;
  return rows.map((row) => Date.parse(String(row.record[field])));
}

/** the earliest and latest reading time of the batch, ISO (the binary COPY vouched for each) */
function timeBounds<R>(table: RecordTable<R>, rows: RecordRow<R>[]): [string, string] {
  const field = table.columns.find((c) => c.column === 'recorded_at')!.field;
  const timeOf = (row: RecordRow<R>): string => row.record[field] as string;
  let [from, to] = [timeOf(rows[0]), timeOf(rows[0])];
  for (const row of rows) {
    const at = timeOf(row);
    // yyyy-mm-ddThh:mm:ss.sssZ: text order is time order
    if (at < from) from = at;
    else if (at > to) to = at;
  }
  return [from, to];
}

/** the batch's event ids as one uuid[] literal (uuids need no quoting) */
function eventIds<R>(table: RecordTable<R>, rows: RecordRow<R>[]): string {
  const field = table.columns.find((c) => c.column === 'event_id')!.field;
  return `{${rows.map((row) => String(row.record[field])).join(',')}}`;
}

// pg honours query_timeout per query (its types only know it per client)
function timed(query: QueryConfig): QueryConfig {
  return Object.assign(query, { query_timeout: READ_TIMEOUT_MS });
}

async function rollback(client: PoolClient, cause: Error): Promise<Error | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // after a read timeout the ROLLBACK queues behind the unanswered statement: do not wait for ever
    await Promise.race([
      client.query('ROLLBACK'),
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(
            () => reject(new Error('no answer to ROLLBACK')),
            ROLLBACK_TIMEOUT_MS,
          )),
      ),
    ]);
    // the connection is fine after a rejected statement; anything else may have left it half-way
    return isRejectedData(cause) ? undefined : cause;
  } catch {
    return cause;
  } finally {
    clearTimeout(timer);
  }
}
