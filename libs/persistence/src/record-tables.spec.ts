import { Type } from '@sinclair/typebox';
import { bindColumns, LOCATION_TABLE, VEHICLE_TABLE } from './record-tables';

// the bindings derive from the contracts; these lists pin them to the columns the migrations made
describe(bindColumns.name, () => {
  it('binds every vehicle field but the schema name, in order, to the migrated columns', () => {
    expect(VEHICLE_TABLE.columns.map((c) => [c.column, c.field, c.pgType])).toEqual([
      ['event_id', 'eventId', 'uuid'],
      ['source', 'source', 'text'],
      ['vin', 'vin', 'text'],
      ['recorded_at', 'recordedAt', 'timestamptz'],
      ['received_at', 'receivedAt', 'timestamptz'],
      ['latitude', 'latitude', 'float8'],
      ['longitude', 'longitude', 'float8'],
      ['speed_kph', 'speedKph', 'float8'],
      ['heading_deg', 'headingDeg', 'float8'],
      ['odometer_km', 'odometerKm', 'float8'],
      ['fuel_level_pct', 'fuelLevelPct', 'float8'],
      ['engine_rpm', 'engineRpm', 'float8'],
      ['lv_battery_voltage_v', 'lvBatteryVoltageV', 'float8'],
      ['hv_battery_soc_pct', 'hvBatterySocPct', 'float8'],
      ['event', 'event', 'text'],
      ['flags', 'flags', 'jsonb'],
      ['attributes', 'attributes', 'jsonb'],
    ]);
  });

  it('binds every location field but the schema name, in order, to the migrated columns', () => {
    expect(LOCATION_TABLE.columns.map((c) => [c.column, c.field, c.pgType])).toEqual([
      ['event_id', 'eventId', 'uuid'],
      ['source', 'source', 'text'],
      ['device_id', 'deviceId', 'text'],
      ['recorded_at', 'recordedAt', 'timestamptz'],
      ['received_at', 'receivedAt', 'timestamptz'],
      ['latitude', 'latitude', 'float8'],
      ['longitude', 'longitude', 'float8'],
      ['accuracy_m', 'accuracyM', 'float8'],
      ['speed_kph', 'speedKph', 'float8'],
      ['heading_deg', 'headingDeg', 'float8'],
      ['altitude_m', 'altitudeM', 'float8'],
      ['battery_pct', 'batteryPct', 'float8'],
      ['attributes', 'attributes', 'jsonb'],
    ]);
  });

  it('takes an override, and refuses a field it has no column type for', () => {
    const contract = Type.Object({ tags: Type.Array(Type.String()), count: Type.Number() });

    expect(bindColumns(Type.Object({ count: Type.Number() }), { count: 'text' })).toEqual([
      { column: 'count', field: 'count', pgType: 'text' },
    ]);
    expect(() => bindColumns(contract)).toThrow('tags: no column type for "array"');
  });
});
