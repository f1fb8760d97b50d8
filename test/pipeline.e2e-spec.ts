import { randomUUID } from 'node:crypto';
import { Parser } from '@asyncapi/parser';
import { DeviceLocationV1, TOPICS, VehicleTelemetryV1 } from '@app/contracts';
import { partitionOfKey } from '@app/kafka/murmur2.partitioner';
import { sign } from '@app/verification';
import { Scrape } from './support/metrics';
import { mobwayPayload, mobwayReading, randomVin, weguardLocation } from './support/payloads';
import { RunningApp, TEST_QUERY_KEY } from './support/running-app';
import { eventually } from './support/eventually';
import { PORT_BASE } from './support/test-env';

const MOBWAY = 'pipeline-mobway-secret-5d2e8a1c7f93b046';
const WEGUARD = 'pipeline-weguard-secret-9b4f0c6e2a71d385';
const TRACCAR = 'pipeline-traccar-token-3c8e1a6f0b9d2754';
// the location consumer serves its metrics on a port of its own, behind a token
const LOCATION_METRICS_PORT = PORT_BASE + 8;
const METRICS_TOKEN = 'pipeline-metrics-token-6b1f9d3a0c7e';
// KAFKA_TOPIC_PARTITIONS of the test stack (test/global-setup.ts)
const PARTITIONS = 3;

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
      RunningApp.start('location-consumer', {
        METRICS_PORT: String(LOCATION_METRICS_PORT),
        METRICS_TOKEN,
      }),
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

  it("counts what it did on every app's /metrics: webhooks accepted and dead-lettered, rows new and duplicate, lag per partition", async () => {
    const locationMetrics = `http://127.0.0.1:${LOCATION_METRICS_PORT}`;
    const scrapeAll = async () => ({
      gateway: await Scrape.of(gateway.url),
      vehicles: await Scrape.of(vehicles.url),
      devices: await Scrape.of(locationMetrics, METRICS_TOKEN),
    });
    const before = await scrapeAll();
    // one VIN on each partition, so that the vehicle consumer commits on every one
    const vins: string[] = [];
    while (new Set(vins.map((vin) => partitionOfKey(vin, PARTITIONS))).size < PARTITIONS)
      vins.push(randomVin());
    const bodies = vins.map((vin) =>
      mobwayPayload([
        mobwayReading(vin, { date_time: '2025-03-02 10:00:00' }),
        mobwayReading(vin, { date_time: '2025-03-02 10:00:30' }),
      ]),
    );
    // the first request again in other bytes: published again, stored as duplicates
    const again = Buffer.from(JSON.stringify(JSON.parse(bodies[0].toString()), null, 1));
    const broken = mobwayPayload([mobwayReading(randomVin(), { date_time: 'yesterday' })]);
    for (const body of [...bodies, again, broken]) {
      const res = await fetch(`${gateway.url}/webhooks/mobway`, {
        method: 'POST',
        body,
        headers: sign('mobway', MOBWAY, body),
      });
      expect(res.status).toBe(200);
    }
    const location = Buffer.from(JSON.stringify(weguardLocation(`dev-${randomUUID()}`)));
    const sent = await fetch(`${gateway.url}/webhooks/weguard`, {
      method: 'POST',
      body: location,
      headers: sign('weguard', WEGUARD, location),
    });
    expect(sent.status).toBe(200);
    const readings = 2 * vins.length;
    const rows = (s: Scrape, topic: string, outcome: string) =>
      s.sum('fleet_sink_rows_written_total', { topic, outcome });
    const delta = (s: Scrape, name: string, labels: Record<string, string>, was: Scrape) =>
      s.sum(name, labels) - was.sum(name, labels);

    const after = await eventually(
      scrapeAll,
      (s) =>
        rows(s.vehicles, TOPICS.vehicle, 'duplicate') -
          rows(before.vehicles, TOPICS.vehicle, 'duplicate') >=
          2 &&
        rows(s.vehicles, TOPICS.vehicle, 'new') - rows(before.vehicles, TOPICS.vehicle, 'new') >=
          readings &&
        rows(s.devices, TOPICS.location, 'new') - rows(before.devices, TOPICS.location, 'new') >=
          1 &&
        s.vehicles.series('fleet_sink_consumer_lag', { topic: TOPICS.vehicle }).length ===
          PARTITIONS,
    );

    const mobway = { source: 'mobway' };
    const g = (name: string, labels: Record<string, string>) =>
      delta(after.gateway, name, labels, before.gateway);
    expect({
      accepted: g('fleet_gateway_requests_accepted_total', mobway),
      published: g('fleet_gateway_records_published_total', mobway),
      deadLettered: g('fleet_gateway_records_dead_lettered_total', mobway),
      deadLetters: g('fleet_dead_letters_total', {
        stage: 'ingest',
        source: 'mobway',
        reason_class: 'invalid_time',
      }),
      answered200: g('fleet_gateway_request_duration_seconds_count', { ...mobway, status: '200' }),
      weguardAccepted: g('fleet_gateway_requests_accepted_total', { source: 'weguard' }),
      // every message produced: each request's raw body, its records and its dead letter
      produced: g('fleet_gateway_publish_batch_records_sum', {}),
    }).toEqual({
      accepted: vins.length + 2,
      published: readings + 2,
      deadLettered: 1,
      deadLetters: 1,
      answered200: vins.length + 2,
      weguardAccepted: 1,
      produced: vins.length + 2 + readings + 2 + 1 + 2,
    });
    expect(g('fleet_gateway_publish_duration_seconds_count', {})).toBeGreaterThan(0);

    expect({
      vehicleRowsNew: delta(
        after.vehicles,
        'fleet_sink_rows_written_total',
        { topic: TOPICS.vehicle, outcome: 'new' },
        before.vehicles,
      ),
      vehicleDuplicates: delta(
        after.vehicles,
        'fleet_sink_rows_written_total',
        { topic: TOPICS.vehicle, outcome: 'duplicate' },
        before.vehicles,
      ),
      locationRowsNew: delta(
        after.devices,
        'fleet_sink_rows_written_total',
        { topic: TOPICS.location, outcome: 'new' },
        before.devices,
      ),
    }).toEqual({ vehicleRowsNew: readings, vehicleDuplicates: 2, locationRowsNew: 1 });
    expect(
      delta(
        after.vehicles,
        'fleet_sink_write_duration_seconds_count',
        { topic: TOPICS.vehicle, outcome: 'ok' },
        before.vehicles,
      ),
    ).toBeGreaterThan(0);
    const lag = after.vehicles.series('fleet_sink_consumer_lag', { topic: TOPICS.vehicle });
    expect(lag.map((l) => l.partition).sort()).toEqual(
      Array.from({ length: PARTITIONS }, (_, p) => String(p)),
    );
    for (const { partition } of lag)
      expect(
        after.vehicles.sum('fleet_sink_consumer_lag', { topic: TOPICS.vehicle, partition }),
      ).toBeGreaterThanOrEqual(0);

    // process and Node.js series on every app, under the same prefix
    for (const scrape of Object.values(after)) {
      expect(scrape.sum('fleet_process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(scrape.sum('fleet_nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    }
  });

  it('serves /metrics on a consumer as on the gateway: on its own listener only, with the token', async () => {
    const own = `http://127.0.0.1:${LOCATION_METRICS_PORT}/metrics`;
    expect((await fetch(`${devices.url}/metrics`)).status).toBe(404);
    expect((await fetch(own)).status).toBe(401);
    const res = await fetch(own, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE fleet_sink_consumer_lag gauge');
  });

  it('serves the AsyncAPI document of the topics from every app, valid for @asyncapi/parser', async () => {
    for (const app of [gateway, vehicles, devices]) {
      const res = await fetch(`${app.url}/asyncapi.json`);
      expect([app.name, res.status, res.headers.get('content-type')]).toEqual([
        app.name,
        200,
        'application/json; charset=utf-8',
      ]);
      const { document, diagnostics } = await new Parser().parse(await res.text());
      expect(diagnostics.map((d) => d.message)).toEqual([]);
      expect(
        document!
          .channels()
          .all()
          .map((c) => c.address())
          .sort(),
      ).toEqual(Object.values(TOPICS).sort());
    }
  });
});
