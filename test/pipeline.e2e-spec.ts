import { randomUUID } from 'node:crypto';
import { DeviceLocationV1, VehicleTelemetryV1 } from '@app/contracts';
import { sign } from '@app/verification';
import { mobwayPayload, mobwayReading, randomVin, weguardLocation } from './support/payloads';
import { RunningApp, TEST_QUERY_KEY } from './support/running-app';
import { eventually } from './support/eventually';

const MOBWAY = 'pipeline-mobway-secret-5d2e8a1c7f93b046';
const WEGUARD = 'pipeline-weguard-secret-9b4f0c6e2a71d385';
const TRACCAR = 'pipeline-traccar-token-3c8e1a6f0b9d2754';

describe('the whole pipeline: gateway → Kafka → consumers → PostgreSQL → query APIs', () => {
  let gateway: RunningApp;
  let vehicles: RunningApp;
  let devices: RunningApp;
  const auth = { authorization: `Bearer ${TEST_QUERY_KEY}` };

  beforeAll(async () => {
    [gateway, vehicles, devices] = await Promise.all([
      RunningApp.start('ingest-gateway', {
        MOBWAY_SIGN_SECRET: MOBWAY,
        WEGUARD_SECRET: WEGUARD,
        // a sender with a body shape of its own: one WEBHOOK_SOURCES entry naming its normalizer
        WEBHOOK_SOURCES: JSON.stringify([
          { name: 'traccar', scheme: 'bearer-token', secrets: [TRACCAR], normalizer: 'traccar' },
        ]),
      }),
      RunningApp.start('vehicle-consumer'),
      RunningApp.start('location-consumer'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([gateway, vehicles, devices].filter(Boolean).map((app) => app.stop()));
  });

  const get = async <T>(app: RunningApp, path: string): Promise<T> =>
    (await (await fetch(`${app.url}${path}`, { headers: auth })).json()) as T;

  it('serves a signed mobway request back by VIN, once, however often it was delivered', async () => {
    const vin = randomVin();
    const body = mobwayPayload([
      mobwayReading(vin, {
        date_time: '2025-03-01 10:00:00',
        speed: 62.5,
        odometer: 48211.4,
        tire_pressure_fl: 34,
      }),
      mobwayReading(vin, {
        date_time: '2025-03-01 10:00:30',
        speed: null,
        flag: { speed: { value: 512.5, flag: 'out of range' } },
      }),
    ]);
    // the same readings in other bytes (re-serialized): the gateway's replay cache does not know them,
    // so the second delivery is published again and only the consumers' unique event id collapses it
    const again = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    for (const delivery of [body, again]) {
      const res = await fetch(`${gateway.url}/webhooks/mobway`, {
        method: 'POST',
        body: delivery,
        headers: sign('mobway', MOBWAY, delivery),
      });
      expect(await res.json()).toEqual({ status: 'success', accepted: 2, deadLettered: 0 });
    }
    const path = `/v1/vehicles/${vin}/telemetry?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z`;
    const page = await eventually(
      () => get<{ items: VehicleTelemetryV1[] }>(vehicles, path),
      (p) => p.items?.length >= 2,
    );
    // a late duplicate would show up as a third row: give the consumer a moment to (not) store it
    await new Promise((r) => setTimeout(r, 1500));
    const settled = await get<{ items: VehicleTelemetryV1[] }>(vehicles, path);
    expect(settled.items).toHaveLength(2);
    const [first, second] = settled.items;
    expect(first).toMatchObject({
      schema: 'vehicle-telemetry/v1',
      vin,
      recordedAt: '2025-03-01T13:00:00.000Z',
      speedKph: 62.5,
      odometerKm: 48211.4,
      source: 'mobway',
    });
    expect(first.attributes).toMatchObject({ tire_pressure_fl: 34 });
    expect(second).toMatchObject({
      recordedAt: '2025-03-01T13:00:30.000Z',
      speedKph: null,
      flags: { speed: { value: 512.5, flag: 'out of range' } },
    });
    expect(page.items.map((r) => r.eventId)).toEqual(settled.items.map((r) => r.eventId));

    // the mobway-shaped recovery endpoint answers in mobway's own terms
    const recovered = await fetch(`${vehicles.url}/vehicle-data`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        vins: [vin],
        start_date: '2025-03-01 00:00:00',
        end_date: '2025-03-01 23:59:59',
      }),
    });
    const byVin = (await recovered.json()) as Record<string, Record<string, unknown>[]>;
    expect(byVin[vin].map((r) => r.date_time)).toEqual([
      '2025-03-01 10:00:00',
      '2025-03-01 10:00:30',
    ]);
    expect(byVin[vin][0]).toMatchObject({ vin, speed: 62.5, tire_pressure_fl: 34 });
  });

  it('serves a signed WeGuard request back by device', async () => {
    const device = `dev-${randomUUID()}`;
    const body = Buffer.from(
      JSON.stringify({
        locations: [
          weguardLocation(device, { timestamp: '2025-03-01T13:00:01.250Z', speed: 31.4 }),
        ],
      }),
    );
    const res = await fetch(`${gateway.url}/webhooks/weguard`, {
      method: 'POST',
      body,
      headers: sign('weguard', WEGUARD, body),
    });
    expect(res.status).toBe(200);
    const latest = await eventually(
      async () => {
        const r = await fetch(`${devices.url}/v1/devices/${device}/latest`, { headers: auth });
        return r.status === 200 ? ((await r.json()) as DeviceLocationV1) : undefined;
      },
      (r) => r !== undefined,
    );
    expect(latest).toMatchObject({
      schema: 'device-location/v1',
      deviceId: device,
      recordedAt: '2025-03-01T13:00:01.250Z',
      latitude: 40.712776,
      longitude: -74.005974,
      speedKph: 31.4,
      accuracyM: 6.5,
    });
  });

  it("serves a Traccar forwarded position back by its device's uniqueId, speed in km/h", async () => {
    const uniqueId = `35630704${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const body = Buffer.from(
      JSON.stringify({
        position: {
          id: 1843207,
          attributes: { batteryLevel: 87, ignition: true, sat: 11 },
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
        },
        device: { id: 42, name: 'Truck 17', uniqueId, status: 'online' },
      }),
    );
    const unsigned = await fetch(`${gateway.url}/webhooks/traccar`, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    const res = await fetch(`${gateway.url}/webhooks/traccar`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...sign('bearer-token', TRACCAR, body) },
    });
    expect(await res.json()).toEqual({ status: 'success', accepted: 1, deadLettered: 0 });
    const latest = await eventually(
      async () => {
        const r = await fetch(`${devices.url}/v1/devices/${uniqueId}/latest`, { headers: auth });
        return r.status === 200 ? ((await r.json()) as DeviceLocationV1) : undefined;
      },
      (r) => r !== undefined,
    );
    expect(latest).toMatchObject({
      schema: 'device-location/v1',
      source: 'traccar',
      deviceId: uniqueId,
      recordedAt: '2025-03-01T13:00:01.000Z',
      latitude: -23.55052,
      longitude: -46.633308,
      speedKph: 18.52,
      headingDeg: 182,
      altitudeM: 760,
      accuracyM: null,
      batteryPct: 87,
    });
    expect(latest?.attributes).toMatchObject({ protocol: 'teltonika', ignition: true, sat: 11 });
  });
});
