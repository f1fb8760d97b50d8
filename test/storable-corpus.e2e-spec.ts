import { expect } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import {
  checkLocation,
  checkVehicle,
  DeadLetterV1,
  TOPICS,
  VehicleTelemetryV1,
} from '@app/contracts';
import { MobwayNormalizer, WeguardNormalizer } from '@app/normalization';
import {
  EDGE_NUMBERS,
  EDGE_WALL_CLOCKS,
  OUT_OF_RANGE_NUMBER_TEXTS,
  OUT_OF_RANGE_TIMES,
  OUT_OF_RANGE_WALL_CLOCKS,
  STORABLE_ODDITIES,
  UNSTORABLE_STRINGS,
  withRawNumber,
} from '@app/normalization/testing/unstorable';
import { createDataSource, LOCATION_TABLE, RecordTable, VEHICLE_TABLE } from '@app/persistence';
import {
  columnParameters,
  insertStatementFor,
  isRejectedData,
  RecordBatchWriter,
  RecordRow,
} from '@app/persistence/record-batch.writer';
import { sign } from '@app/verification';
import { mobwayPayload, mobwayReading, randomVin, weguardLocation } from './support/payloads';
import { RunningApp, testStack } from './support/running-app';
import { json, readTopic } from './support/topic-reader';

// every reading the normalizer accepts (a 200 counts it as accepted) must be stored: a generated
// corpus of readings, odd and hostile, through the real normalizers, then through the real writer
// into the real PostgreSQL, by both of its paths (binary COPY and the INSERT it falls back to)
const SEED = 20_261_202;
const MOBWAY_READINGS = 3000;
const WEGUARD_LOCATIONS = 3000;
const BATCH = 250;
const VIN_ALPHABET = [...'ABCDEFGHJKLMNPRSTUVWXYZ0123456789'];

const unstorable = fc.constantFrom(...UNSTORABLE_STRINGS);
const oddity = fc.constantFrom(...STORABLE_ODDITIES);
// single UTF-16 code units, so lone surrogates and U+0000 turn up on their own too
const codeUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 12,
});
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 3, arbitrary: oddity },
  { weight: 1, arbitrary: unstorable },
  { weight: 1, arbitrary: codeUnits },
);
const key = fc.oneof(
  { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: oddity.filter((k) => k.length < 100) },
  { weight: 1, arbitrary: unstorable },
);
// what JSON.parse can make of a number: any double, ±Infinity for an overflowing literal
const number = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...OUT_OF_RANGE_NUMBER_TEXTS).map((t) => JSON.parse(t) as number),
  },
);
const { value: jsonValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));
const extras = fc.dictionary(key, jsonValue, { maxKeys: 5 });
const sometimes = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 5, arbitrary: usual }, { weight: 1, arbitrary: odd });

const wallClock = fc
  .date({
    min: new Date('1960-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString().slice(0, 19).replace('T', ' '));
const mobwayReadingArbitrary = fc
  .record({
    vin: fc.string({ unit: fc.constantFrom(...VIN_ALPHABET), minLength: 17, maxLength: 17 }),
    date_time: fc.oneof(
      { weight: 8, arbitrary: wallClock },
      { weight: 1, arbitrary: fc.constantFrom(...OUT_OF_RANGE_WALL_CLOCKS, ...EDGE_WALL_CLOCKS) },
    ),
    speed: sometimes(fc.double({ min: 0, max: 500, noNaN: true }), number),
    latitude: sometimes(fc.double({ min: -90, max: 90, noNaN: true }), number),
    longitude: sometimes(fc.double({ min: -180, max: 180, noNaN: true }), number),
    odometer: sometimes(
      fc.double({ min: 0, max: 1e7, noNaN: true }),
      fc.constantFrom(...EDGE_NUMBERS),
    ),
    rpm: sometimes(fc.integer({ min: 0, max: 9000 }), fc.constant(null)),
    event: sometimes(fc.constantFrom('position', 'ignition_on', 7), text),
    flag: sometimes(fc.constant({}), fc.dictionary(key, jsonValue, { maxKeys: 3 })),
    extra: extras,
  })
  // spread, not assignment: a `__proto__` key stays an own field, as JSON.parse makes it
  .map(({ extra, ...fields }): Record<string, unknown> => ({ ...extra, ...fields }));

const isoTime = fc
  .date({
    min: new Date('1960-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());
const weguardLocationArbitrary = fc
  .record({
    deviceId: sometimes(
      fc.string({ minLength: 1, maxLength: 40 }).map((s) => `dev-${s}`),
      fc.oneof(
        text,
        fc.string({ unit: fc.constantFrom('中', 'é', 'x'), minLength: 128, maxLength: 128 }),
      ),
    ),
    latitude: sometimes(fc.double({ min: -90, max: 90, noNaN: true }), number),
    longitude: sometimes(fc.double({ min: -180, max: 180, noNaN: true }), number),
    timestamp: fc.oneof(
      { weight: 6, arbitrary: isoTime },
      { weight: 2, arbitrary: fc.integer({ min: -1e10, max: 5e9 }) },
      { weight: 1, arbitrary: fc.constantFrom(...OUT_OF_RANGE_TIMES) },
    ),
    accuracy: sometimes(fc.double({ min: 0, max: 100, noNaN: true }), number),
    altitude: sometimes(fc.double({ min: -500, max: 9000, noNaN: true }), number),
    // a wide row: attributes near the covering index's 2,000-byte limit, incompressible
    wide: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 400, maxLength: 700 }) },
    ),
    extra: extras,
  })
  .map(({ extra, wide, ...fields }): Record<string, unknown> => ({
    ...extra,
    ...(wide === null ? {} : { wide }),
    ...fields,
  }));

interface Corpus<R> {
  records: R[];
  /** the reading each record came from, for failure messages */
  readings: Map<R, unknown>;
  reasons: string[][];
}

function normalizeEach<R>(
  readings: unknown[],
  normalize: (reading: unknown) => { records: R[]; rejected: { reasons: string[] }[] },
): Corpus<R> {
  const corpus: Corpus<R> = { records: [], readings: new Map(), reasons: [] };
  for (const reading of readings) {
    const { records, rejected } = normalize(reading);
    // every input reading ends in exactly one of the two lists
    expect(records.length + rejected.length).toBe(1);
    for (const record of records) {
      corpus.records.push(record);
      corpus.readings.set(record, reading);
    }
    for (const rejection of rejected) corpus.reasons.push(rejection.reasons);
  }
  return corpus;
}

/** a record as the sink gets it: JSON on the topic, parsed back */
const onTheWire = <R>(record: R): R => JSON.parse(JSON.stringify(record)) as R;

/**
 * What the stored row must give back: the accepted record as it is, not as its JSON (which would
 * hide an Infinity written as null); only -0 reads back as 0, as JSON and jsonb's numeric have no -0
 */
function asAccepted(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(asAccepted);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value))
    Object.defineProperty(copy, key, {
      value: asAccepted(inner),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}

async function sql<T extends object>(statement: string, values: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: testStack().databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(statement, values)).rows;
  } finally {
    await client.end();
  }
}

/** writes the records in batches; a failed batch is retried one record at a time to name the culprits */
async function writeAll<R>(
  writer: RecordBatchWriter,
  table: RecordTable<R>,
  corpus: Corpus<R>,
  wire: R[],
): Promise<{ reading: unknown; error: string }[]> {
  const failures: { reading: unknown; error: string }[] = [];
  const rows: RecordRow<R>[] = wire.map((record, i) => ({
    record,
    partition: 0,
    offset: String(i),
  }));
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    try {
      await writer.write(table, batch);
    } catch (error) {
      if (!isRejectedData(error)) throw error;
      for (const row of batch) {
        await writer.write(table, [row]).catch((e: { code?: string; message?: string }) =>
          failures.push({
            reading: corpus.readings.get(corpus.records[rows.indexOf(row)]),
            error: `${e.code}: ${e.message}`,
          }),
        );
      }
    }
  }
  return failures;
}

/** the rows the INSERT path makes of the same records, in a twin table, minus what the COPY stored: [] when equal */
async function insertPathDifferences<R>(
  table: RecordTable<R>,
  wire: R[],
  ids: string[],
): Promise<unknown[]> {
  const twin = `storable_twin_${randomUUID().replace(/-/g, '')}`;
  const columns = [...table.columns.map((c) => c.column)].join(', ');
  await sql(`CREATE TABLE ${twin} (LIKE ${table.table} INCLUDING ALL)`);
  try {
    const rows = wire.map((record, i) => ({ record, partition: 0, offset: String(i) }));
    for (let i = 0; i < rows.length; i += BATCH) {
      await sql(
        insertStatementFor({ ...table, table: twin }),
        columnParameters(table, rows.slice(i, i + BATCH)),
      );
    }
    return await sql(
      `(SELECT ${columns} FROM ${table.table} WHERE event_id = ANY($1::uuid[]) EXCEPT SELECT ${columns} FROM ${twin})
       UNION ALL (SELECT ${columns} FROM ${twin} EXCEPT SELECT ${columns} FROM ${table.table} WHERE event_id = ANY($1::uuid[]))`,
      [ids],
    );
  } finally {
    await sql(`DROP TABLE ${twin}`);
  }
}

const reasonsMatching = (reasons: string[][], pattern: RegExp) =>
  reasons.filter((r) => r.some((reason) => pattern.test(reason))).length;

const KINDS: [string, RegExp][] = [
  ['U+0000', /U\+0000/],
  ['unpaired surrogate', /unpaired/],
  ['number beyond float8', /float8/],
  ['time outside 1970-9999', /must be between/],
];

/** the corpus's figures, one line, for the docs and the closing note */
function report(
  name: string,
  readings: number,
  accepted: number,
  stored: number,
  reasons: string[][],
): void {
  const kinds = KINDS.map(([kind, pattern]) => `${kind} ${reasonsMatching(reasons, pattern)}`).join(
    ', ',
  );
  process.stdout.write(
    `[storable corpus] ${name}: ${readings} readings, ${accepted} accepted, all stored (${stored} distinct event ids), ${reasons.length} dead-lettered (${kinds}, other ${reasons.length - KINDS.reduce((n, [, p]) => n + reasonsMatching(reasons, p), 0)})\n`,
  );
}

describe('every reading the normalizer accepts can be stored (generated corpus, real PostgreSQL)', () => {
  let dataSource: DataSource;
  let writer: RecordBatchWriter;
  const receivedAt = new Date();

  beforeAll(async () => {
    dataSource = await createDataSource(testStack().databaseUrl, 4).initialize();
    writer = new RecordBatchWriter(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('mobway: stores every accepted reading, unchanged, by COPY and by INSERT; names a reason for every other', async () => {
    const readings = fc.sample(mobwayReadingArbitrary, { seed: SEED, numRuns: MOBWAY_READINGS });
    const normalizer = new MobwayNormalizer();
    const corpus = normalizeEach(readings, (reading) =>
      normalizer.normalize(
        { [(reading as { vin: string }).vin]: [reading] },
        { source: 'corpus', receivedAt },
      ),
    );

    const wire = corpus.records.map(onTheWire);
    // the sink checks each record again before it writes
    expect(wire.map(checkVehicle).filter((reasons) => reasons.length > 0)).toEqual([]);
    expect(await writeAll(writer, VEHICLE_TABLE, corpus, wire)).toEqual([]);

    const ids = [...new Set(wire.map((r) => r.eventId))];
    const stored = await sql<Record<string, unknown>>(
      `SELECT event_id, vin, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at, odometer_km, event, flags, attributes
         FROM vehicle_telemetry WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(stored).toHaveLength(ids.length);
    const byId = new Map(corpus.records.map((r) => [r.eventId, asAccepted(r) as typeof r]));
    // byte for byte what was accepted: no U+FFFD in place of a surrogate, no null in place of a number
    for (const row of stored) {
      const record = byId.get(row.event_id as string)!;
      expect(row).toEqual({
        event_id: record.eventId,
        vin: record.vin,
        recorded_at: record.recordedAt,
        odometer_km: record.odometerKm,
        event: record.event,
        flags: record.flags,
        attributes: record.attributes,
      });
    }
    expect(await insertPathDifferences(VEHICLE_TABLE, wire, ids)).toEqual([]);

    report('mobway', MOBWAY_READINGS, corpus.records.length, stored.length, corpus.reasons);
    // the corpus reaches every kind of reading it is meant to: accepted odd ones and each refusal
    expect(corpus.records.length).toBeGreaterThan(MOBWAY_READINGS / 4);
    expect(
      corpus.records.filter((r) => /[^\x20-\x7e]/.test(JSON.stringify(r.attributes) + r.event))
        .length,
    ).toBeGreaterThan(50);
    expect(reasonsMatching(corpus.reasons, /U\+0000/)).toBeGreaterThan(10);
    expect(reasonsMatching(corpus.reasons, /unpaired/)).toBeGreaterThan(10);
    expect(reasonsMatching(corpus.reasons, /float8/)).toBeGreaterThan(10);
    expect(reasonsMatching(corpus.reasons, /recordedAt must be/)).toBeGreaterThan(10);
    for (const reasons of corpus.reasons)
      expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/\S/)]));
  });

  it('weguard: stores every accepted location, unchanged, by COPY and by INSERT; names a reason for every other', async () => {
    const items = fc.sample(weguardLocationArbitrary, {
      seed: SEED + 1,
      numRuns: WEGUARD_LOCATIONS,
    });
    // every fourth location sits in an envelope whose device id it falls back to
    const readings = items.map((item, i) => {
      if (i % 4 !== 3) return item;
      const { deviceId, ...location } = item;
      return { deviceId, locations: [location] };
    });
    const normalizer = new WeguardNormalizer();
    const corpus = normalizeEach(readings, (reading) =>
      normalizer.normalize(reading, { source: 'corpus', receivedAt }),
    );

    const wire = corpus.records.map(onTheWire);
    expect(wire.map(checkLocation).filter((reasons) => reasons.length > 0)).toEqual([]);
    expect(await writeAll(writer, LOCATION_TABLE, corpus, wire)).toEqual([]);

    const ids = [...new Set(wire.map((r) => r.eventId))];
    const stored = await sql<Record<string, unknown>>(
      `SELECT event_id, device_id, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at, latitude, altitude_m, attributes, page_inline
         FROM device_location WHERE event_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(stored).toHaveLength(ids.length);
    const byId = new Map(corpus.records.map((r) => [r.eventId, asAccepted(r) as typeof r]));
    for (const row of stored) {
      const record = byId.get(row.event_id as string)!;
      expect(row).toEqual({
        event_id: record.eventId,
        device_id: record.deviceId,
        recorded_at: record.recordedAt,
        latitude: record.latitude,
        altitude_m: record.altitudeM,
        attributes: record.attributes,
        page_inline: expect.any(Boolean),
      });
    }
    // both range indexes were exercised: rows inside the covering index and wide ones outside it
    expect(new Set(stored.map((row) => row.page_inline))).toEqual(new Set([true, false]));
    expect(await insertPathDifferences(LOCATION_TABLE, wire, ids)).toEqual([]);

    report('weguard', WEGUARD_LOCATIONS, corpus.records.length, stored.length, corpus.reasons);
    // the corpus reaches every kind of reading it is meant to: accepted odd ones and each refusal
    expect(corpus.records.length).toBeGreaterThan(WEGUARD_LOCATIONS / 4);
    expect(corpus.records.filter((r) => /[^\x20-\x7e]/.test(r.deviceId)).length).toBeGreaterThan(
      20,
    );
    expect(reasonsMatching(corpus.reasons, /U\+0000/)).toBeGreaterThan(10);
    expect(reasonsMatching(corpus.reasons, /unpaired/)).toBeGreaterThan(10);
    expect(reasonsMatching(corpus.reasons, /float8/)).toBeGreaterThan(10);
    expect(reasonsMatching(corpus.reasons, /recordedAt must be/)).toBeGreaterThan(10);
    expect(reasonsMatching(corpus.reasons, /deviceId must/)).toBeGreaterThan(0);
    for (const reasons of corpus.reasons)
      expect(reasons).toEqual(expect.arrayContaining([expect.stringMatching(/\S/)]));
  });
});

const MOBWAY = 'e2e-storable-mobway-secret-6a1f9c3e82d4';
const WEGUARD = 'e2e-storable-weguard-secret-0b7d2e5f94c1';

describe('ingest gateway: a signed reading PostgreSQL cannot store is dead-lettered at ingest (real broker)', () => {
  let gateway: RunningApp;

  beforeAll(async () => {
    gateway = await RunningApp.start('ingest-gateway', {
      MOBWAY_SIGN_SECRET: MOBWAY,
      WEGUARD_SECRET: WEGUARD,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const post = (path: string, body: Buffer, headers: Record<string, string>) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  async function lettersOf(requestId: string | null): Promise<DeadLetterV1[]> {
    return (await readTopic(TOPICS.deadLetter))
      .filter((m) => m.headers['request-id'] === requestId)
      .map((m) => json<DeadLetterV1>(m));
  }

  it('answers deadLettered for a mobway reading holding U+0000, publishes only its storable neighbour, and dead-letters it with the reason', async () => {
    const vin = randomVin();
    const body = mobwayPayload([
      mobwayReading(vin, { driver: 'before\u0000after' }),
      mobwayReading(vin, { date_time: '2025-03-01 10:00:30' }),
    ]);
    // the body carries the escape, as a sender's JSON would
    expect(body.toString()).toContain('\\u0000');

    const res = await post('/webhooks/mobway', body, sign('mobway', MOBWAY, body));

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'success', accepted: 1, deadLettered: 1 });
    const requestId = res.headers.get('x-request-id');
    const records = (await readTopic(TOPICS.vehicle))
      .filter((m) => m.headers['request-id'] === requestId)
      .map((m) => json<VehicleTelemetryV1>(m));
    expect(records.map((r) => r.recordedAt)).toEqual(['2025-03-01T13:00:30.000Z']);
    const [letter, ...more] = await lettersOf(requestId);
    expect(more).toEqual([]);
    expect(letter).toMatchObject({
      stage: 'ingest',
      source: 'mobway',
      entityId: vin,
      original: { driver: 'before\u0000after' },
      reasons: [expect.stringMatching(/U\+0000.*PostgreSQL cannot store/)],
    });
  });

  it('answers deadLettered for WeGuard locations with a lone surrogate in a nested key and an overflowing number', async () => {
    const device = `dev-${randomUUID()}`;
    const lone = JSON.stringify(weguardLocation(device, { extra: { 'tag\ud800': 1 } }));
    const good = JSON.stringify(weguardLocation(device, { timestamp: 1740834000 }));
    // JSON.stringify cannot write an overflowing literal: spliced into the text as a sender would send it
    const overflowing = withRawNumber(
      JSON.stringify(weguardLocation(device, { timestamp: 1740834001 })),
      'odometer',
      '1e400',
    );
    const body = Buffer.from(`{"locations":[${lone},${good},${overflowing}]}`);
    expect(
      (JSON.parse(body.toString()) as { locations: Record<string, unknown>[] }).locations[2]
        .odometer,
    ).toBe(Infinity);

    const res = await post('/webhooks/weguard', body, sign('weguard', WEGUARD, body));

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'success', accepted: 1, deadLettered: 2 });
    const letters = await lettersOf(res.headers.get('x-request-id'));
    expect(letters).toHaveLength(2);
    expect(letters.flatMap((l) => l.reasons)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/unpaired UTF-16 surrogate/),
        expect.stringMatching(/float8/),
      ]),
    );
  });
});
