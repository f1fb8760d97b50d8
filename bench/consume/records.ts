import { aVehicleRecord } from '@app/contracts/testing';
import { EVENT_ID_NAMESPACE, uuidV5 } from '@app/normalization/event-id';
import { VEHICLE_TABLE } from '@app/persistence/record-tables';

/**
 * The bench fleet: VINS vehicles, each reading every INTERVAL_S seconds from T0. Reading k of
 * vehicle v has the same values whether it travelled through Kafka (the preload, as JSON) or was
 * made by PostgreSQL (the top-up, generate_series): the two generators below must stay in step.
 */
export const VINS = 10_000;
export const INTERVAL_S = 10;
export const T0 = Date.parse('2025-06-01T00:00:00.000Z');
export const ATTRIBUTES = {
  tire_pressure_fl: 34,
  tire_pressure_fr: 34,
  tire_pressure_rl: 33,
  tire_pressure_rr: 33,
  ignition: true,
};

// what every reading shares: the contract's example reading, with the bench's attributes
const SHARED = aVehicleRecord({
  source: 'mobway',
  lvBatteryVoltageV: 13.9,
  hvBatterySocPct: null,
  flags: {},
  attributes: ATTRIBUTES,
});

/** a value every reading shares, by its column, for the top-up to write the same */
const shared = (column: string): unknown =>
  SHARED[VEHICLE_TABLE.columns.find((c) => c.column === column)!.field];

/** 17 characters from the VIN alphabet (no I, O, Q) */
export const benchVin = (v: number): string => `9BWBENCH${String(v).padStart(9, '0')}`;

const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** reading k of vehicle v as the gateway would publish it (JSON of a VehicleTelemetryV1) */
export function vehicleRecord(
  v: number,
  k: number,
): { vin: string; eventId: string; json: string } {
  return vehicleRecordAt(v, k, T0 + k * INTERVAL_S * 1000);
}

/** reading k of vehicle v (its values) taken at `at` (Unix ms): a bench with another timeline */
export function vehicleRecordAt(
  v: number,
  k: number,
  at: number,
): { vin: string; eventId: string; json: string } {
  const vin = benchVin(v);
  const recordedAt = new Date(at).toISOString();
  const eventId = uuidV5(`mobway|${vin}|${recordedAt}`, EVENT_ID_NAMESPACE);
  const record = {
    ...SHARED,
    receivedAt: new Date(at + 2000).toISOString(),
    latitude: r6(-23.55 + (v % 100) * 0.01 + k * 0.0001),
    longitude: r6(-46.63 + Math.floor(v / 100) * 0.01 + k * 0.0001),
    speedKph: (k * 7 + v) % 120,
    headingDeg: (k * 13 + v) % 360,
    odometerKm: r6(10000 + v + k * 0.25),
    engineRpm: 800 + ((k * 37 + v) % 3000),
    event: k % 100 === 0 ? 'ignition_on' : null,
    vin,
    recordedAt,
    eventId,
  };
  return { vin, eventId, json: JSON.stringify(record) };
}

/**
 * The same readings for k in [k0, k1) made by PostgreSQL, time-major (every vehicle's reading k,
 * then k+1), as a live fleet's rows arrive: one vehicle's rows are spread over the heap, not
 * clustered. Event ids are random UUIDs (as scattered in the unique index as UUIDv5s).
 */
export function topUpSql(table: string, k0: number, k1: number): string {
  return `
    INSERT INTO ${table} (event_id, source, vin, recorded_at, received_at, latitude, longitude, speed_kph, heading_deg,
      odometer_km, fuel_level_pct, engine_rpm, lv_battery_voltage_v, hv_battery_soc_pct, event, flags, attributes,
      kafka_partition, kafka_offset)
    SELECT gen_random_uuid(), 'mobway', '9BWBENCH' || lpad(v::text, 9, '0'),
      to_timestamp(${T0 / 1000} + k * ${INTERVAL_S}), to_timestamp(${T0 / 1000} + k * ${INTERVAL_S} + 2),
      round((-23.55 + (v % 100) * 0.01 + k * 0.0001)::numeric, 6), round((-46.63 + (v / 100) * 0.01 + k * 0.0001)::numeric, 6),
      (k * 7 + v) % 120, (k * 13 + v) % 360, 10000 + v + k * 0.25, ${Number(shared('fuel_level_pct'))}, 800 + (k * 37 + v) % 3000,
      13.9, NULL, CASE WHEN k % 100 = 0 THEN 'ignition_on' END, '{}'::jsonb, '${JSON.stringify(ATTRIBUTES)}'::jsonb,
      v % 6, k::bigint * ${VINS} + v
    FROM generate_series(${k0}, ${k1 - 1}) AS k CROSS JOIN LATERAL generate_series(0, ${VINS - 1}) AS v`;
}
