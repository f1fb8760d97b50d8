import type { DataSource } from 'typeorm';
import { aLocationRecord, aVehicleRecord } from '@app/contracts/testing';
import { DeviceLocationV1, VehicleTelemetryV1 } from '@app/contracts';
import { binaryCopyPayload } from './copy-binary';
import { CopyIn } from './copy-in';
import {
  columnParameters,
  copyStatementFor,
  insertStatementFor,
  isRejectedData,
  RecordBatchWriter,
  RecordRow,
  writerLockKeys,
} from './record-batch.writer';
import { RecordPartitionManager } from './record-partition.manager';
import { LOCATION_TABLE, VEHICLE_TABLE } from './record-tables';

interface Sent {
  text: string;
  name?: string;
  values?: unknown[];
  payload?: Buffer;
  query_timeout?: number;
}

/** a pg pool with one client that records every query and fails the ones it is told to */
class FakePool {
  readonly sent: Sent[] = [];
  readonly released: (Error | undefined)[] = [];
  connects = 0;
  failWhen?: (text: string) => Error | undefined;
  rowCount = 0;
  /** what the check for stored event ids finds */
  storedRows = 0;
  listeners: [string, (error: Error) => void][] = [];
  hangOn?: string;

  connect() {
    this.connects++;
    return Promise.resolve({
      query: (query: string | Sent | CopyIn) => {
        // a COPY is a pg submittable: it answers through its callback
        if (query instanceof CopyIn) {
          this.answer(query).then(
            (result) => query.callback!(null, result),
            (error: Error) => query.callback!(error),
          );
          return undefined;
        }
        return this.answer(query);
      },
      release: (error?: Error) => void this.released.push(error),
      on: (event: string, listener: (error: Error) => void) =>
        void this.listeners.push([event, listener]),
      off: (event: string, listener: (error: Error) => void) =>
        void (this.listeners = this.listeners.filter(([e, l]) => e !== event || l !== listener)),
    });
  }

  private async answer(query: string | Sent): Promise<{ rowCount: number }> {
    const sent = typeof query === 'string' ? { text: query } : query;
    if (this.hangOn === sent.text) return new Promise(() => undefined);
    this.sent.push(sent);
    const failure = this.failWhen?.(sent.text);
    if (failure) throw failure;
    if (isStoredCheck(sent.text)) return { rowCount: this.storedRows };
    return { rowCount: sent.text.startsWith('INSERT') || isCopy(sent.text) ? this.rowCount : 0 };
  }
}

/** partitions that hold every reading already: these tests are about the writes */
const everyPartition = {
  cover: () => Promise.resolve([]),
  forget: () => undefined,
} as unknown as RecordPartitionManager;

function aWriter(pool: FakePool, partitions = everyPartition): RecordBatchWriter {
  return new RecordBatchWriter({ driver: { master: pool } } as unknown as DataSource, partitions);
}

function rowsOf<R>(records: R[], partition = 1, firstOffset = 100): RecordRow<R>[] {
  return records.map((record, i) => ({ record, partition, offset: String(firstOffset + i) }));
}

const pgError = (code: string, message = 'rejected') => Object.assign(new Error(message), { code });
// the COPY travels with its BEGIN and COMMIT in one message
const isCopy = (text: string) => text.includes('FROM STDIN');
const isStoredCheck = (text: string) => text.startsWith('SELECT 1 FROM');
const kinds = (pool: FakePool) =>
  pool.sent.map((s) =>
    isCopy(s.text) ? 'COPY' : isStoredCheck(s.text) ? 'CHECK' : s.text.split(' ')[0],
  );

describe(RecordBatchWriter.name, () => {
  it('copies a batch of new rows into the table in one message: a transaction that first takes the table lock, the COPY, the COMMIT', async () => {
    const pool = new FakePool();
    pool.rowCount = 2;
    const sut = aWriter(pool);
    const rows = rowsOf([
      aVehicleRecord(),
      aVehicleRecord({ eventId: '1d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60' }),
    ]);

    const inserted = await sut.write(VEHICLE_TABLE, rows);

    expect(inserted).toBe(2);
    const [keyA, keyB] = writerLockKeys(VEHICLE_TABLE);
    expect(pool.sent.map((s) => s.text)).toEqual([
      'SELECT 1 FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[]) AND recorded_at BETWEEN $2::timestamptz AND $3::timestamptz LIMIT 1',
      `BEGIN; SET LOCAL statement_timeout = 30000; SELECT pg_advisory_xact_lock(${keyA}, ${keyB}); ${copyStatementFor(VEHICLE_TABLE)}; COMMIT`,
    ]);
    expect(pool.sent[0]).toMatchObject({
      name: 'stored-records-vehicle_telemetry',
      // the batch's first and last reading time bound the probe to their partitions
      values: [
        `{${rows[0].record.eventId},1d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60}`,
        '2025-03-01T13:00:00.000Z',
        '2025-03-01T13:00:00.000Z',
      ],
    });
    expect(pool.sent[1].payload).toEqual(binaryCopyPayload(VEHICLE_TABLE, rows));
    // a dead network cannot hold a write for ever
    expect(pool.sent.map((s) => s.query_timeout)).toEqual([40_000, 40_000]);
    // one connection for both
    expect(pool.released).toEqual([undefined]);
  });

  it('stores a batch holding a row already stored with the INSERT, never provoking a failed COPY (which PostgreSQL logs as an ERROR)', async () => {
    const pool = new FakePool();
    pool.rowCount = 1;
    pool.storedRows = 1;
    pool.failWhen = (text) =>
      isCopy(text) ? pgError('23505', 'duplicate key value violates unique constraint') : undefined;
    const rows = rowsOf([
      aVehicleRecord(),
      aVehicleRecord({ eventId: '1d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60' }),
    ]);

    const inserted = await aWriter(pool).write(VEHICLE_TABLE, rows);

    expect(inserted).toBe(1);
    expect(kinds(pool)).toEqual(['CHECK', 'BEGIN;', 'INSERT', 'COMMIT']);
    expect(pool.sent[2]).toMatchObject({
      name: 'insert-records-vehicle_telemetry',
      text: insertStatementFor(VEHICLE_TABLE),
      values: columnParameters(VEHICLE_TABLE, rows),
    });
    expect(pool.released).toEqual([undefined, undefined]);
  });

  it('falls back to the INSERT when another writer stored a row between the check and the COPY', async () => {
    const pool = new FakePool();
    pool.rowCount = 1;
    pool.failWhen = (text) =>
      isCopy(text) ? pgError('23505', 'duplicate key value violates unique constraint') : undefined;
    const rows = rowsOf([
      aVehicleRecord(),
      aVehicleRecord({ eventId: '1d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60' }),
    ]);

    const inserted = await aWriter(pool).write(VEHICLE_TABLE, rows);

    expect(inserted).toBe(1);
    expect(kinds(pool)).toEqual(['CHECK', 'COPY', 'ROLLBACK', 'BEGIN;', 'INSERT', 'COMMIT']);
    expect(pool.sent[4]).toMatchObject({
      name: 'insert-records-vehicle_telemetry',
      text: insertStatementFor(VEHICLE_TABLE),
      values: columnParameters(VEHICLE_TABLE, rows),
    });
    // a rejected COPY leaves the connection usable
    expect(pool.released).toEqual([undefined, undefined]);
  });

  it('writes an event id once when a batch holds it twice, keeping the first offset', async () => {
    const pool = new FakePool();
    const sut = aWriter(pool);
    const record = aVehicleRecord();

    await sut.write(
      VEHICLE_TABLE,
      rowsOf([record, { ...record, eventId: record.eventId.toUpperCase() }, record]),
    );

    expect(pool.sent[0].values).toEqual([
      `{${record.eventId}}`,
      record.recordedAt,
      record.recordedAt,
    ]);
    expect(pool.sent[1].payload).toEqual(binaryCopyPayload(VEHICLE_TABLE, rowsOf([record])));
  });

  it('goes straight to the INSERT when a value cannot be encoded for the COPY', async () => {
    const pool = new FakePool();
    pool.rowCount = 1;
    // year 0 passes the contract's layout but PostgreSQL refuses it: its verdict, through the INSERT
    const rows = rowsOf([aVehicleRecord({ recordedAt: '0000-03-01T13:00:00.000Z' })]);

    await expect(aWriter(pool).write(VEHICLE_TABLE, rows)).resolves.toBe(1);
    expect(kinds(pool)).toEqual(['BEGIN;', 'INSERT', 'COMMIT']);
  });

  it('first makes sure a partition holds the time of every reading of the batch', async () => {
    const pool = new FakePool();
    pool.rowCount = 2;
    const covered: number[][] = [];
    const partitions = {
      cover: (_table: string, times: number[]) => (covered.push([...times]), Promise.resolve([])),
    } as unknown as RecordPartitionManager;
    const rows = rowsOf([
      aVehicleRecord({ recordedAt: '2019-06-01T00:00:00.000Z' }),
      aVehicleRecord({
        eventId: '1d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60',
        recordedAt: '2025-03-01T13:00:00.000Z',
      }),
    ]);

    await aWriter(pool, partitions).write(VEHICLE_TABLE, rows);

    expect(covered).toEqual([
      [Date.parse('2019-06-01T00:00:00.000Z'), Date.parse('2025-03-01T13:00:00.000Z')],
    ]);
  });

  it('makes the partition again and retries when one it knew of has gone (retention elsewhere): never a rejection', async () => {
    const pool = new FakePool();
    pool.rowCount = 1;
    const missing = pgError('23514', 'no partition of relation "vehicle_telemetry" found for row');
    let copies = 0;
    pool.failWhen = (text) => (isCopy(text) && copies++ === 0 ? missing : undefined);
    const calls: string[] = [];
    const partitions = {
      cover: () => (calls.push('cover'), Promise.resolve([])),
      forget: () => void calls.push('forget'),
    } as unknown as RecordPartitionManager;

    await expect(
      aWriter(pool, partitions).write(VEHICLE_TABLE, rowsOf([aVehicleRecord()])),
    ).resolves.toBe(1);
    expect(calls).toEqual(['cover', 'forget', 'cover']);
    expect(kinds(pool)).toEqual(['CHECK', 'COPY', 'ROLLBACK', 'CHECK', 'COPY']);

    // still none: an error the sink retries, not a class 23 code it would dead-letter the rows for
    pool.failWhen = (text) => (isCopy(text) ? missing : undefined);
    const error = await aWriter(pool, partitions)
      .write(VEHICLE_TABLE, rowsOf([aVehicleRecord()]))
      .catch((e: unknown) => e);
    expect(isRejectedData(error)).toBe(false);
    expect((error as Error).message).toMatch(/no partition/);
  });

  it('does not touch the database for an empty batch', async () => {
    const pool = new FakePool();

    await expect(aWriter(pool).write(VEHICLE_TABLE, [])).resolves.toBe(0);
    expect(pool.connects).toBe(0);
  });

  it('rolls back and closes the connection when the database fails', async () => {
    const pool = new FakePool();
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), {});
    pool.failWhen = (text) => (isCopy(text) ? lost : undefined);

    await expect(aWriter(pool).write(VEHICLE_TABLE, rowsOf([aVehicleRecord()]))).rejects.toBe(lost);
    expect(pool.sent.at(-1)!.text).toBe('ROLLBACK');
    expect(pool.released).toEqual([lost]);
  });

  it('rolls back and keeps the connection when the rows were rejected', async () => {
    const pool = new FakePool();
    const rejected = pgError('22P05', 'unsupported Unicode escape sequence');
    pool.failWhen = (text) => (isCopy(text) || text.startsWith('INSERT') ? rejected : undefined);

    await expect(aWriter(pool).write(LOCATION_TABLE, rowsOf([aLocationRecord()]))).rejects.toBe(
      rejected,
    );
    // the COPY, then the INSERT that names the rejection
    expect(kinds(pool)).toEqual(['CHECK', 'COPY', 'ROLLBACK', 'BEGIN;', 'INSERT', 'ROLLBACK']);
    expect(pool.released).toEqual([undefined, undefined]);
  });

  it("survives the connection dropping between the INSERT path's queries, and closes it", async () => {
    const pool = new FakePool();
    const dropped = new Error('Connection terminated unexpectedly');
    pool.failWhen = (text) => {
      if (text.startsWith('BEGIN'))
        for (const [event, listener] of pool.listeners) if (event === 'error') listener(dropped);
      return text.startsWith('INSERT')
        ? new Error('Client has encountered a connection error and is not queryable')
        : undefined;
    };
    // a value the COPY cannot carry: the INSERT path, BEGIN and INSERT apart
    const rows = rowsOf([aVehicleRecord({ recordedAt: '0000-03-01T13:00:00.000Z' })]);

    await expect(aWriter(pool).write(VEHICLE_TABLE, rows)).rejects.toThrow(/not queryable/);
    expect(pool.released).toHaveLength(1);
    expect(pool.released[0]).toBeInstanceOf(Error);
    expect(pool.listeners).toEqual([]);
  });

  it('does not wait for ever for a rollback stuck behind an unanswered statement', async () => {
    jest.useFakeTimers();
    try {
      const pool = new FakePool();
      const timeout = new Error('Query read timeout');
      pool.failWhen = (text) => (isCopy(text) ? timeout : undefined);
      pool.hangOn = 'ROLLBACK';

      const writing = aWriter(pool).write(VEHICLE_TABLE, rowsOf([aVehicleRecord()]));
      const outcome = expect(writing).rejects.toBe(timeout);
      await jest.advanceTimersByTimeAsync(5_000);
      await outcome;

      expect(pool.released).toEqual([timeout]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('closes the connection when even the rollback fails', async () => {
    const pool = new FakePool();
    const rejected = pgError('22P05');
    pool.failWhen = (text) =>
      isCopy(text) || text.startsWith('INSERT')
        ? rejected
        : text === 'ROLLBACK'
          ? new Error('gone')
          : undefined;

    await expect(aWriter(pool).write(LOCATION_TABLE, rowsOf([aLocationRecord()]))).rejects.toBe(
      rejected,
    );
    expect(pool.released).toEqual([rejected, rejected]);
  });
});

describe(insertStatementFor.name, () => {
  it('casts each column array to its type, jsonb through text, and appends the Kafka position', () => {
    const sut = insertStatementFor(LOCATION_TABLE);

    expect(sut).toBe(
      'INSERT INTO device_location (event_id, source, device_id, recorded_at, received_at, latitude, longitude, accuracy_m, speed_kph, heading_deg, altitude_m, battery_pct, attributes, kafka_partition, kafka_offset) ' +
        'SELECT event_id, source, device_id, recorded_at, received_at, latitude, longitude, accuracy_m, speed_kph, heading_deg, altitude_m, battery_pct, attributes::jsonb, kafka_partition, kafka_offset ' +
        'FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::float8[], $13::text[], $14::int4[], $15::int8[]) ' +
        'AS u(event_id, source, device_id, recorded_at, received_at, latitude, longitude, accuracy_m, speed_kph, heading_deg, altitude_m, battery_pct, attributes, kafka_partition, kafka_offset) ' +
        'ON CONFLICT (event_id, recorded_at) DO NOTHING',
    );
  });

  it('refuses a binding whose names would need quoting', () => {
    expect(() => insertStatementFor({ ...VEHICLE_TABLE, table: 'vehicle; DROP TABLE x' })).toThrow(
      /not a plain identifier/,
    );
  });
});

describe(copyStatementFor.name, () => {
  it('names the columns, then the Kafka position', () => {
    expect(copyStatementFor(LOCATION_TABLE)).toBe(
      'COPY device_location (event_id, source, device_id, recorded_at, received_at, latitude, longitude, accuracy_m, speed_kph, heading_deg, altitude_m, battery_pct, attributes, kafka_partition, kafka_offset) FROM STDIN (FORMAT binary)',
    );
  });
});

describe(columnParameters.name, () => {
  it('gives one array literal per column, then partitions and offsets', () => {
    const a = aVehicleRecord({
      flags: { speed: { value: 512.5, flag: 'out of range' } },
      speedKph: null,
    });
    const b = aVehicleRecord({ eventId: '1d8f6a2e-3b1c-5d4e-8f7a-1b2c3d4e5f60', attributes: {} });

    const sut = columnParameters<VehicleTelemetryV1>(VEHICLE_TABLE, [
      { record: a, partition: 2, offset: '9007199254740993' },
      { record: b, partition: 2, offset: '9007199254740994' },
    ]);

    const column = (name: string) => sut[VEHICLE_TABLE.columns.findIndex((c) => c.column === name)];
    expect(sut).toHaveLength(VEHICLE_TABLE.columns.length + 2);
    expect(column('event_id')).toBe(`{"${a.eventId}","${b.eventId}"}`);
    expect(column('speed_kph')).toBe('{NULL,62.5}');
    expect(column('recorded_at')).toBe(`{"${a.recordedAt}","${b.recordedAt}"}`);
    expect(column('flags')).toBe(
      '{"{\\"speed\\":{\\"value\\":512.5,\\"flag\\":\\"out of range\\"}}","{}"}',
    );
    expect(sut.at(-2)).toBe('{2,2}');
    expect(sut.at(-1)).toBe('{"9007199254740993","9007199254740994"}');
  });

  it.each([
    ['a plain word', 'ignition_on', '"ignition_on"'],
    ['the word NULL, which unquoted would be a null', 'NULL', '"NULL"'],
    ['quotes and backslashes', 'say "hi" \\o/', '"say \\"hi\\" \\\\o/"'],
    ['commas, braces and spaces', ' {a, b} ', '" {a, b} "'],
    ['an empty string', '', '""'],
  ])('quotes text with %s', (_case, event, literal) => {
    const values = columnParameters<VehicleTelemetryV1>(
      VEHICLE_TABLE,
      rowsOf([aVehicleRecord({ event })]),
    );

    expect(values[VEHICLE_TABLE.columns.findIndex((c) => c.column === 'event')]).toBe(
      `{${literal}}`,
    );
  });

  it('quotes JSON as an array element: " and \\ escaped, control characters left to JSON', () => {
    const attributes = { note: 'a "b"\nc\\', emoji: '🚚', empty: '' };

    const values = columnParameters<DeviceLocationV1>(
      LOCATION_TABLE,
      rowsOf([aLocationRecord({ attributes })]),
    );

    const json = JSON.stringify(attributes);
    expect(values[LOCATION_TABLE.columns.findIndex((c) => c.column === 'attributes')]).toBe(
      `{"${json.replace(/["\\]/g, '\\$&')}"}`,
    );
  });

  it('covers every column of the location binding', () => {
    const sut = columnParameters<DeviceLocationV1>(LOCATION_TABLE, rowsOf([aLocationRecord()]));

    expect(sut).toHaveLength(LOCATION_TABLE.columns.length + 2);
    expect(sut.every((literal) => /^\{.+\}$/.test(literal))).toBe(true);
  });
});

describe(writerLockKeys.name, () => {
  it('gives each table its own stable pair of int4 keys', () => {
    const vehicle = writerLockKeys(VEHICLE_TABLE);
    const location = writerLockKeys(LOCATION_TABLE);

    expect(vehicle).toEqual(writerLockKeys({ ...VEHICLE_TABLE }));
    expect(vehicle[0]).toBe(location[0]);
    expect(vehicle[1]).not.toBe(location[1]);
    for (const key of [...vehicle, ...location]) expect(key === (key | 0)).toBe(true);
  });
});

describe(isRejectedData.name, () => {
  it.each([
    ['22P05', true],
    ['22021', true],
    ['23502', true],
    ['54000', true],
    ['08006', false],
    ['57P01', false],
    ['40P01', false],
    ['42P01', false],
    ['ECONNREFUSED', false],
    [undefined, false],
  ])('%s → %s', (code, expected) => {
    expect(
      isRejectedData(
        code === undefined ? new Error('timeout exceeded when trying to connect') : pgError(code),
      ),
    ).toBe(expected);
  });
});
