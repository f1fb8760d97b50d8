import { sign } from '@app/verification';
import { mobwayPayload, randomVin } from './support/payloads';
import { RunningApp, TEST_QUERY_KEY } from './support/running-app';
import { aFullMobwayReading } from '@app/normalization/testing/mobway-readings';

const MOBWAY = 'vehicle-data-mobway-secret-5b8e2c71d4a9';
const AUTH = { authorization: `Bearer ${TEST_QUERY_KEY}` };

// every datapoint of mobway's catalogue, in a reading as mobway's webhook sends it
const CATALOGUE = [
  'speed', 'latitude', 'longitude', 'heading', 'odometer', 'fuel_level', 'rpm', 'range',
  'left_front_tire_pressure', 'right_front_tire_pressure', 'left_rear_tire_pressure', 'right_rear_tire_pressure',
  'oil_level', 'engine_cooling_temperature', 'lv_battery_voltage', 'hv_battery_voltage', 'hv_battery_soc',
  'hv_battery_charging_status', 'seat_belt_status', 'event',
]; // prettier-ignore

/** a UTC instant as mobway's date_time: `yyyy-mm-dd hh:mm:ss` in Brasília time (UTC−03:00) */
const brasilia = (millis: number): string =>
  new Date(millis - 3 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/** the messages of an error body, whatever its envelope: one string or a list */
const messagesOf = (body: unknown): string[] => {
  // the one error shape lists them in `details` and joins them in `message`
  const details = (body as { details?: unknown }).details;
  if (Array.isArray(details)) return details as string[];
  const message = (body as { message?: unknown }).message;
  return Array.isArray(message) ? (message as string[]) : [String(message)];
};

describe('POST /vehicle-data: what a mobway client sends, answered with what mobway sent us', () => {
  let gateway: RunningApp;
  let vehicles: RunningApp;
  const vin = randomVin();
  const recent = Date.now() - 3_600_000;
  const sent = {
    midnight: aFullMobwayReading(vin, '2025-03-01 00:00:00'),
    ten: aFullMobwayReading(vin, '2025-03-01 10:00:00'),
    tenAndOne: { vin, date_time: '2025-03-01 10:00:01', speed: 40, flag: {} },
    recent: { vin, date_time: brasilia(recent), speed: 12, flag: {} },
    dayOld: { vin, date_time: brasilia(recent - 24 * 3_600_000), speed: 13, flag: {} },
  };

  const vehicleData = async (
    body: unknown,
  ): Promise<{ status: number; body: Record<string, Array<Record<string, unknown>>> }> => {
    const res = await fetch(`${vehicles.url}/vehicle-data`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, Array<Record<string, unknown>>>,
    };
  };
  const dateTimes = async (dates: Record<string, string>): Promise<string[]> => {
    const res = await vehicleData({ vins: [vin], datapoints: ['speed'], ...dates });
    expect(res.status).toBe(200);
    return res.body[vin].map((reading) => reading.date_time as string);
  };

  beforeAll(async () => {
    [gateway, vehicles] = await Promise.all([
      RunningApp.start('ingest-gateway', { MOBWAY_SIGN_SECRET: MOBWAY }),
      RunningApp.start('vehicle-consumer'),
    ]);
    const body = mobwayPayload(Object.values(sent));
    const res = await fetch(`${gateway.url}/webhooks/mobway`, {
      method: 'POST',
      body,
      headers: sign('mobway', MOBWAY, body),
    });
    expect(await res.json()).toEqual({ status: 'success', accepted: 5, deadLettered: 0 });
    // stored once the consumer has caught up
    const deadline = Date.now() + 30_000;
    const stored = (): Promise<number> =>
      fetch(
        `${vehicles.url}/v1/vehicles/${vin}/telemetry?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`,
        { headers: AUTH },
      )
        .then((r) => r.json() as Promise<{ items?: unknown[] }>)
        .then((page) => page.items?.length ?? 0);
    while ((await stored()) < 5 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    expect(await stored()).toBe(5);
  });
  afterAll(async () => {
    await Promise.all([gateway, vehicles].filter(Boolean).map((app) => app.stop()));
  });

  it.each([
    ['yyyy-mm-ddThh:mm:ss, Brasília wall-clock', '2025-03-01T10:00:00'],
    ['yyyy-mm-ddThh:mm:ss-ZZ:00, the offset given', '2025-03-01T09:00:00-04:00'],
    ['yyyy-mm-ddThh:mm:ss+00:00', '2025-03-01T13:00:00+00:00'],
    ['yyyy-mm-dd hh:mm:ss, as date_time is written', '2025-03-01 10:00:00'],
  ])(
    'gives back every catalogue field as sent, with its flags (%s, both ends inclusive)',
    async (_form, instant) => {
      const res = await vehicleData({ vins: [vin], start_date: instant, end_date: instant });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual([vin]);
      expect(res.body[vin]).toHaveLength(1);
      const [reading] = res.body[vin];
      for (const [field, value] of Object.entries(sent.ten))
        expect({ field, value: reading[field] }).toEqual({ field, value });
      expect(Object.keys(reading).sort()).toEqual(
        ['vin', 'date_time', 'flag', ...CATALOGUE].sort(),
      );
    },
  );

  it("reads yyyy-mm-dd as that day's 00:00:00 in Brasília, for either end", async () => {
    const res = await vehicleData({
      vins: [vin],
      start_date: '2025-03-01',
      end_date: '2025-03-01',
    });
    expect(res.body[vin]).toHaveLength(1);
    for (const [field, value] of Object.entries(sent.midnight))
      expect({ field, value: res.body[vin][0][field] }).toEqual({ field, value });
    expect(await dateTimes({ start_date: '2025-02-28', end_date: '2025-03-02' })).toEqual([
      '2025-03-01 00:00:00',
      '2025-03-01 10:00:00',
      '2025-03-01 10:00:01',
    ]);
  });

  it('lists every catalogue field, null when the reading had none', async () => {
    const res = await vehicleData({
      vins: [vin],
      start_date: '2025-03-01T10:00:01',
      end_date: '2025-03-01T10:00:01',
    });
    const [reading] = res.body[vin];
    expect(reading).toMatchObject({
      vin,
      date_time: '2025-03-01 10:00:01',
      speed: 40,
      flag: {},
      range: null,
      seat_belt_status: null,
      hv_battery_voltage: null,
    });
    expect(Object.keys(reading).sort()).toEqual(['vin', 'date_time', 'flag', ...CATALOGUE].sort());
  });

  it('with datapoints, gives those catalogue fields and their flags only', async () => {
    const res = await vehicleData({
      vins: [vin],
      datapoints: ['oil_level', 'left_rear_tire_pressure', 'hv_battery_charging_status'],
      start_date: '2025-03-01T10:00:00',
      end_date: '2025-03-01T10:00:00',
    });
    expect(res.body[vin]).toEqual([
      {
        vin,
        date_time: '2025-03-01 10:00:00',
        oil_level: null,
        left_rear_tire_pressure: 32.75,
        hv_battery_charging_status: 'charging',
        flag: { oil_level: { value: -1, flag: 'sensor fault' } },
      },
    ]);
  });

  it('takes the 24 hours after a lone start_date and before a lone end_date, both ends inclusive', async () => {
    expect(await dateTimes({ start_date: '2025-02-28T10:00:00' })).toEqual([
      '2025-03-01 00:00:00',
      '2025-03-01 10:00:00',
    ]);
    expect(await dateTimes({ end_date: '2025-03-02T10:00:00' })).toEqual([
      '2025-03-01 10:00:00',
      '2025-03-01 10:00:01',
    ]);
  });

  it('takes the last 24 hours when no date is given', async () => {
    expect(await dateTimes({})).toEqual([sent.recent.date_time]);
  });

  it.each([
    ['a 30-year window', { start_date: '1995-01-01', end_date: '2025-01-01' }, 'end_date'],
    ['year 0000', { start_date: '0000-01-01T00:00:00' }, 'start_date'],
    ['year 0000, date only', { end_date: '0000-01-01' }, 'end_date'],
    ['an offset of +23:59', { end_date: '2025-03-01T10:00:00+23:59' }, 'end_date'],
    ['a NUL byte', { start_date: '2025-03-01\u0000' }, 'start_date'],
    ['an end before the start', { start_date: '2025-03-02', end_date: '2025-03-01' }, 'end_date'],
  ])(
    'answers %s with 400 and one message naming the parameter',
    async (_case, dates, parameter) => {
      const res = await vehicleData({ vins: [vin], ...dates });
      expect(res.status).toBe(400);
      const messages = messagesOf(res.body);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(new RegExp(`^${parameter} `));
    },
  );

  it.each([
    ['starts in year 0 in UTC', { start_date: '0001-01-01T00:00:00+05:00' }],
    ['ends in year 10000 in UTC', { end_date: '9999-12-31T23:59:59' }],
  ])(
    'answers a window that %s (past what can be stored) with 200, never 500',
    async (_case, dates) => {
      const res = await vehicleData({ vins: [vin], ...dates });
      expect(res).toEqual({ status: 200, body: { [vin]: [] } });
    },
  );

  it('answers one message per bad parameter', async () => {
    const res = await vehicleData({
      vins: ['not a vin'],
      datapoints: 'speed',
      start_date: '2025-13-01',
      end_date: '2025-03-01T10:00:00+14:30',
    });
    expect(res.status).toBe(400);
    expect(
      messagesOf(res.body)
        .map((m) => m.split(' ')[0])
        .sort(),
    ).toEqual(['datapoints', 'end_date', 'start_date', 'vins']);
  });
});
