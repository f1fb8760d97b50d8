import { expect } from '@jest/globals';
import { LOCATION_SCHEMA, VEHICLE_SCHEMA } from '@app/contracts';
import { LOCATION_TABLE, VEHICLE_TABLE } from '@app/persistence';
import { defineRecordQuery } from './record-query.definition';
import { RecordQuerySql } from './record-query.sql';

const EVENT_ID = '0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b';
const oneLine = (text: string): string => text.replace(/\s+/g, ' ');

describe(RecordQuerySql.name, () => {
  const sut = new RecordQuerySql(defineRecordQuery(VEHICLE_TABLE, VEHICLE_SCHEMA, 'vin'));
  const devices = new RecordQuerySql(
    defineRecordQuery(LOCATION_TABLE, LOCATION_SCHEMA, 'deviceId'),
  );

  it('selects seq and every bound column, quoted, times as UTC timestamp text', () => {
    const { text } = sut.latest('V');
    const iso = (column: string): string => `("${column}" AT TIME ZONE 'UTC')::text AS "${column}"`;
    expect(text).toContain(
      `SELECT "seq", "event_id", "source", "vin", ${iso('recorded_at')}, ${iso('received_at')}, "latitude"`,
    );
    expect(text).toContain('"attributes" FROM "vehicle_telemetry"');
    for (const q of [sut.range('V', {}, 10), sut.changes('0', 10), devices.latest('d')])
      expect(q.text).toContain(iso('received_at'));
  });

  it("orders by the table's columns, not the select list's text aliases of the same name", () => {
    expect(sut.range('V', {}, 10).text).toContain(
      'ORDER BY "vehicle_telemetry"."recorded_at", "vehicle_telemetry"."event_id" LIMIT',
    );
    expect(devices.latest('d').text).toContain(
      'ORDER BY "device_location"."recorded_at" DESC, "device_location"."event_id" DESC LIMIT 1',
    );
  });

  it('pages a range by a row comparison on (recorded_at, event_id), with only the bounds given', () => {
    expect(sut.range('V', {}, 501)).toEqual({
      text: expect.stringContaining(
        'WHERE "vin" = $1 AND page_inline ORDER BY "recorded_at", "event_id" LIMIT $2) UNION ALL',
      ),
      values: ['V', 501],
    });
    const q = sut.range(
      'V',
      {
        from: '2025-03-01T00:00:00Z',
        to: '2025-03-02T00:00:00Z',
        after: { recordedAt: '2025-03-01T10:00:00.000000Z', eventId: EVENT_ID },
      },
      1001,
    );
    expect(q.text).toContain(
      'WHERE "vin" = $1 AND "recorded_at" >= $2::timestamptz AND "recorded_at" < $3::timestamptz AND "recorded_at" >= $4::timestamptz AND ("recorded_at", "event_id") > ($4::timestamptz, $5::uuid) AND NOT page_inline ORDER BY "recorded_at", "event_id" LIMIT $6))',
    );
    expect(q.text).toMatch(
      /\) AS "vehicle_telemetry" ORDER BY "vehicle_telemetry"."recorded_at", "vehicle_telemetry"."event_id" LIMIT \$6$/,
    );
    expect(q.values).toEqual([
      'V',
      '2025-03-01T00:00:00Z',
      '2025-03-02T00:00:00Z',
      '2025-03-01T10:00:00.000000Z',
      EVENT_ID,
      1001,
    ]);
  });

  it('reads a range from the covering index and the rows too wide for it, as stored, merged in order', () => {
    const q = devices.range('d', { from: '2025-03-01T00:00:00Z' }, 10);
    const branch = (inline: string): string =>
      `SELECT "seq", "event_id", "source", "device_id", "recorded_at", "received_at", "latitude", "longitude", "accuracy_m", "speed_kph", "heading_deg", "altitude_m", "battery_pct", "attributes" FROM "device_location" WHERE "device_id" = $1 AND "recorded_at" >= $2::timestamptz AND ${inline}page_inline ORDER BY "recorded_at", "event_id" LIMIT $3)`;
    expect(q.text).toContain(
      `FROM ((${branch('')} UNION ALL (${branch('NOT ')}) AS "device_location" ORDER BY "device_location"."recorded_at", "device_location"."event_id" LIMIT $3`,
    );
    // the outer select formats times; the inner ones keep them as stored for the ORDER BY
    expect(q.text).toMatch(
      /^SELECT "seq", .*\("recorded_at" AT TIME ZONE 'UTC'\)::text AS "recorded_at".* FROM \(\(SELECT/,
    );
  });

  it('numbers parameters densely when only some bounds are given', () => {
    const q = sut.range(
      'V',
      {
        to: '2025-03-02T00:00:00Z',
        after: { recordedAt: '2025-03-01T10:00:00Z', eventId: EVENT_ID },
      },
      10,
    );
    expect(q.text).toContain(
      '"recorded_at" < $2::timestamptz AND "recorded_at" >= $3::timestamptz AND ("recorded_at", "event_id") > ($3::timestamptz, $4::uuid)',
    );
    expect(q.text).toContain('LIMIT $5');
    expect(q.values).toHaveLength(5);
  });

  it("selects no extra column for the cursor: recorded_at's text keeps the microseconds", () => {
    expect(sut.range('V', {}, 1).text).toMatch(
      /^SELECT "seq", [^(]*\("recorded_at" AT TIME ZONE 'UTC'\)::text AS "recorded_at", [^(]*\("received_at" AT TIME ZONE 'UTC'\)::text AS "received_at", [^(]*"attributes" FROM \(/,
    );
  });

  it('reads the latest by the index backwards', () => {
    expect(sut.latest('V').text).toContain(
      'WHERE "vin" = $1 ORDER BY "vehicle_telemetry"."recorded_at" DESC, "vehicle_telemetry"."event_id" DESC LIMIT 1',
    );
  });

  it('reads the latest from a time on, when given: a bound the planner prunes partitions by', () => {
    expect(sut.latest('V', '2025-03-01T00:00:00.000Z')).toEqual({
      text: expect.stringContaining(
        'WHERE "vin" = $1 AND "recorded_at" >= $2::timestamptz ORDER BY "vehicle_telemetry"."recorded_at" DESC',
      ),
      values: ['V', '2025-03-01T00:00:00.000Z'],
    });
  });

  it('feeds changes by seq, optionally up to a bound', () => {
    expect(sut.changes('10', 501)).toEqual({
      text: expect.stringMatching(/WHERE seq > \$1::bigint ORDER BY seq LIMIT \$2$/),
      values: ['10', 501],
    });
    expect(sut.changes('10', 1000, '99')).toEqual({
      text: expect.stringMatching(
        /WHERE seq > \$1::bigint AND seq <= \$2::bigint ORDER BY seq LIMIT \$3$/,
      ),
      values: ['10', '99', 1000],
    });
  });

  it('lists entities with a loose index scan from a keyset position', () => {
    const first = sut.entities(undefined, 101);
    expect(first.values).toEqual([101]);
    expect(oneLine(first.text)).toContain(
      '(SELECT "vin" AS entity FROM "vehicle_telemetry" ORDER BY "vin" LIMIT 1)',
    );
    const next = devices.entities('dev-9', 11);
    expect(next.values).toEqual(['dev-9', 11]);
    expect(next.text).toContain('WHERE "device_id" > $1 ORDER BY "device_id" LIMIT 1');
    expect(next.text).toContain(
      'count(*) AS records FROM "device_location" WHERE "device_id" = page.entity',
    );
    expect(next.text).toContain('LIMIT $2');
  });

  it('finds gaps with lead() over the readings between the range edges', () => {
    const q = devices.gaps(
      'dev-1',
      '2025-03-01T00:00:00.000Z',
      '2025-03-02T00:00:00.000Z',
      300,
      10001,
    );
    expect(q.values).toEqual([
      'dev-1',
      '2025-03-01T00:00:00.000Z',
      '2025-03-02T00:00:00.000Z',
      300,
      10001,
    ]);
    expect(q.text).toContain('lead(at) OVER w AS next_at');
    expect(q.text).toContain(
      'FROM "device_location" WHERE "device_id" = $1 AND "recorded_at" >= $2::timestamptz AND "recorded_at" < $3::timestamptz',
    );
    expect(q.text).toContain('WHERE next_at - at > make_interval(secs => $4) ORDER BY at LIMIT $5');
  });

  it('refuses a binding whose names are not plain identifiers', () => {
    const table = { ...VEHICLE_TABLE, table: 'vehicle_telemetry; DROP TABLE x' };
    expect(() => new RecordQuerySql(defineRecordQuery(table, VEHICLE_SCHEMA, 'vin'))).toThrow(
      /not a plain SQL identifier/,
    );
  });

  it("refuses an entity key that is not the table binding's", () => {
    expect(() => defineRecordQuery(VEHICLE_TABLE, VEHICLE_SCHEMA, 'source')).toThrow(
      /not the table's entity field/,
    );
  });
});
