import { expect } from '@jest/globals';
import { VehicleTelemetryV1, VehicleTelemetryV1Contract } from '@app/contracts';
import { publishedSchemaCheck } from '@app/contracts/contract.testing';
import { MobwayNormalizer } from './mobway.normalizer';
import { NormalizeContext } from './normalizer';

const VIN = '9BWZZZ377VT004251';
const OTHER_VIN = '9BGKS48U0GG112233';

function aContext(overrides: Partial<NormalizeContext> = {}): NormalizeContext {
  return { source: 'mobway', receivedAt: new Date('2025-03-01T13:00:02.125Z'), ...overrides };
}

function aReading(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    vin: VIN,
    date_time: '2025-03-01 10:00:00',
    speed: 62.5,
    latitude: -23.5505,
    longitude: -46.6333,
    heading: 181,
    odometer: 48211.4,
    fuel_level: 57,
    lv_battery_voltage: 13.9,
    hv_battery_soc: null,
    rpm: 2100,
    event: 'position',
    flag: {},
    ...overrides,
  };
}

function aPayload(...readings: Record<string, unknown>[]): Record<string, unknown[]> {
  const payload: Record<string, unknown[]> = {};
  for (const reading of readings) (payload[String(reading.vin)] ??= []).push(reading);
  return payload;
}

describe(MobwayNormalizer.name, () => {
  const sut = new MobwayNormalizer();
  const only = (payload: unknown, ctx = aContext()): VehicleTelemetryV1 => {
    const { records, rejected } = sut.normalize(payload, ctx);
    expect(rejected).toEqual([]);
    expect(records).toHaveLength(1);
    return records[0];
  };
  const rejectedOnly = (payload: unknown) => {
    const { records, rejected } = sut.normalize(payload, aContext());
    expect(records).toEqual([]);
    expect(rejected).toHaveLength(1);
    return rejected[0];
  };

  it('maps a reading onto the contract with SI-style names', () => {
    expect(only(aPayload(aReading()))).toEqual({
      schema: 'vehicle-telemetry/v1',
      eventId: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      source: 'mobway',
      vin: VIN,
      recordedAt: '2025-03-01T13:00:00.000Z',
      receivedAt: '2025-03-01T13:00:02.125Z',
      latitude: -23.5505,
      longitude: -46.6333,
      speedKph: 62.5,
      headingDeg: 181,
      odometerKm: 48211.4,
      fuelLevelPct: 57,
      engineRpm: 2100,
      lvBatteryVoltageV: 13.9,
      hvBatterySocPct: null,
      event: 'position',
      flags: {},
      attributes: {},
    });
  });

  it('builds records the published JSON Schema accepts too', () => {
    expect(publishedSchemaCheck(VehicleTelemetryV1Contract)(only(aPayload(aReading())))).toEqual(
      [],
    );
  });

  describe('date_time (Brasília time, UTC−03:00, unless it says otherwise)', () => {
    it.each([
      ['2025-03-01 10:00:00', '2025-03-01T13:00:00.000Z'],
      ['2025-03-01 22:30:00', '2025-03-02T01:30:00.000Z'],
      ['2024-12-31 23:59:59', '2025-01-01T02:59:59.000Z'],
      ['2024-02-29 21:00:00', '2024-03-01T00:00:00.000Z'],
      ['2025-03-01T10:00:00', '2025-03-01T13:00:00.000Z'],
      ['2025-03-01 10:00:00.5', '2025-03-01T13:00:00.500Z'],
      ['2025-03-01 10:00:00.123456', '2025-03-01T13:00:00.123Z'],
      ['2025-03-01T10:00:00Z', '2025-03-01T10:00:00.000Z'],
      ['2025-03-01T10:00:00.250+01:00', '2025-03-01T09:00:00.250Z'],
      ['2025-03-01 10:00:00-0300', '2025-03-01T13:00:00.000Z'],
      ['  2025-03-01 10:00:00 ', '2025-03-01T13:00:00.000Z'],
    ])('reads %j as %s', (dateTime, recordedAt) => {
      expect(only(aPayload(aReading({ date_time: dateTime }))).recordedAt).toBe(recordedAt);
    });

    it.each([
      ['February 30', '2025-02-30 10:00:00'],
      ['February 29 outside a leap year', '2025-02-29 10:00:00'],
      ['hour 25', '2025-03-01 25:00:00'],
      ['hour 24', '2025-03-01 24:00:00'],
      ['minute 60', '2025-03-01 10:60:00'],
      ['month 13', '2025-13-01 10:00:00'],
      ['day first', '01/03/2025 10:00:00'],
      ['no time', '2025-03-01'],
      ['words', 'yesterday'],
      ['empty', ''],
    ])('rejects %s', (_case, dateTime) => {
      expect(rejectedOnly(aPayload(aReading({ date_time: dateTime })))).toEqual({
        reasons: [
          `date_time ${JSON.stringify(dateTime)} is not a valid 'yyyy-mm-dd hh:mm:ss' time`,
        ],
        original: aReading({ date_time: dateTime }),
        entityId: VIN,
      });
    });

    it.each([[undefined], [null], [1740834000], [{}]])('rejects a date_time of %p', (dateTime) => {
      expect(rejectedOnly(aPayload(aReading({ date_time: dateTime }))).reasons).toEqual([
        expect.stringMatching(/^date_time must be a string 'yyyy-mm-dd hh:mm:ss', got /),
      ]);
    });
  });

  it('keeps the flag object as it came, with the flagged value null', () => {
    const flag = { speed: { value: 512.5, flag: 'out of range' } };

    const record = only(aPayload(aReading({ speed: null, flag })));

    expect(record).toMatchObject({ speedKph: null, flags: flag });
  });

  it('keeps fields it does not map in attributes, unchanged', () => {
    const extras = {
      tire_pressure_fl: 34,
      tire_pressure_rr: 33.5,
      driver: { badge: 'MTR-20931' },
      tags: ['a'],
      note: null,
    };

    expect(only(aPayload(aReading(extras))).attributes).toEqual(extras);
  });

  it('treats a missing field as null', () => {
    const { speed: _speed, rpm: _rpm, event: _event, flag: _flag, ...reading } = aReading();

    expect(only(aPayload(reading))).toMatchObject({
      speedKph: null,
      engineRpm: null,
      event: null,
      flags: {},
    });
  });

  it('accepts numbers sent as numeric strings', () => {
    const record = only(
      aPayload(aReading({ speed: '62.5', latitude: ' -23.5505 ', odometer: '4.82114e4' })),
    );

    expect(record).toMatchObject({ speedKph: 62.5, latitude: -23.5505, odometerKm: 48211.4 });
  });

  it.each([
    ['a word', 'fast', 'speed must be a finite number or a numeric string, got "fast"'],
    ['hex', '0x1f', 'speed must be a finite number or a numeric string, got "0x1f"'],
    ['an empty string', '', 'speed must be a finite number or a numeric string, got ""'],
    [
      'Infinity as text',
      'Infinity',
      'speed must be a finite number or a numeric string, got "Infinity"',
    ],
    [
      'an overflowing exponent',
      '1e400',
      'speed must be a finite number or a numeric string, got "1e400"',
    ],
    ['a boolean', true, 'speed must be a finite number or a numeric string, got a boolean'],
    ['an object', { kph: 3 }, 'speed must be a finite number or a numeric string, got an object'],
  ])('rejects a speed of %s', (_case, speed, reason) => {
    expect(rejectedOnly(aPayload(aReading({ speed }))).reasons).toEqual([reason]);
  });

  it('carries a numeric event code as text', () => {
    expect(only(aPayload(aReading({ event: 7 }))).event).toBe('7');
  });

  it('rejects a flag that is not an object', () => {
    expect(rejectedOnly(aPayload(aReading({ flag: ['speed'] }))).reasons).toEqual([
      'flag must be an object, got an array',
    ]);
  });

  describe('VIN', () => {
    it('trims and upper-cases the VIN', () => {
      const reading = aReading({ vin: ` ${VIN.toLowerCase()} ` });

      expect(only({ [` ${VIN.toLowerCase()}`]: [reading] }).vin).toBe(VIN);
    });

    it('takes the VIN from the key when the reading has none', () => {
      const { vin: _vin, ...reading } = aReading();

      expect(only({ [VIN]: [reading] }).vin).toBe(VIN);
    });

    it('rejects a reading whose VIN disagrees with its key', () => {
      expect(rejectedOnly({ [OTHER_VIN]: [aReading()] })).toMatchObject({
        reasons: [`vin "${VIN}" does not match its key "${OTHER_VIN}"`],
        entityId: VIN,
      });
    });

    it.each([
      ['with I', '9BWZZZ377VI004251'],
      ['with O', '9BWZZZ377VO004251'],
      ['with Q', '9BWZZZ377VQ004251'],
      ['of 16 characters', '9BWZZZ377VT00425'],
      ['of 18 characters', '9BWZZZ377VT0042511'],
      ['with a dash', '9BWZZZ377-T004251'],
    ])('rejects a VIN %s', (_case, vin) => {
      expect(rejectedOnly(aPayload(aReading({ vin })))).toEqual({
        reasons: ['vin must be 17 characters of the VIN alphabet (no I, O, Q)'],
        original: aReading({ vin }),
        entityId: vin,
      });
    });

    it('rejects a VIN that is not a string', () => {
      expect(rejectedOnly({ [VIN]: [aReading({ vin: 42 })] }).reasons).toEqual([
        'vin must be a string, got a number',
      ]);
    });
  });

  it('rejects latitude 123 and still accepts the other readings of the payload', () => {
    const bad = aReading({ vin: OTHER_VIN, latitude: 123 });

    const { records, rejected } = sut.normalize(
      aPayload(aReading(), bad, aReading({ date_time: '2025-03-01 10:00:05' })),
      aContext(),
    );

    expect(records.map(({ vin, recordedAt }) => [vin, recordedAt])).toEqual([
      [VIN, '2025-03-01T13:00:00.000Z'],
      [VIN, '2025-03-01T13:00:05.000Z'],
    ]);
    expect(rejected).toEqual([
      { reasons: ['latitude must not be greater than 90'], original: bad, entityId: OTHER_VIN },
    ]);
  });

  it('reports every problem of a reading at once', () => {
    expect(
      rejectedOnly(aPayload(aReading({ date_time: 'soon', speed: 'fast', flag: 1 }))).reasons,
    ).toEqual([
      `date_time "soon" is not a valid 'yyyy-mm-dd hh:mm:ss' time`,
      'speed must be a finite number or a numeric string, got "fast"',
      'flag must be an object, got a number',
    ]);
  });

  it('accepts one reading per VIN without a list', () => {
    expect(only({ [VIN]: aReading() }).vin).toBe(VIN);
  });

  it('accepts a bare reading as a payload of one', () => {
    expect(only(aReading()).vin).toBe(VIN);
  });

  it.each([
    ['null', null, 'got null'],
    ['a list', [aReading()], 'got an array'],
    ['a string', 'hello', 'got a string'],
    ['a number', 42, 'got a number'],
  ])('rejects a payload that is %s, as a whole', (_case, payload, got) => {
    expect(rejectedOnly(payload)).toEqual({
      reasons: [`mobway payload must be an object keyed by VIN, ${got}`],
      original: payload,
    });
  });

  it('rejects each reading that is not an object', () => {
    const { records, rejected } = sut.normalize(
      { [VIN]: [aReading(), 'oops', null], [OTHER_VIN]: 3 },
      aContext(),
    );

    expect(records).toHaveLength(1);
    expect(rejected).toEqual([
      { reasons: ['reading must be an object, got a string'], original: 'oops', entityId: VIN },
      { reasons: ['reading must be an object, got null'], original: null, entityId: VIN },
      { reasons: ['reading must be an object, got a number'], original: 3, entityId: OTHER_VIN },
    ]);
  });

  it('keeps `__proto__` and `constructor` fields as plain attributes without touching prototypes', () => {
    const payload = JSON.parse(
      `{"${VIN}":[{"vin":"${VIN}","date_time":"2025-03-01 10:00:00","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}]}`,
    ) as unknown;

    const record = only(payload);

    expect(Object.getPrototypeOf(record.attributes)).toBe(Object.prototype);
    expect(Object.keys(record.attributes)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a reading nested absurdly deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];

    expect(rejectedOnly(aPayload(aReading({ extra: deep }))).reasons).toEqual([
      'reading is nested deeper than 32 levels',
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'U+0000 in an attribute',
      { driver: 'before\u0000after' },
      'reading holds U+0000 (NUL) in a value at $.driver: PostgreSQL cannot store it',
    ],
    [
      'U+0000 in the event',
      { event: 'ignition\u0000' },
      'reading holds U+0000 (NUL) in a value at $.event: PostgreSQL cannot store it',
    ],
    [
      'a lone surrogate in a flag key',
      { flag: { ['speed\ud800']: { value: 1 } } },
      'reading holds an unpaired UTF-16 surrogate in a key at $.flag["speed\\ud800"]: PostgreSQL cannot store it',
    ],
    [
      'an overflowing number',
      { odometer: JSON.parse('1e400') },
      "reading holds a number outside float8's range (read as Infinity) at $.odometer: PostgreSQL cannot store it",
    ],
    [
      'a time before 1970 (Brasília)',
      { date_time: '1969-12-31 20:59:59' },
      'recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z',
    ],
    [
      'year 0',
      { date_time: '0000-06-01 00:00:00' },
      'recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z',
    ],
  ])('rejects a reading PostgreSQL could not store: %s', (_case, overrides, reason) => {
    expect(rejectedOnly(aPayload(aReading(overrides))).reasons).toEqual([reason]);
  });

  it('accepts the first instant of 1970 and odd text PostgreSQL stores, unchanged', () => {
    const record = only(
      aPayload(
        aReading({
          date_time: '1969-12-31 21:00:00',
          event: 'ção 🚚 \u0001',
          note: '\\u0000 \ufffd',
        }),
      ),
    );

    expect(record).toMatchObject({
      recordedAt: '1970-01-01T00:00:00.000Z',
      event: 'ção 🚚 \u0001',
      attributes: { note: '\\u0000 \ufffd' },
    });
  });

  it('fails the contract on every record when receivedAt is not a date', () => {
    const { rejected } = sut.normalize(
      aPayload(aReading()),
      aContext({ receivedAt: new Date(NaN) }),
    );

    expect(rejected[0].reasons).toEqual([
      'receivedAt must be an ISO-8601 UTC timestamp with milliseconds (yyyy-mm-ddThh:mm:ss.sssZ)',
    ]);
  });

  describe('eventId', () => {
    it('is the same for the same reading, however its keys are ordered and whenever it arrives', () => {
      const reading = aReading({ flag: { a: 1, b: { c: 2, d: 3 } } });
      const reordered = Object.fromEntries(
        Object.entries({ ...reading, flag: { b: { d: 3, c: 2 }, a: 1 } }).reverse(),
      );

      const first = only(aPayload(reading));
      const again = only(
        aPayload(reordered),
        aContext({ receivedAt: new Date('2025-03-02T00:00:00Z') }),
      );

      expect(again.eventId).toBe(first.eventId);
    });

    it('differs when any value of the reading differs', () => {
      const ids = [
        aReading(),
        aReading({ speed: 62.6 }),
        aReading({ tire_pressure_fl: 34 }),
        aReading({ flag: { rpm: 1 } }),
      ].map((reading) => only(aPayload(reading)).eventId);

      expect(new Set(ids).size).toBe(ids.length);
    });

    it('differs between sources', () => {
      const mobway = only(aPayload(aReading()));
      const other = only(aPayload(aReading()), aContext({ source: 'acme' }));

      expect(other.eventId).not.toBe(mobway.eventId);
    });
  });

  it('refuses the readings the published JSON Schema refuses, and only those', () => {
    const payload = aPayload(
      aReading(),
      aReading({ vin: OTHER_VIN, latitude: 123 }),
      aReading({ date_time: '2025-03-01 10:00:01', fuel_level: -1 }),
    );
    const bySchema = new MobwayNormalizer(publishedSchemaCheck(VehicleTelemetryV1Contract));
    const entities = (outcome: ReturnType<typeof sut.normalize>) => ({
      records: outcome.records,
      rejected: outcome.rejected.map((r) => [r.entityId, r.original]),
    });

    expect(entities(bySchema.normalize(payload, aContext()))).toEqual(
      entities(sut.normalize(payload, aContext())),
    );
  });
});
