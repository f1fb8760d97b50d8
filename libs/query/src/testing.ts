import { VEHICLE_TABLE } from '@app/persistence';
import { RecordRow } from './record.mapper';

/** a row as the repository hands it out: each column's text as PostgreSQL prints it, seq first */
export function aRow(
  table: { columns: { column: string }[] },
  texts: Record<string, string | null>,
): RecordRow {
  return ['seq', ...table.columns.map((c) => c.column)].map((column) =>
    column in texts ? texts[column] : null,
  );
}

/** a full vehicle row, with `overrides` */
export function aVehicleRow(overrides: Record<string, string | null> = {}): RecordRow {
  return aRow(VEHICLE_TABLE, {
    seq: '9007199254740993',
    event_id: '0b6f2a8e-5d1c-5a3e-9f7b-2c4d6e8f0a1b',
    source: 'mobway',
    vin: '9BWZZZ377VT004251',
    recorded_at: '2025-03-01 13:00:00.123456',
    received_at: '2025-03-01 13:00:01',
    latitude: '-23.5',
    longitude: '-46.6',
    speed_kph: null,
    heading_deg: '181',
    odometer_km: '48211.4',
    fuel_level_pct: '57',
    engine_rpm: '2100',
    lv_battery_voltage_v: '13.9',
    hv_battery_soc_pct: null,
    event: 'position',
    flags: '{"speed": {"flag": "out of range", "value": 512.5}}',
    attributes: '{"tire_pressure_fl": 34}',
    ...overrides,
  });
}
