import { expect } from '@jest/globals';
import { DeviceLocationV1, DeviceLocationV1Contract } from '@app/contracts';
import { publishedSchemaCheck } from '@app/contracts/contract.testing';
import { NormalizeContext } from './normalizer';
import { WeguardNormalizer } from './weguard.normalizer';

const DEVICE = '356938035643809';

function aContext(overrides: Partial<NormalizeContext> = {}): NormalizeContext {
  return { source: 'weguard', receivedAt: new Date('2025-03-01T13:00:02.125Z'), ...overrides };
}

function aLocation(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    deviceId: DEVICE,
    latitude: 40.712776,
    longitude: -74.005974,
    timestamp: '2025-03-01T13:00:00.000Z',
    ...overrides,
  };
}

describe(WeguardNormalizer.name, () => {
  const sut = new WeguardNormalizer();
  const all = (payload: unknown, ctx = aContext()): DeviceLocationV1[] => {
    const { records, rejected } = sut.normalize(payload, ctx);
    expect(rejected).toEqual([]);
    return records;
  };
  const only = (payload: unknown, ctx = aContext()): DeviceLocationV1 => {
    const records = all(payload, ctx);
    expect(records).toHaveLength(1);
    return records[0];
  };
  const rejectedOnly = (payload: unknown) => {
    const { records, rejected } = sut.normalize(payload, aContext());
    expect(records).toEqual([]);
    expect(rejected).toHaveLength(1);
    return rejected[0];
  };

  it('maps a location onto the contract, nulls for what it does not say', () => {
    expect(only(aLocation())).toEqual({
      schema: 'device-location/v1',
      eventId: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ),
      source: 'weguard',
      deviceId: DEVICE,
      recordedAt: '2025-03-01T13:00:00.000Z',
      receivedAt: '2025-03-01T13:00:02.125Z',
      latitude: 40.712776,
      longitude: -74.005974,
      accuracyM: null,
      speedKph: null,
      headingDeg: null,
      altitudeM: null,
      batteryPct: null,
      attributes: {},
    });
  });

  it('builds records the published JSON Schema accepts too', () => {
    expect(
      publishedSchemaCheck(DeviceLocationV1Contract)(
        only(aLocation({ accuracy: 5, speed: 3, heading: 90, altitude: 10, battery: 50 })),
      ),
    ).toEqual([]);
  });

  describe('shapes', () => {
    const three = [aLocation(), aLocation({ deviceId: 'b' }), aLocation({ deviceId: 'c' })];

    it('takes one location object', () => {
      expect(only(aLocation()).deviceId).toBe(DEVICE);
    });

    it('takes a list', () => {
      expect(all(three).map(({ deviceId }) => deviceId)).toEqual([DEVICE, 'b', 'c']);
    });

    it.each(['locations', 'data', 'events', 'items', 'records', 'payload'])(
      'takes an envelope with a list under %s',
      (key) => {
        expect(
          all({ event: 'location.updated', [key]: three }).map(({ deviceId }) => deviceId),
        ).toEqual([DEVICE, 'b', 'c']);
      },
    );

    it('takes an envelope holding one location under data', () => {
      expect(
        only({ id: 'delivery-1', event: 'location.updated', data: aLocation() }).deviceId,
      ).toBe(DEVICE);
    });

    it('takes a list nested in envelopes', () => {
      expect(all({ data: { locations: three } })).toHaveLength(3);
    });

    it("uses the envelope's device id for locations that carry none, never the envelope's id", () => {
      const { deviceId: _deviceId, ...location } = aLocation();

      expect(
        only({ id: 'delivery-1', imei: '490154203237518', locations: [location] }).deviceId,
      ).toBe('490154203237518');
      expect(rejectedOnly({ id: 'delivery-1', locations: [location] }).reasons).toEqual([
        'device id missing: none of deviceId, device_id, deviceIdentifier, device, imei, serial, serialNumber, serial_number, id',
      ]);
    });

    it('does not mistake a location with its own data field for an envelope', () => {
      const record = only(aLocation({ data: { foo: 1 } }));

      expect(record.attributes).toEqual({ data: { foo: 1 } });
    });

    it('rejects an envelope that holds no location as one, keeping all of it as the original', () => {
      const payload = { event: 'ping', data: { foo: 1 } };

      expect(rejectedOnly(payload).original).toBe(payload);
    });

    it('yields nothing for an empty list', () => {
      expect(sut.normalize({ locations: [] }, aContext())).toEqual({ records: [], rejected: [] });
    });

    it.each([
      ['null', null, 'got null'],
      ['a string', 'hello', 'got a string'],
      ['a number', 7, 'got a number'],
    ])('rejects a payload that is %s, as a whole', (_case, payload, got) => {
      expect(rejectedOnly(payload)).toEqual({
        reasons: [
          `weguard payload must be a location object, a list of them or an envelope holding them, ${got}`,
        ],
        original: payload,
      });
    });

    it('rejects each list item that is not an object, and keeps the rest', () => {
      const { records, rejected } = sut.normalize([aLocation(), 5, [aLocation()]], aContext());

      expect(records).toHaveLength(1);
      expect(rejected).toEqual([
        { reasons: ['location must be an object, got a number'], original: 5 },
        { reasons: ['location must be an object, got an array'], original: [aLocation()] },
      ]);
    });
  });

  describe('spellings', () => {
    const base = { latitude: 1, longitude: 2, timestamp: '2025-03-01T13:00:00Z' };

    it.each([
      'deviceId',
      'device_id',
      'deviceIdentifier',
      'device',
      'imei',
      'serial',
      'serialNumber',
      'serial_number',
      'id',
    ])('reads the device id from %s', (key) => {
      expect(only({ ...base, [key]: ' dev-1 ' }).deviceId).toBe('dev-1');
    });

    it('reads a numeric device id as text', () => {
      expect(only({ ...base, imei: 356938035643809 }).deviceId).toBe('356938035643809');
    });

    it('prefers a named device id to a bare id, which stays in attributes', () => {
      expect(only({ ...base, id: 'loc-77', serial: 'S1' })).toMatchObject({
        deviceId: 'S1',
        attributes: { id: 'loc-77' },
      });
    });

    it('skips a device field holding an object and keeps it in attributes', () => {
      const device = { model: 'SM-T290', os: 'Android 11' };

      expect(only({ ...base, device, imei: '1' })).toMatchObject({
        deviceId: '1',
        attributes: { device },
      });
    });

    it.each([
      ['latitude', 'longitude'],
      ['lat', 'lng'],
      ['lat', 'lon'],
      ['lat', 'long'],
    ])('reads coordinates from %s and %s', (latitudeKey, longitudeKey) => {
      const record = only({
        deviceId: 'd',
        timestamp: '2025-03-01T13:00:00Z',
        [latitudeKey]: '-33.8688',
        [longitudeKey]: 151.2093,
      });

      expect(record).toMatchObject({ latitude: -33.8688, longitude: 151.2093, attributes: {} });
    });

    it.each([
      'timestamp',
      'time',
      'recordedAt',
      'recorded_at',
      'dateTime',
      'date_time',
      'locationTime',
      'createdAt',
    ])('reads the time from %s', (key) => {
      expect(
        only({ deviceId: 'd', latitude: 1, longitude: 2, [key]: '2025-03-01T10:00:00-03:00' })
          .recordedAt,
      ).toBe('2025-03-01T13:00:00.000Z');
    });

    it.each([
      ['accuracy', 'accuracyM'],
      ['accuracyM', 'accuracyM'],
      ['horizontalAccuracy', 'accuracyM'],
      ['speed', 'speedKph'],
      ['speedKph', 'speedKph'],
      ['heading', 'headingDeg'],
      ['bearing', 'headingDeg'],
      ['course', 'headingDeg'],
      ['altitude', 'altitudeM'],
      ['alt', 'altitudeM'],
      ['battery', 'batteryPct'],
      ['batteryLevel', 'batteryPct'],
      ['battery_level', 'batteryPct'],
      ['batteryPct', 'batteryPct'],
    ])('reads %s into %s', (key, field) => {
      expect(only(aLocation({ [key]: 42 }))).toMatchObject({ [field]: 42, attributes: {} });
    });

    it('converts speedMps to km/h', () => {
      expect(only(aLocation({ speedMps: 10 })).speedKph).toBe(36);
      expect(only(aLocation({ speedMps: '1.1' })).speedKph).toBe(3.96);
    });

    it('prefers explicit units and keeps the losing spelling in attributes', () => {
      expect(only(aLocation({ speed: 99, speedMps: 10 }))).toMatchObject({
        speedKph: 36,
        attributes: { speed: 99 },
      });
      expect(only(aLocation({ speedKph: 50, speedMps: 10 }))).toMatchObject({
        speedKph: 50,
        attributes: { speedMps: 10 },
      });
    });

    it('keeps an optional field it cannot read in attributes rather than refusing the location', () => {
      const battery = { level: 80, charging: true };

      expect(only(aLocation({ battery, heading: 'north' }))).toMatchObject({
        batteryPct: null,
        headingDeg: null,
        attributes: { battery, heading: 'north' },
      });
    });

    it('keeps unknown fields in attributes, unchanged', () => {
      const extras = {
        provider: 'gps',
        networkType: 'LTE',
        geofence: { id: 'gf-17', inside: true },
      };

      expect(only(aLocation(extras)).attributes).toEqual(extras);
    });
  });

  describe('time', () => {
    it.each([
      ['epoch seconds', 1740834000, '2025-03-01T13:00:00.000Z'],
      ['epoch seconds with a fraction', 1740834000.25, '2025-03-01T13:00:00.250Z'],
      ['epoch millis', 1740834000123, '2025-03-01T13:00:00.123Z'],
      ['epoch seconds as text', '1740834000', '2025-03-01T13:00:00.000Z'],
      ['epoch millis as text', '1740834000123', '2025-03-01T13:00:00.123Z'],
      ['the largest epoch seconds', 99_999_999_999, '5138-11-16T09:46:39.000Z'],
      ['the smallest epoch millis', 100_000_000_000, '1973-03-03T09:46:40.000Z'],
      ['ISO with Z', '2025-03-01T13:00:00Z', '2025-03-01T13:00:00.000Z'],
      ['ISO with an offset', '2025-03-01T08:00:00.5-05:00', '2025-03-01T13:00:00.500Z'],
      ['ISO without an offset, as UTC', '2025-03-01T13:00:00', '2025-03-01T13:00:00.000Z'],
      ['ISO without seconds', '2025-03-01T13:00Z', '2025-03-01T13:00:00.000Z'],
    ])('reads %s', (_case, time, recordedAt) => {
      expect(only(aLocation({ timestamp: time })).recordedAt).toBe(recordedAt);
    });

    it.each([
      [
        'an impossible date',
        '2025-02-30T13:00:00Z',
        'time "2025-02-30T13:00:00Z" is neither an ISO-8601 time nor epoch seconds or milliseconds',
      ],
      ['words', 'now', 'time "now" is neither an ISO-8601 time nor epoch seconds or milliseconds'],
      [
        'an epoch past year 9999',
        1e15,
        'time 1000000000000000 is neither an ISO-8601 time nor epoch seconds or milliseconds',
      ],
      [
        'a boolean',
        true,
        'time must be an ISO-8601 string or epoch seconds or milliseconds: timestamp is a boolean',
      ],
    ])('rejects %s', (_case, time, reason) => {
      expect(rejectedOnly(aLocation({ timestamp: time })).reasons).toEqual([reason]);
    });
  });

  it('rejects a location without coordinates, time or device, naming what it looked for', () => {
    expect(rejectedOnly({ speed: 3 })).toEqual({
      reasons: [
        'device id missing: none of deviceId, device_id, deviceIdentifier, device, imei, serial, serialNumber, serial_number, id',
        'latitude missing: none of latitude, lat',
        'longitude missing: none of longitude, lng, lon, long',
        'time missing: none of timestamp, time, recordedAt, recorded_at, dateTime, date_time, locationTime, createdAt',
      ],
      original: { speed: 3 },
    });
  });

  it('rejects latitude 123 and still accepts the other locations of the payload', () => {
    const bad = aLocation({ deviceId: 'bad', latitude: 123 });

    const { records, rejected } = sut.normalize(
      { locations: [aLocation(), bad, aLocation({ deviceId: 'c' })] },
      aContext(),
    );

    expect(records.map(({ deviceId }) => deviceId)).toEqual([DEVICE, 'c']);
    expect(rejected).toEqual([
      { reasons: ['latitude must not be greater than 90'], original: bad, entityId: 'bad' },
    ]);
  });

  it('rejects a latitude sent as a word, naming the field', () => {
    expect(rejectedOnly(aLocation({ latitude: 'north' })).reasons).toEqual([
      'latitude must be a finite number or a numeric string: latitude is a string',
    ]);
  });

  it.each<[string, unknown, string]>([
    [
      'U+0000 in the device id',
      aLocation({ deviceId: 'dev\u0000' }),
      'location holds U+0000 (NUL) in a value at $.deviceId: PostgreSQL cannot store it',
    ],
    [
      'a lone surrogate in a nested key',
      aLocation({ extra: { ['tag\ud800']: 1 } }),
      'location holds an unpaired UTF-16 surrogate in a key at $.extra["tag\\ud800"]: PostgreSQL cannot store it',
    ],
    [
      'an overflowing altitude',
      aLocation({ altitude: JSON.parse('1e400') }),
      "location holds a number outside float8's range (read as Infinity) at $.altitude: PostgreSQL cannot store it",
    ],
    [
      'U+0000 in the envelope device id it falls back to',
      { imei: 'dev\u0000', locations: [{ latitude: 1, longitude: 2, timestamp: 1740834000 }] },
      'deviceId must not hold U+0000 or an unpaired UTF-16 surrogate: PostgreSQL cannot store them',
    ],
    [
      'a negative epoch',
      aLocation({ timestamp: -1 }),
      'recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z',
    ],
    [
      'year 1 with an offset, year 0 in UTC',
      aLocation({ timestamp: '0001-01-01T00:00:00+01:00' }),
      'recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z',
    ],
    [
      'a time a minute before 1970',
      aLocation({ timestamp: '1970-01-01T00:00:00+00:01' }),
      'recordedAt must be between 1970-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z',
    ],
  ])('rejects a location PostgreSQL could not store: %s', (_case, payload, reason) => {
    expect(rejectedOnly(payload).reasons).toEqual([reason]);
  });

  it('rejects a device id longer than 128 characters', () => {
    expect(rejectedOnly(aLocation({ deviceId: 'x'.repeat(129) })).reasons).toEqual([
      'deviceId must be a trimmed, non-empty string of at most 128 characters',
    ]);
  });

  describe('eventId', () => {
    it('is the same for the same location, however its keys are ordered and whenever it arrives', () => {
      const location = aLocation({ extra: { b: 1, a: [1, { y: 2, x: 1 }] } });
      const reordered = Object.fromEntries(
        Object.entries({ ...location, extra: { a: [1, { x: 1, y: 2 }], b: 1 } }).reverse(),
      );

      expect(
        only(reordered, aContext({ receivedAt: new Date('2030-01-01T00:00:00Z') })).eventId,
      ).toBe(only(location).eventId);
    });

    it('differs when the location differs, even only in an attribute', () => {
      const ids = [
        aLocation(),
        aLocation({ latitude: 40.712777 }),
        aLocation({ note: 'x' }),
        aLocation({ timestamp: 1740834000 }),
      ].map((location) => only(location).eventId);

      expect(new Set(ids).size).toBe(ids.length);
    });
  });
});
