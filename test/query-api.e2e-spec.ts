import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DeviceLocationV1, VehicleTelemetryV1 } from '@app/contracts';
import {
  DEFAULT_PARTITION_SPAN,
  LOCATION_TABLE,
  makePartitions,
  RecordTable,
  VEHICLE_TABLE,
} from '@app/persistence';
import { httpHead, rawRequest } from './support/raw-http';
import { controlStack, RunningApp, TEST_QUERY_KEY, testStack } from './support/running-app';

// the sink is not wired yet: rows are written straight into PostgreSQL, as the sink would write them

const AUTH = { authorization: `Bearer ${TEST_QUERY_KEY}` };
const VIN_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const T0 = Date.parse('2025-03-01T12:00:00.000Z');

/** a VIN no other suite uses */
const aVin = (): string =>
  `E2E${Array.from({ length: 14 }, () => VIN_ALPHABET[randomInt(VIN_ALPHABET.length)]).join('')}`;
const aDeviceId = (): string => `e2e-query-${randomUUID()}`;
const iso = (millis: number): string => new Date(millis).toISOString();
const minutes = (n: number): number => n * 60_000;

let nextOffset = 1_000_000;

/** inserts contract-shaped records through the table binding (fields → columns), partition 0, fake offsets */
async function insert<R>(
  db: Client,
  table: RecordTable<R>,
  records: Array<Partial<R>>,
): Promise<Array<Partial<R> & { eventId: string }>> {
  const full = records.map((r) => ({
    eventId: randomUUID(),
    source: 'e2e',
    receivedAt: iso(Date.now()),
    flags: {},
    attributes: {},
    ...r,
  }));
  const values = table.columns.map(({ field, pgType }) =>
    full.map((r) => {
      const value = (r as Record<string, unknown>)[field as string];
      return pgType === 'jsonb' ? JSON.stringify(value ?? {}) : (value ?? null);
    }),
  );
  values.push(full.map(() => String(nextOffset++)));
  // as the sink's writer does: a partition for each reading's time first
  await makePartitions(
    async (text, parameters) => (await db.query<Record<string, unknown>>(text, parameters)).rows,
    table.table,
    full.map((r) => Date.parse(String((r as Record<string, unknown>).recordedAt))),
    DEFAULT_PARTITION_SPAN,
  );
  const names = [...table.columns.map((c) => c.column), 'kafka_offset'];
  const types = [...table.columns.map((c) => c.pgType), 'int8'];
  await db.query(
    `INSERT INTO ${table.table} (${names.join(', ')}, kafka_partition) ` +
      `SELECT ${names.join(', ')}, 0 FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) AS u(${names.join(', ')})`,
    values,
  );
  return full;
}

const vehicle = (
  vin: string,
  recordedAt: number,
  extra: Partial<VehicleTelemetryV1> = {},
): Partial<VehicleTelemetryV1> => ({ vin, recordedAt: iso(recordedAt), ...extra });
const location = (deviceId: string, recordedAt: number): Partial<DeviceLocationV1> => ({
  deviceId,
  recordedAt: iso(recordedAt),
  latitude: -23.5,
  longitude: -46.6,
});

/** the order the API promises: (recordedAt, eventId); uuid order in PostgreSQL is the order of its lower-case hex */
const byTimeThenId = (
  a: { recordedAt?: string; eventId: string },
  b: { recordedAt?: string; eventId: string },
): number =>
  a.recordedAt! < b.recordedAt!
    ? -1
    : a.recordedAt! > b.recordedAt!
      ? 1
      : a.eventId < b.eventId
        ? -1
        : a.eventId > b.eventId
          ? 1
          : 0;

async function lastSeq(db: Client, table: string): Promise<string> {
  const { rows } = await db.query<{ seq: string }>(
    `SELECT coalesce(max(seq), 0)::text AS seq FROM ${table}`,
  );
  return rows[0].seq;
}

/** the one error body of every app (libs/platform/src/error-response.dto.ts) */
const anError = (statusCode: number, error: string, message: unknown, details?: string[]) => ({
  status: 'error',
  statusCode,
  error,
  message,
  ...(details && { details }),
});
/** a validation 400: one message per bad parameter */
const aBadRequest = (...messages: string[]) =>
  anError(400, 'Bad Request', messages.join('; '), messages);

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface ChangesPage<T> {
  items: Array<T & { seq: string }>;
  nextCursor: string;
  hasMore: boolean;
}

describe('query APIs (vehicle-consumer and location-consumer against the real database)', () => {
  let db: Client;
  let vehicles: RunningApp;
  let devices: RunningApp;

  const get = async <T = unknown>(
    app: RunningApp,
    path: string,
    headers: Record<string, string> = AUTH,
  ): Promise<{ status: number; body: T; headers: Headers }> => {
    const res = await fetch(`${app.url}${path}`, { headers });
    const text = await res.text();
    return {
      status: res.status,
      body: (text && res.headers.get('content-type')?.startsWith('application/json')
        ? JSON.parse(text)
        : text) as T,
      headers: res.headers,
    };
  };
  const post = async <T = unknown>(
    path: string,
    body: unknown,
    headers: Record<string, string> = AUTH,
  ): Promise<{ status: number; body: T; headers: Headers }> => {
    const res = await fetch(`${vehicles.url}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  };

  beforeAll(async () => {
    db = new Client({ connectionString: testStack().databaseUrl });
    // the last test stops PostgreSQL under this client too
    db.on('error', () => undefined);
    await db.connect();
    [vehicles, devices] = await Promise.all([
      RunningApp.start('vehicle-consumer'),
      RunningApp.start('location-consumer'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([vehicles?.stop(), devices?.stop()]);
    await db?.end();
  });

  describe('access', () => {
    it.each([
      ['no Authorization header', {}],
      ['a wrong key', { authorization: 'Bearer wrong-key-0123456789abcdef' }],
      ['the right key without Bearer', { authorization: TEST_QUERY_KEY }],
    ])(
      'answers 401 to %s, on every query route',
      async (_case, headers: Record<string, string>) => {
        const vin = aVin();
        const answers = await Promise.all([
          get(vehicles, '/v1/vehicles', headers),
          get(vehicles, `/v1/vehicles/${vin}/latest`, headers),
          get(vehicles, `/v1/vehicles/${vin}/telemetry`, headers),
          get(vehicles, '/v1/vehicles/telemetry/changes', headers),
          get(vehicles, `/v1/vehicles/${vin}/gaps`, headers),
          post('/vehicle-data', { vins: [vin] }, headers),
          get(devices, '/v1/devices', headers),
          get(devices, '/v1/devices/d/latest', headers),
          get(devices, '/v1/devices/d/locations', headers),
          get(devices, '/v1/devices/locations/changes', headers),
          get(devices, '/v1/devices/d/gaps', headers),
        ]);
        expect(answers.map((a) => a.status)).toEqual(answers.map(() => 401));
        expect(answers[0].headers.get('www-authenticate')).toBe('Bearer');
      },
    );

    it('keeps /health and /docs open, and serves the OpenAPI document at /docs-json', async () => {
      for (const app of [vehicles, devices]) {
        expect((await get(app, '/health', {})).status).toBe(200);
        const ui = await get<string>(app, '/docs', {});
        expect(ui.status).toBe(200);
        expect(ui.body).toContain('swagger');
      }
      const vehicleDoc = await get<{ openapi: string; paths: Record<string, unknown> }>(
        vehicles,
        '/docs-json',
        {},
      );
      expect(vehicleDoc.status).toBe(200);
      expect(vehicleDoc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(vehicleDoc.body.paths).sort()).toEqual(
        [
          '/v1/vehicles',
          '/v1/vehicles/telemetry/changes',
          '/v1/vehicles/{vin}/gaps',
          '/v1/vehicles/{vin}/latest',
          '/v1/vehicles/{vin}/telemetry',
          '/vehicle-data',
          '/v1/completeness',
        ].sort(),
      );
      const deviceDoc = await get<{ paths: Record<string, unknown> }>(devices, '/docs-json', {});
      expect(Object.keys(deviceDoc.body.paths).sort()).toEqual(
        [
          '/v1/devices',
          '/v1/devices/locations/changes',
          '/v1/devices/{deviceId}/gaps',
          '/v1/devices/{deviceId}/latest',
          '/v1/devices/{deviceId}/locations',
          '/v1/completeness',
        ].sort(),
      );
    });
  });

  describe('bad input', () => {
    const vin = aVin();

    it.each([
      [
        'an invalid VIN',
        '/v1/vehicles/9BWZZZ377VT00425I/telemetry',
        'vin must be 17 characters of the VIN alphabet (no I, O, Q)',
      ],
      [
        'a short VIN',
        '/v1/vehicles/9BWZZZ/latest',
        'vin must be 17 characters of the VIN alphabet (no I, O, Q)',
      ],
      [
        'from after to',
        `/v1/vehicles/${vin}/telemetry?from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z`,
        'from must not be after to',
      ],
      ['limit 0', `/v1/vehicles/${vin}/telemetry?limit=0`, 'limit must not be less than 1'],
      [
        'limit 5001',
        `/v1/vehicles/${vin}/telemetry?limit=5001`,
        'limit must not be greater than 5000',
      ],
      [
        'a malformed cursor',
        `/v1/vehicles/${vin}/telemetry?cursor=not-a-cursor`,
        'cursor is malformed',
      ],
      [
        'a tampered cursor',
        `/v1/vehicles/${vin}/telemetry?cursor=${Buffer.from('["yesterday","x"]').toString('base64url')}`,
        'cursor is malformed',
      ],
      [
        'a timestamp without a zone',
        `/v1/vehicles/${vin}/telemetry?from=2025-03-01T00:00:00`,
        'from must be an ISO-8601 timestamp with a time zone, e.g. 2025-03-01T13:00:00Z',
      ],
      [
        'waitSeconds over 30',
        '/v1/vehicles/telemetry/changes?waitSeconds=31',
        'waitSeconds must not be greater than 30',
      ],
      [
        'a malformed changes cursor',
        '/v1/vehicles/telemetry/changes?after=abc',
        'after is malformed: use a nextCursor or a seq from this feed',
      ],
      [
        'an unknown parameter',
        `/v1/vehicles/${vin}/gaps?minGap=5`,
        'property minGap should not exist',
      ],
      [
        'a limit that is not a number',
        `/v1/vehicles/${vin}/telemetry?limit=abc`,
        'limit must be an integer number',
      ],
      [
        'year 0',
        `/v1/vehicles/${vin}/telemetry?from=0000-01-01T00:00:00Z`,
        'from must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z',
      ],
      [
        'year 0 in the gaps report',
        `/v1/vehicles/${vin}/gaps?from=0000-12-31T00:00:00Z&to=0001-01-01T01:00:00Z`,
        'from must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z',
      ],
      [
        'a +23:59 offset',
        `/v1/vehicles/${vin}/telemetry?to=2025-03-01T00:00:00%2B23:59`,
        'to must have a time zone offset between -15:59 and +15:59',
      ],
      [
        'a NUL in an entity cursor',
        `/v1/vehicles?cursor=${Buffer.from(JSON.stringify(['V\u0000'])).toString('base64url')}`,
        'cursor is malformed',
      ],
    ])('vehicles: 400 for %s', async (_case, path, message) => {
      const res = await get(vehicles, path);
      expect([res.status, res.body]).toEqual([400, aBadRequest(message)]);
    });

    it('vehicles: the gaps report before year 1 stays in year 1', async () => {
      const res = await get<{ from: string }>(
        vehicles,
        `/v1/vehicles/${vin}/gaps?to=0001-01-01T01:00:00Z`,
      );
      expect([res.status, res.body.from]).toEqual([200, '0001-01-01T00:00:00.000Z']);
    });

    it.each([
      ['limit 0', '/v1/devices/d-1/locations?limit=0', 'limit must not be less than 1'],
      [
        'from after to',
        '/v1/devices/d-1/gaps?from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z',
        'from must not be after to',
      ],
      ['a malformed cursor', '/v1/devices/d-1/locations?cursor=%7B%7D', 'cursor is malformed'],
      // ids over 100 characters get 414 from Fastify's router first (maxParamLength, set in platform/bootstrap.ts)
      [
        'a blank device id',
        '/v1/devices/%20%20/latest',
        'deviceId must be a trimmed, non-empty string of at most 128 characters',
      ],
      [
        'a NUL in a device id',
        '/v1/devices/d%001/locations',
        'deviceId must be a trimmed, non-empty string of at most 128 characters',
      ],
      [
        'a NUL in a device cursor',
        `/v1/devices?cursor=${Buffer.from(JSON.stringify(['d\u0000'])).toString('base64url')}`,
        'cursor is malformed',
      ],
    ])('devices: 400 for %s', async (_case, path, message) => {
      const res = await get(devices, path);
      expect([res.status, res.body]).toEqual([400, aBadRequest(message)]);
    });

    it.each([
      ['21 VINs', { vins: Array.from({ length: 21 }, aVin) }, 'vins must contain at most 20 VINs'],
      ['no VINs', { vins: [] }, 'vins must contain at least 1 VIN'],
      [
        'an invalid VIN',
        { vins: ['NOT-A-VIN'] },
        'vins must hold VINs, 17 characters of the VIN alphabet (no I, O, Q); entry 0 is not one',
      ],
      [
        'a date with milliseconds',
        { vins: [vin], start_date: '2025-03-01T00:00:00.000Z' },
        "start_date must be 'yyyy-mm-dd', 'yyyy-mm-ddThh:mm:ss' or 'yyyy-mm-dd hh:mm:ss' (Brasília time, UTC−03:00), or 'yyyy-mm-ddThh:mm:ss-03:00' or '…Z' (the offset given)",
      ],
      [
        'start after end',
        { vins: [vin], start_date: '2025-03-02', end_date: '2025-03-01' },
        'end_date must not be before start_date',
      ],
    ])('/vehicle-data: 400 for %s', async (_case, body, message) => {
      const res = await post('/vehicle-data', body);
      expect([res.status, res.body]).toEqual([400, aBadRequest(message)]);
    });

    it.each([
      [
        'a text/plain body',
        { 'content-type': 'text/plain' },
        'vins=9BWZZZ377VT004251',
        400,
        aBadRequest('vins must be a list of VINs'),
      ],
      [
        'malformed JSON',
        { 'content-type': 'application/json' },
        '{"vins": [',
        400,
        anError(400, 'Bad Request', expect.any(String)),
      ],
    ])(
      '/vehicle-data: %s gets the one error shape',
      async (_case, headers, body, status, expected) => {
        const res = await fetch(`${vehicles.url}/vehicle-data`, {
          method: 'POST',
          headers: { ...AUTH, ...headers },
          body,
        });
        expect([res.status, await res.json()]).toEqual([status, expected]);
      },
    );

    it('/vehicle-data: a body over the limit gets 413 in the one error shape', async () => {
      // only the head is written: the declared length alone is refused, before a body byte is read, and a
      // client still writing when the server closes may get a reset in place of the answer (TCP, not us)
      const head = httpHead('POST', '/vehicle-data', [
        ['authorization', AUTH.authorization],
        ['content-type', 'application/json'],
        ['content-length', String(2 * 1024 * 1024)],
      ]);
      const res = await rawRequest(vehicles.port, head);
      expect([res.status, JSON.parse(res.body)]).toEqual([
        413,
        anError(413, 'Payload Too Large', expect.any(String)),
      ]);
    });

    it('an unknown route and a missing key get the one error shape', async () => {
      expect(await get(devices, '/v2/devices')).toMatchObject({
        status: 404,
        body: anError(404, 'Not Found', 'Cannot GET /v2/devices'),
      });
      expect(await get(vehicles, '/v1/vehicles', {})).toMatchObject({
        status: 401,
        body: anError(401, 'Unauthorized', expect.stringContaining('Bearer')),
      });
    });
  });

  describe('time ranges', () => {
    const vin = aVin();
    let seeded: Array<Partial<VehicleTelemetryV1> & { eventId: string }>;

    beforeAll(async () => {
      // pairs share a second, so the event id breaks ties inside a page and across page edges
      seeded = await insert(
        db,
        VEHICLE_TABLE,
        Array.from({ length: 2500 }, (_, i) =>
          vehicle(vin, T0 + Math.floor(i / 2) * 1000, { speedKph: i % 120 }),
        ),
      );
      seeded.sort(byTimeThenId);
    });

    it('pages 2,500 records 1,000 at a time: each exactly once, in order, stable under concurrent inserts', async () => {
      const pages: Array<Page<VehicleTelemetryV1>> = [];
      let cursor: string | null = null;
      let lateAndEarly: Array<{ eventId: string }> = [];
      do {
        const res: { status: number; body: Page<VehicleTelemetryV1> } = await get(
          vehicles,
          `/v1/vehicles/${vin}/telemetry?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        pages.push(res.body);
        cursor = res.body.nextCursor;
        if (pages.length === 1) {
          // while paging: one record after everything (must appear) and one before the cursor (must not: the changes feed has it)
          lateAndEarly = await insert(db, VEHICLE_TABLE, [
            vehicle(vin, T0 + minutes(60)),
            vehicle(vin, T0 - minutes(60)),
          ]);
        }
      } while (cursor !== null);

      expect(pages.map((p) => p.items.length)).toEqual([1000, 1000, 501]);
      const ids = pages.flatMap((p) => p.items.map((r) => r.eventId));
      expect(ids).toEqual([...seeded.map((r) => r.eventId), lateAndEarly[0].eventId]);
      expect(new Set(ids).size).toBe(ids.length);
      expect(pages[0].items[0]).toEqual({
        schema: 'vehicle-telemetry/v1',
        eventId: seeded[0].eventId,
        source: 'e2e',
        vin,
        recordedAt: iso(T0),
        receivedAt: seeded[0].receivedAt,
        latitude: null,
        longitude: null,
        speedKph: seeded[0].speedKph,
        headingDeg: null,
        odometerKm: null,
        fuelLevelPct: null,
        engineRpm: null,
        lvBatteryVoltageV: null,
        hvBatterySocPct: null,
        event: null,
        flags: {},
        attributes: {},
      });
    });

    it('bounds a range by [from, to) and finds the VIN lower-case with spaces', async () => {
      const res = await get<Page<VehicleTelemetryV1>>(
        vehicles,
        `/v1/vehicles/%20${vin.toLowerCase()}%20/telemetry?from=${iso(T0 + 1000)}&to=${iso(T0 + 3000)}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.items.map((r) => r.recordedAt)).toEqual([
        iso(T0 + 1000),
        iso(T0 + 1000),
        iso(T0 + 2000),
        iso(T0 + 2000),
      ]);
      expect(res.body.nextCursor).toBeNull();
    });

    it('streams the whole range as NDJSON, without the page limit', async () => {
      const res = await fetch(
        `${vehicles.url}/v1/vehicles/${vin}/telemetry?limit=10&to=${iso(T0 + minutes(59))}`,
        { headers: { ...AUTH, accept: 'application/x-ndjson' } },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const lines = (await res.text()).split('\n');
      expect(lines.pop()).toBe('');
      const ids = lines.map((line) => (JSON.parse(line) as VehicleTelemetryV1).eventId);
      // the one inserted an hour before T0 while paging is in range too
      expect(ids).toHaveLength(2501);
      expect(ids.slice(1)).toEqual(seeded.map((r) => r.eventId));
    });

    it('streams the whole range as CSV and GeoJSON too, over keyset pages, each record once', async () => {
      const path = `/v1/vehicles/${vin}/telemetry?limit=10&to=${iso(T0 + minutes(59))}`;
      const csv = await (
        await fetch(`${vehicles.url}${path}&format=csv`, { headers: AUTH })
      ).text();
      const rows = csv.split('\r\n').slice(1, -1);
      expect(rows).toHaveLength(2501);
      // the one inserted an hour before T0 while paging comes first
      expect(rows.slice(1).map((row) => row.slice(0, row.indexOf(',')))).toEqual(
        seeded.map((r) => r.eventId),
      );
      const geo = JSON.parse(
        await (await fetch(`${vehicles.url}${path}&format=geojson`, { headers: AUTH })).text(),
      ) as { features: Array<{ id?: string }> };
      expect(geo.features.slice(2).map((f) => f.id)).toEqual(seeded.map((r) => r.eventId));
    });

    it('pages rows too wide for the covering range index in order with the rest, whole', async () => {
      const wideVin = aVin();
      // random hex does not compress: these payloads are over any index entry's size
      const blob = (bytes: number): string => randomBytes(bytes / 2).toString('hex');
      const records = await insert(db, VEHICLE_TABLE, [
        vehicle(wideVin, T0, { attributes: { note: 'narrow' } }),
        vehicle(wideVin, T0 + 1000, { attributes: { blob: blob(6000) } }),
        vehicle(wideVin, T0 + 2000, { event: blob(3000) }),
        vehicle(wideVin, T0 + 3000, {
          flags: { raw: blob(2400) },
          attributes: { more: blob(400) },
        }),
        vehicle(wideVin, T0 + 4000),
      ]);
      const { rows } = await db.query<{ page_inline: boolean }>(
        'SELECT page_inline FROM vehicle_telemetry WHERE vin = $1 ORDER BY recorded_at',
        [wideVin],
      );
      expect(rows.map((r) => r.page_inline)).toEqual([true, false, false, false, true]);
      // and the visibility map is kept fresh for the index-only scans: each partition is vacuumed every 100,000 inserts
      const { rows: options } = await db.query<{ reloptions: string[] }>(
        `SELECT c.reloptions FROM pg_class c WHERE c.oid = (SELECT tableoid FROM vehicle_telemetry WHERE vin = $1 LIMIT 1)`,
        [wideVin],
      );
      expect(options[0].reloptions).toEqual(
        expect.arrayContaining([
          'autovacuum_vacuum_insert_threshold=100000',
          'autovacuum_vacuum_insert_scale_factor=0',
        ]),
      );

      const items: VehicleTelemetryV1[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: Page<VehicleTelemetryV1> } = await get(
          vehicles,
          `/v1/vehicles/${wideVin}/telemetry?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor !== null);
      expect(items.map((r) => r.eventId)).toEqual(records.map((r) => r.eventId));
      expect(items[1].attributes).toEqual(records[1].attributes);
      expect(items[2].event).toBe(records[2].event);
      expect([items[3].flags, items[3].attributes]).toEqual([
        records[3].flags,
        records[3].attributes,
      ]);
    });

    it('returns the latest record, and 404 for a VIN with none', async () => {
      const latest = await get<VehicleTelemetryV1>(vehicles, `/v1/vehicles/${vin}/latest`);
      expect(latest.status).toBe(200);
      expect(latest.body).toMatchObject({ vin, recordedAt: iso(T0 + minutes(60)) });
      expect((await get(vehicles, `/v1/vehicles/${aVin()}/latest`)).status).toBe(404);
    });

    it('lists the VIN with its first and last reading and count, paging by VIN', async () => {
      const found: Array<Record<string, unknown>> = [];
      let cursor: string | null = null;
      let pages = 0;
      // the test database holds every suite's VINs (thousands after the hostile-traffic run): small
      // pages first, to see paging work, then large ones, so the walk reaches this suite's VIN
      do {
        const limit = pages < 10 ? 2 : 1000;
        const res: { status: number; body: Page<Record<string, unknown>> } = await get(
          vehicles,
          `/v1/vehicles?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(limit);
        found.push(...res.body.items);
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 1000);
      const vins = found.map((v) => v.vin as string);
      expect(vins).toEqual([...vins].sort());
      expect(new Set(vins).size).toBe(vins.length);
      expect(found.find((v) => v.vin === vin)).toEqual({
        vin,
        firstRecordedAt: iso(T0 - minutes(60)),
        lastRecordedAt: iso(T0 + minutes(60)),
        recordCount: 2502,
      });
    });
  });

  describe('files for fleet tools (CSV, GeoJSON, GPX)', () => {
    const fields = (table: RecordTable<unknown>) => table.columns.map((c) => String(c.field));
    const file = async (app: RunningApp, path: string, headers: Record<string, string> = AUTH) => {
      const res = await fetch(`${app.url}${path}`, { headers });
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        disposition: res.headers.get('content-disposition'),
        text: await res.text(),
      };
    };

    it('answers each format for readings just stored: chosen by format or Accept, as attachments', async () => {
      const vin = aVin();
      const stored = (
        await insert(db, VEHICLE_TABLE, [
          vehicle(vin, T0, { latitude: -23.5, longitude: -46.6, speedKph: 10 }),
          // no position: a feature without geometry, no trkpt, empty cells
          vehicle(vin, T0 + 1000, { event: 'a,"b"\n<c> & d' }),
          vehicle(vin, T0 + 2000, {
            latitude: -23.6,
            longitude: -46.7,
            event: '</ft:event><c> & d',
            attributes: { note: 'say "hi"' },
          }),
        ])
      ).sort(byTimeThenId);
      const path = `/v1/vehicles/${vin}/telemetry`;

      const csv = await file(vehicles, `${path}?format=csv`);
      expect(csv).toMatchObject({
        status: 200,
        type: 'text/csv; charset=utf-8; header=present',
        disposition: `attachment; filename="${vin}.csv"`,
      });
      const lines = csv.text.split('\r\n');
      expect(lines[0]).toBe(fields(VEHICLE_TABLE as RecordTable<unknown>).join(','));
      expect(lines).toHaveLength(1 + 3 + 1);
      expect(lines[1]).toMatch(new RegExp(`^${stored[0].eventId},e2e,${vin},${iso(T0)},`));
      expect(csv.text).toContain(',"a,""b""\n<c> & d",');
      expect(csv.text).toContain('"{""note"":""say \\""hi\\""""}"');

      const geo = await file(vehicles, path, { ...AUTH, accept: 'application/geo+json' });
      expect(geo).toMatchObject({
        status: 200,
        type: 'application/geo+json',
        disposition: `attachment; filename="${vin}.geojson"`,
      });
      const collection = JSON.parse(geo.text) as {
        features: Array<{ id?: string; geometry: unknown; properties: Record<string, unknown> }>;
      };
      expect(collection.features[0]).toEqual({
        type: 'Feature',
        geometry: {
          type: 'LineString',
          coordinates: [
            [-46.6, -23.5],
            [-46.7, -23.6],
          ],
        },
        properties: { vin, positions: 2 },
      });
      expect(collection.features.slice(1).map((f) => [f.id, f.geometry])).toEqual([
        [stored[0].eventId, { type: 'Point', coordinates: [-46.6, -23.5] }],
        [stored[1].eventId, null],
        [stored[2].eventId, { type: 'Point', coordinates: [-46.7, -23.6] }],
      ]);
      expect(collection.features[2].properties).toMatchObject({
        schema: 'vehicle-telemetry/v1',
        event: 'a,"b"\n<c> & d',
        latitude: null,
      });

      const gpx = await file(vehicles, `${path}?format=gpx`, { ...AUTH, accept: 'text/csv' });
      expect(gpx).toMatchObject({
        status: 200,
        type: 'application/gpx+xml; charset=utf-8',
        disposition: `attachment; filename="${vin}.gpx"`,
      });
      expect(gpx.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<gpx version="1.1"/);
      expect(gpx.text.match(/<trkpt /g)).toHaveLength(2);
      expect(gpx.text).toContain(
        `<trkpt lat="-23.5" lon="-46.6"><time>${iso(T0)}</time><extensions><ft:eventId>${stored[0].eventId}</ft:eventId>`,
      );
      expect(gpx.text).toContain('<ft:event>&lt;/ft:event&gt;&lt;c&gt; &amp; d</ft:event>');
      expect(gpx.text).not.toContain('<c>');

      const ndjson = await file(vehicles, `${path}?format=ndjson`);
      expect(ndjson.text.trim().split('\n')).toHaveLength(3);
      const json = await get<Page<VehicleTelemetryV1>>(vehicles, `${path}?format=json`, {
        ...AUTH,
        accept: 'application/x-ndjson',
      });
      expect(json.body.items.map((r) => r.eventId)).toEqual(stored.map((r) => r.eventId));

      expect((await file(vehicles, path, { ...AUTH, accept: 'text/html' })).status).toBe(406);
      expect((await file(vehicles, `${path}?format=kml`)).status).toBe(400);
    });

    it('writes GPX ele and GeoJSON altitude for a device', async () => {
      const deviceId = aDeviceId();
      await insert(db, LOCATION_TABLE, [
        { ...location(deviceId, T0), altitudeM: 812.5 },
        { ...location(deviceId, T0 + 1000), longitude: -46.7 },
      ]);
      const path = `/v1/devices/${encodeURIComponent(deviceId)}/locations`;
      const gpx = await file(devices, `${path}?format=gpx`);
      expect(gpx.status).toBe(200);
      expect(gpx.text).toContain('<trkpt lat="-23.5" lon="-46.6"><ele>812.5</ele><time>');
      expect(gpx.text).toContain('<trkpt lat="-23.5" lon="-46.7"><time>');
      const geo = JSON.parse((await file(devices, `${path}?format=geojson`)).text) as {
        features: Array<{ geometry: { coordinates: unknown } }>;
      };
      expect(geo.features.map((f) => f.geometry.coordinates)).toEqual([
        [
          [-46.6, -23.5],
          [-46.7, -23.5],
        ],
        [-46.6, -23.5, 812.5],
        [-46.7, -23.5],
      ]);
      const csv = await file(devices, `${path}?format=csv`);
      expect(csv.text.split('\r\n')[0]).toBe(
        fields(LOCATION_TABLE as RecordTable<unknown>).join(','),
      );
    });
  });

  describe('changes feed', () => {
    it('returns a record ingested late (older recordedAt, new seq) after the cursor, and streams it as NDJSON', async () => {
      const vin = aVin();
      const after = await lastSeq(db, 'vehicle_telemetry');
      await insert(db, VEHICLE_TABLE, [vehicle(vin, T0 + minutes(10))]);
      const [late] = await insert(db, VEHICLE_TABLE, [vehicle(vin, T0 - minutes(7 * 24 * 60))]);

      const mine: Array<VehicleTelemetryV1 & { seq: string }> = [];
      let cursor = after;
      for (let hasMore = true; hasMore;) {
        const res: { status: number; body: ChangesPage<VehicleTelemetryV1> } = await get(
          vehicles,
          `/v1/vehicles/telemetry/changes?after=${cursor}&limit=1`,
        );
        expect(res.status).toBe(200);
        mine.push(...res.body.items.filter((r) => r.vin === vin));
        expect(BigInt(res.body.nextCursor)).toBeGreaterThan(BigInt(cursor));
        cursor = res.body.nextCursor;
        hasMore = res.body.hasMore;
      }
      expect(mine.map((r) => r.recordedAt)).toEqual([iso(T0 + minutes(10)), late.recordedAt]);
      expect(BigInt(mine[1].seq)).toBeGreaterThan(BigInt(mine[0].seq));
      expect(BigInt(mine[0].seq)).toBeGreaterThan(BigInt(after));

      const res = await fetch(`${vehicles.url}/v1/vehicles/telemetry/changes?after=${after}`, {
        headers: { ...AUTH, accept: 'application/x-ndjson' },
      });
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const streamed = (await res.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as VehicleTelemetryV1 & { seq: string });
      expect(streamed.filter((r) => r.vin === vin).map((r) => r.eventId)).toEqual(
        mine.map((r) => r.eventId),
      );
    });

    it('streams thousands of changes as NDJSON in seq order', async () => {
      const deviceId = aDeviceId();
      const after = await lastSeq(db, 'device_location');
      await insert(
        db,
        LOCATION_TABLE,
        Array.from({ length: 2300 }, (_, i) => location(deviceId, T0 + i * 1000)),
      );
      const res = await fetch(
        `${devices.url}/v1/devices/locations/changes?after=${after}&limit=1`,
        { headers: { ...AUTH, accept: 'application/x-ndjson' } },
      );
      const items = (await res.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as DeviceLocationV1 & { seq: string });
      const mine = items.filter((r) => r.deviceId === deviceId);
      expect(mine).toHaveLength(2300);
      expect(items.map((r) => BigInt(r.seq))).toEqual(
        items.map((r) => BigInt(r.seq)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      );
    });

    it('long-polls: answers as soon as a record arrives', async () => {
      const vin = aVin();
      let cursor = await lastSeq(db, 'vehicle_telemetry');
      let insertedAt = 0;
      setTimeout(() => {
        insertedAt = Date.now();
        void insert(db, VEHICLE_TABLE, [vehicle(vin, T0)]);
      }, 1000);
      const started = Date.now();
      // another writer may get in first; keep polling from where each answer left off
      for (;;) {
        const res: { status: number; body: ChangesPage<VehicleTelemetryV1> } = await get(
          vehicles,
          `/v1/vehicles/telemetry/changes?after=${cursor}&waitSeconds=20`,
        );
        expect(res.status).toBe(200);
        cursor = res.body.nextCursor;
        if (res.body.items.some((r) => r.vin === vin)) break;
        expect(Date.now() - started).toBeLessThan(15_000);
      }
      const answeredAt = Date.now();
      expect(insertedAt).toBeGreaterThan(0);
      expect(answeredAt - started).toBeGreaterThanOrEqual(900);
      expect(answeredAt - insertedAt).toBeLessThan(1500);
    });

    it('long-polls: answers empty with the same cursor when nothing arrives in time', async () => {
      const deviceSeq = await lastSeq(db, 'device_location');
      const started = Date.now();
      const res = await get<ChangesPage<DeviceLocationV1>>(
        devices,
        `/v1/devices/locations/changes?after=${deviceSeq}&waitSeconds=1`,
      );
      expect(res.body).toEqual({ items: [], nextCursor: deviceSeq, hasMore: false });
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    });
  });

  describe('POST /vehicle-data (mobway-compatible)', () => {
    const vin = aVin();
    const silent = aVin();
    // Brasília is UTC−03:00: 13:00Z is 10:00 there
    const readings = [
      vehicle(vin, Date.parse('2025-03-01T13:00:00.000Z'), {
        source: 'mobway',
        speedKph: 62.5,
        latitude: -23.55052,
        longitude: -46.63331,
        headingDeg: 181,
        odometerKm: 48211.4,
        fuelLevelPct: 57,
        lvBatteryVoltageV: 13.9,
        hvBatterySocPct: null,
        engineRpm: 2100,
        event: 'position',
        attributes: { tire_pressure_fl: 34, driver_badge: 'MTR-20931' },
      }),
      vehicle(vin, Date.parse('2025-03-01T13:00:05.000Z'), {
        source: 'mobway',
        speedKph: null,
        flags: { speed: { value: 512.5, flag: 'out of range' } },
      }),
      // outside 2025-03-01 in Brasília: the day before and the day after
      vehicle(vin, Date.parse('2025-03-01T02:59:59.000Z')),
      vehicle(vin, Date.parse('2025-03-02T03:00:00.000Z')),
      // for the default window, the last 24 h
      vehicle(vin, Date.now() - minutes(60)),
      vehicle(vin, Date.now() - minutes(25 * 60)),
    ];

    beforeAll(async () => {
      await insert(db, VEHICLE_TABLE, readings);
    });

    it("answers in mobway's shape: keyed by VIN, mobway field names, date_time in Brasília time, extras and flags as sent", async () => {
      const res = await post<Record<string, Array<Record<string, unknown>>>>('/vehicle-data', {
        vins: [vin.toLowerCase(), silent],
        start_date: '2025-03-01',
        end_date: '2025-03-01T23:59:59',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(res.body)).toEqual([vin, silent]);
      expect(res.body[silent]).toEqual([]);
      expect(res.body[vin]).toEqual([
        {
          vin,
          date_time: '2025-03-01 10:00:00',
          speed: 62.5,
          latitude: -23.55052,
          longitude: -46.63331,
          heading: 181,
          odometer: 48211.4,
          fuel_level: 57,
          lv_battery_voltage: 13.9,
          hv_battery_soc: null,
          rpm: 2100,
          range: null,
          left_front_tire_pressure: null,
          right_front_tire_pressure: null,
          left_rear_tire_pressure: null,
          right_rear_tire_pressure: null,
          oil_level: null,
          engine_cooling_temperature: null,
          hv_battery_voltage: null,
          hv_battery_charging_status: null,
          seat_belt_status: null,
          event: 'position',
          flag: {},
          tire_pressure_fl: 34,
          driver_badge: 'MTR-20931',
        },
        expect.objectContaining({
          vin,
          date_time: '2025-03-01 10:00:05',
          speed: null,
          flag: { speed: { value: 512.5, flag: 'out of range' } },
        }),
      ]);
    });

    it('filters by datapoints and takes mobway date-times, end second included', async () => {
      const res = await post<Record<string, unknown[]>>('/vehicle-data', {
        vins: [vin],
        datapoints: ['speed', 'tire_pressure_fl'],
        start_date: '2025-03-01 10:00:00',
        end_date: '2025-03-01 10:00:05',
      });
      expect(res.body).toEqual({
        [vin]: [
          { vin, date_time: '2025-03-01 10:00:00', speed: 62.5, flag: {}, tire_pressure_fl: 34 },
          {
            vin,
            date_time: '2025-03-01 10:00:05',
            speed: null,
            flag: { speed: { value: 512.5, flag: 'out of range' } },
            tire_pressure_fl: null,
          },
        ],
      });
    });

    it('defaults to the last 24 hours', async () => {
      const res = await post<Record<string, Array<{ date_time: string }>>>('/vehicle-data', {
        vins: [vin],
      });
      expect(res.status).toBe(200);
      expect(res.body[vin]).toHaveLength(1);
    });
  });

  describe('gaps', () => {
    const deviceId = aDeviceId();
    const vin = aVin();
    // readings every minute from minute 10 to 110 of a two-hour window, none from 30 to 50
    const everyMinute = Array.from({ length: 101 }, (_, i) => i + 10).filter(
      (m) => m < 30 || m > 50,
    );
    const window = `from=${iso(T0)}&to=${iso(T0 + minutes(120))}`;

    beforeAll(async () => {
      await insert(
        db,
        LOCATION_TABLE,
        everyMinute.map((m) => location(deviceId, T0 + minutes(m))),
      );
      await insert(
        db,
        VEHICLE_TABLE,
        everyMinute.map((m) => vehicle(vin, T0 + minutes(m))),
      );
    });

    it('finds the hole left in the data, and the silences at the range edges (flagged)', async () => {
      const res = await get<{ gaps: unknown[]; truncated: boolean }>(
        devices,
        `/v1/devices/${encodeURIComponent(deviceId)}/gaps?${window}&minGapSeconds=300`,
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        from: iso(T0),
        to: iso(T0 + minutes(120)),
        minGapSeconds: 300,
        gaps: [
          {
            from: iso(T0),
            to: iso(T0 + minutes(10)),
            seconds: 600,
            fromRangeStart: true,
            toRangeEnd: false,
          },
          {
            from: iso(T0 + minutes(29)),
            to: iso(T0 + minutes(51)),
            seconds: 1320,
            fromRangeStart: false,
            toRangeEnd: false,
          },
          {
            from: iso(T0 + minutes(110)),
            to: iso(T0 + minutes(120)),
            seconds: 600,
            fromRangeStart: false,
            toRangeEnd: true,
          },
        ],
        truncated: false,
      });
    });

    it('applies the threshold, and reports a range without readings as one gap', async () => {
      const vehicleGaps = await get<{ gaps: Array<{ from: string; to: string }> }>(
        vehicles,
        `/v1/vehicles/${vin}/gaps?${window}&minGapSeconds=900`,
      );
      expect(vehicleGaps.body.gaps).toEqual([
        {
          from: iso(T0 + minutes(29)),
          to: iso(T0 + minutes(51)),
          seconds: 1320,
          fromRangeStart: false,
          toRangeEnd: false,
        },
      ]);
      const empty = await get<{ gaps: unknown[] }>(
        vehicles,
        `/v1/vehicles/${vin}/gaps?from=${iso(T0 - minutes(60))}&to=${iso(T0)}`,
      );
      expect(empty.body.gaps).toEqual([
        {
          from: iso(T0 - minutes(60)),
          to: iso(T0),
          seconds: 3600,
          fromRangeStart: true,
          toRangeEnd: true,
        },
      ]);
    });
  });

  describe('devices', () => {
    it('pages, streams, lists and returns the latest like vehicles do', async () => {
      const deviceId = ` ${aDeviceId()}/with slash`;
      const trimmed = deviceId.trim();
      const seeded = (
        await insert(
          db,
          LOCATION_TABLE,
          Array.from({ length: 7 }, (_, i) => location(trimmed, T0 + i * 1000)),
        )
      ).sort(byTimeThenId);
      const path = `/v1/devices/${encodeURIComponent(deviceId)}`;

      const first = await get<Page<DeviceLocationV1>>(devices, `${path}/locations?limit=5`);
      expect(first.status).toBe(200);
      const second = await get<Page<DeviceLocationV1>>(
        devices,
        `${path}/locations?limit=5&cursor=${first.body.nextCursor}`,
      );
      expect([...first.body.items, ...second.body.items].map((r) => r.eventId)).toEqual(
        seeded.map((r) => r.eventId),
      );
      expect(second.body.nextCursor).toBeNull();
      expect(first.body.items[0]).toMatchObject({
        schema: 'device-location/v1',
        deviceId: trimmed,
        latitude: -23.5,
        longitude: -46.6,
        accuracyM: null,
      });

      const latest = await get<DeviceLocationV1>(devices, `${path}/latest`);
      expect(latest.body.eventId).toBe(seeded[6].eventId);

      const listed: Array<{ deviceId: string }> = [];
      for (let cursor: string | null = ''; cursor !== null;) {
        const list: { body: Page<{ deviceId: string }> } = await get(
          devices,
          `/v1/devices?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
        );
        listed.push(...list.body.items);
        cursor = list.body.nextCursor;
      }
      expect(listed).toContainEqual({
        deviceId: trimmed,
        firstRecordedAt: iso(T0),
        lastRecordedAt: iso(T0 + 6000),
        recordCount: 7,
      });
    });
  });

  // last: PostgreSQL is stopped and started again
  describe('PostgreSQL down', () => {
    it('answers every query with 503 and Retry-After, /health with 503 naming no address; both recover', async () => {
      const vin = aVin();
      await controlStack('postgres', 'stop');
      try {
        const answers = await Promise.all([
          get(vehicles, '/v1/vehicles'),
          get(vehicles, `/v1/vehicles/${vin}/latest`),
          get(vehicles, `/v1/vehicles/${vin}/telemetry`, {
            ...AUTH,
            accept: 'application/x-ndjson',
          }),
          get(vehicles, '/v1/vehicles/telemetry/changes'),
          get(vehicles, `/v1/vehicles/${vin}/gaps`),
          post('/vehicle-data', { vins: [vin] }),
          get(devices, '/v1/devices/d-1/locations'),
        ]);
        for (const answer of answers) {
          expect([answer.status, answer.body]).toEqual([
            503,
            anError(503, 'Service Unavailable', 'the database is unavailable; retry later'),
          ]);
          expect(answer.headers.get('retry-after')).toBe('5');
        }
        // the health answer is cached for a second
        await new Promise((r) => setTimeout(r, 1100));
        const health = await get<string>(vehicles, '/health', {});
        expect(health.status).toBe(503);
        expect(health.body).toMatchObject({
          status: 'error',
          error: { postgres: { status: 'down', message: 'not reachable' } },
        });
        expect(JSON.stringify(health.body)).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}/);
      } finally {
        await controlStack('postgres', 'start');
      }
      const deadline = Date.now() + 30_000;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await get(vehicles, '/v1/vehicles')).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 500));
      }
      expect(status).toBe(200);
    });
  });
});
