import { checkLocation, type DeviceLocationV1 } from '@app/contracts';
import { NormalizeContext } from './normalizer';
import { TraccarNormalizer } from './traccar.normalizer';

const DEVICE = '356307042441013';

function aContext(): NormalizeContext {
  return { source: 'traccar', receivedAt: new Date('2025-03-01T13:00:05.000Z') };
}

function aPosition(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 1843207,
    attributes: { sat: 11, ignition: true, batteryLevel: 87 },
    deviceId: 42,
    protocol: 'teltonika',
    serverTime: '2025-03-01T13:00:03.412+00:00',
    deviceTime: '2025-03-01T13:00:01.000+00:00',
    fixTime: '2025-03-01T13:00:01.000+00:00',
    outdated: false,
    valid: true,
    latitude: -23.55052,
    longitude: -46.633308,
    altitude: 760,
    speed: 10,
    course: 182,
    accuracy: 0,
    ...overrides,
  };
}

/** what Traccar's JSON position forwarder posts: the position and its device */
function aForward(
  position: unknown = aPosition(),
  device: unknown = { id: 42, name: 'Truck 17', uniqueId: DEVICE, status: 'online' },
): Record<string, unknown> {
  return { position, device };
}

describe(TraccarNormalizer.name, () => {
  const sut = new TraccarNormalizer();
  const only = (payload: unknown): DeviceLocationV1 => {
    const { records, rejected } = sut.normalize(payload, aContext());
    expect(rejected).toEqual([]);
    expect(records).toHaveLength(1);
    return records[0];
  };
  const reasonsFor = (payload: unknown) => {
    const { records, rejected } = sut.normalize(payload, aContext());
    expect(records).toEqual([]);
    expect(rejected).toHaveLength(1);
    return rejected[0];
  };

  it('maps a forwarded position onto the contract: knots to km/h, the rest to attributes', () => {
    expect(only(aForward())).toEqual({
      schema: 'device-location/v1',
      eventId: expect.stringMatching(
        /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      ) as string,
      source: 'traccar',
      deviceId: DEVICE,
      recordedAt: '2025-03-01T13:00:01.000Z',
      receivedAt: '2025-03-01T13:00:05.000Z',
      latitude: -23.55052,
      longitude: -46.633308,
      accuracyM: null,
      speedKph: 18.52,
      headingDeg: 182,
      altitudeM: 760,
      batteryPct: 87,
      attributes: {
        id: 1843207,
        deviceId: 42,
        protocol: 'teltonika',
        serverTime: '2025-03-01T13:00:03.412+00:00',
        deviceTime: '2025-03-01T13:00:01.000+00:00',
        outdated: false,
        valid: true,
        sat: 11,
        ignition: true,
      },
    });
  });

  it('builds records the contract check accepts', () => {
    expect(checkLocation(only(aForward()))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, Partial<DeviceLocationV1>]>([
    ['0 knots', { speed: 0 }, { speedKph: 0 }],
    ['1 knot', { speed: 1 }, { speedKph: 1.852 }],
    ['fractional knots, rounded to 1e-6', { speed: 33.475594 }, { speedKph: 61.9968 }],
    ['no speed', { speed: undefined }, { speedKph: null }],
    ['a reported accuracy', { accuracy: 4.5 }, { accuracyM: 4.5 }],
    ["Traccar's 0 for no accuracy", { accuracy: 0 }, { accuracyM: null }],
    ['numeric strings', { latitude: '-23.5', speed: '2' }, { latitude: -23.5, speedKph: 3.704 }],
    [
      'a fix time with another offset',
      { fixTime: '2025-03-01T10:00:01.000-03:00' },
      { recordedAt: '2025-03-01T13:00:01.000Z' },
    ],
    [
      'a fix time without a colon in the offset',
      { fixTime: '2025-03-01T13:00:01.000+0000' },
      { recordedAt: '2025-03-01T13:00:01.000Z' },
    ],
    [
      'a fix time without an offset, as UTC',
      { fixTime: '2025-03-01T13:00:01' },
      { recordedAt: '2025-03-01T13:00:01.000Z' },
    ],
    [
      'a fix time in epoch milliseconds',
      { fixTime: 1740834001000 },
      { recordedAt: '2025-03-01T13:00:01.000Z' },
    ],
    [
      'no fix time: the device time',
      { fixTime: null, deviceTime: '2025-03-01T13:00:00Z' },
      { recordedAt: '2025-03-01T13:00:00.000Z' },
    ],
  ])('reads %s', (_case, overrides, expected) => {
    expect(only(aForward(aPosition(overrides)))).toMatchObject(expected);
  });

  it('reads a numeric uniqueId as text and trims a string one', () => {
    expect(only(aForward(aPosition(), { uniqueId: 4711 })).deviceId).toBe('4711');
    expect(only(aForward(aPosition(), { uniqueId: ` ${DEVICE} ` })).deviceId).toBe(DEVICE);
  });

  it('keeps a value it does not take in attributes: a non-numeric course, a textual battery level', () => {
    const record = only(
      aForward(aPosition({ course: 'north', attributes: { batteryLevel: 'full', sat: 4 } })),
    );

    expect(record).toMatchObject({ headingDeg: null, batteryPct: null });
    expect(record.attributes).toMatchObject({ course: 'north', batteryLevel: 'full', sat: 4 });
  });

  it('lets an attribute named like a position field win, and keeps position attributes that are not an object', () => {
    expect(only(aForward(aPosition({ attributes: { protocol: 'x' } }))).attributes).toMatchObject({
      protocol: 'x',
    });
    expect(only(aForward(aPosition({ attributes: 'odd' }))).attributes).toMatchObject({
      attributes: 'odd',
    });
  });

  it('keeps __proto__ in position or attributes an ordinary field, touching no prototype', () => {
    const payload = JSON.parse(
      `{"device":{"uniqueId":"${DEVICE}"},"position":{"latitude":1,"longitude":2,"fixTime":1740834001000,` +
        '"__proto__":{"polluted":1},"attributes":{"__proto__":{"polluted":2},"sat":3}}}',
    ) as unknown;

    const { attributes } = only(payload);

    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect(Object.hasOwn(attributes, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toEqual({
      polluted: 2,
    });
    expect(attributes.sat).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives the same event id to a retry whose device object changed, another to another position', () => {
    const first = only(aForward(aPosition(), { uniqueId: DEVICE, status: 'online' }));
    const retry = only(aForward(aPosition(), { uniqueId: DEVICE, status: 'offline' }));
    const other = only(aForward(aPosition({ speed: 11 })));

    expect(retry.eventId).toBe(first.eventId);
    expect(other.eventId).not.toBe(first.eventId);
  });

  it('takes a list of forwarded positions, each on its own', () => {
    const { records, rejected } = sut.normalize(
      [aForward(), aForward(aPosition({ latitude: 123 })), 5],
      aContext(),
    );

    expect(records).toHaveLength(1);
    expect(rejected.map(({ reasons }) => reasons)).toEqual([
      ['latitude must not be greater than 90'],
      ['forwarded position must be an object, got a number'],
    ]);
  });

  it.each<[string, unknown, string[], string | undefined]>([
    [
      'no device',
      { position: aPosition() },
      ['device must be an object holding uniqueId, got nothing'],
      undefined,
    ],
    [
      'a device without uniqueId',
      aForward(aPosition(), { id: 42 }),
      ['device.uniqueId missing'],
      undefined,
    ],
    [
      'a blank uniqueId',
      aForward(aPosition(), { uniqueId: '  ' }),
      ['device.uniqueId must be a non-blank string or a number, got a string'],
      undefined,
    ],
    [
      'no position',
      { device: { uniqueId: DEVICE } },
      ['position must be an object, got nothing'],
      DEVICE,
    ],
    [
      'a position that is a list',
      aForward([aPosition()]),
      ['position must be an object, got an array'],
      DEVICE,
    ],
    [
      'no latitude',
      aForward(aPosition({ latitude: undefined })),
      ['position.latitude missing'],
      DEVICE,
    ],
    [
      'a null longitude',
      aForward(aPosition({ longitude: null })),
      ['position.longitude missing'],
      DEVICE,
    ],
    [
      'a textual latitude',
      aForward(aPosition({ latitude: 'south' })),
      ['position.latitude must be a finite number or a numeric string, got a string'],
      DEVICE,
    ],
    [
      'no time at all',
      aForward(aPosition({ fixTime: undefined, deviceTime: undefined })),
      ['position.fixTime missing (and no deviceTime)'],
      DEVICE,
    ],
    [
      'an unreadable fix time',
      aForward(aPosition({ fixTime: 'yesterday' })),
      [
        'position.fixTime "yesterday" is neither an ISO-8601 time nor epoch seconds or milliseconds',
      ],
      DEVICE,
    ],
    [
      'an impossible fix time',
      aForward(aPosition({ fixTime: '2025-02-30T10:00:00Z' })),
      [
        'position.fixTime "2025-02-30T10:00:00Z" is neither an ISO-8601 time nor epoch seconds or milliseconds',
      ],
      DEVICE,
    ],
    [
      'a fix time of the wrong type',
      aForward(aPosition({ fixTime: true })),
      [
        'position.fixTime must be an ISO-8601 string or epoch seconds or milliseconds, got a boolean',
      ],
      DEVICE,
    ],
    [
      'a latitude out of range',
      aForward(aPosition({ latitude: 91 })),
      ['latitude must not be greater than 90'],
      DEVICE,
    ],
    [
      'a negative speed',
      aForward(aPosition({ speed: -1 })),
      ['speedKph must not be less than 0'],
      DEVICE,
    ],
    [
      'a battery level over 100',
      aForward(aPosition({ attributes: { batteryLevel: 150 } })),
      ['batteryPct must not be greater than 100'],
      DEVICE,
    ],
    [
      'everything wrong at once',
      { position: { latitude: 'x' }, device: {} },
      [
        'device.uniqueId missing',
        'position.latitude must be a finite number or a numeric string, got a string',
        'position.longitude missing',
        'position.fixTime missing (and no deviceTime)',
      ],
      undefined,
    ],
  ])('rejects %s, saying why', (_case, payload, reasons, entityId) => {
    const rejected = reasonsFor(payload);

    expect(rejected.reasons).toEqual(reasons);
    expect(rejected.original).toBe(payload);
    expect(rejected.entityId).toBe(entityId);
  });

  it('rejects a position holding what PostgreSQL cannot store', () => {
    expect(reasonsFor(aForward(aPosition({ address: 'a\u0000b' }))).reasons).toEqual([
      'forwarded position holds U+0000 (NUL) in a value at $.position.address: PostgreSQL cannot store it',
    ]);
  });

  it.each([
    ['null', null, 'got null'],
    ['a string', 'hello', 'got a string'],
    ['a number', 7, 'got a number'],
  ])('rejects a payload that is %s, as a whole', (_case, payload, got) => {
    expect(reasonsFor(payload)).toEqual({
      reasons: [
        `traccar payload must be a forwarded position ({"position":{…},"device":{…}}) or a list of them, ${got}`,
      ],
      original: payload,
    });
  });

  it('yields nothing for an empty list', () => {
    expect(sut.normalize([], aContext())).toEqual({ records: [], rejected: [] });
  });

  it('rejects a deeply nested position without throwing', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`) as unknown;

    expect(reasonsFor(aForward(aPosition({ attributes: { deep } }))).reasons).toEqual([
      'forwarded position is nested deeper than 32 levels',
    ]);
  });
});
