import { DeviceLocationV1, VehicleTelemetryV1 } from '@app/contracts';

/** how one contract field is stored: the column and the PostgreSQL array type used by unnest() */
export interface ColumnBinding<R> {
  column: string;
  field: keyof R;
  pgType: 'uuid' | 'text' | 'timestamptz' | 'float8' | 'jsonb';
}

/**
 * A record contract and its table, as data: the writer, the consumers and the query APIs read
 * columns from here, so a new record type is a new binding, not new code.
 */
export interface RecordTable<R> {
  table: string;
  /** the column records are grouped by: VIN or device id */
  entityColumn: string;
  entityField: keyof R;
  columns: ColumnBinding<R>[];
}

export const VEHICLE_TABLE: RecordTable<VehicleTelemetryV1> = {
  table: 'vehicle_telemetry',
  entityColumn: 'vin',
  entityField: 'vin',
  columns: [
    { column: 'event_id', field: 'eventId', pgType: 'uuid' },
    { column: 'source', field: 'source', pgType: 'text' },
    { column: 'vin', field: 'vin', pgType: 'text' },
    { column: 'recorded_at', field: 'recordedAt', pgType: 'timestamptz' },
    { column: 'received_at', field: 'receivedAt', pgType: 'timestamptz' },
    { column: 'latitude', field: 'latitude', pgType: 'float8' },
    { column: 'longitude', field: 'longitude', pgType: 'float8' },
    { column: 'speed_kph', field: 'speedKph', pgType: 'float8' },
    { column: 'heading_deg', field: 'headingDeg', pgType: 'float8' },
    { column: 'odometer_km', field: 'odometerKm', pgType: 'float8' },
    { column: 'fuel_level_pct', field: 'fuelLevelPct', pgType: 'float8' },
    { column: 'engine_rpm', field: 'engineRpm', pgType: 'float8' },
    { column: 'lv_battery_voltage_v', field: 'lvBatteryVoltageV', pgType: 'float8' },
    { column: 'hv_battery_soc_pct', field: 'hvBatterySocPct', pgType: 'float8' },
    { column: 'event', field: 'event', pgType: 'text' },
    { column: 'flags', field: 'flags', pgType: 'jsonb' },
    { column: 'attributes', field: 'attributes', pgType: 'jsonb' },
  ],
};

export const LOCATION_TABLE: RecordTable<DeviceLocationV1> = {
  table: 'device_location',
  entityColumn: 'device_id',
  entityField: 'deviceId',
  columns: [
    { column: 'event_id', field: 'eventId', pgType: 'uuid' },
    { column: 'source', field: 'source', pgType: 'text' },
    { column: 'device_id', field: 'deviceId', pgType: 'text' },
    { column: 'recorded_at', field: 'recordedAt', pgType: 'timestamptz' },
    { column: 'received_at', field: 'receivedAt', pgType: 'timestamptz' },
    { column: 'latitude', field: 'latitude', pgType: 'float8' },
    { column: 'longitude', field: 'longitude', pgType: 'float8' },
    { column: 'accuracy_m', field: 'accuracyM', pgType: 'float8' },
    { column: 'speed_kph', field: 'speedKph', pgType: 'float8' },
    { column: 'heading_deg', field: 'headingDeg', pgType: 'float8' },
    { column: 'altitude_m', field: 'altitudeM', pgType: 'float8' },
    { column: 'battery_pct', field: 'batteryPct', pgType: 'float8' },
    { column: 'attributes', field: 'attributes', pgType: 'jsonb' },
  ],
};
