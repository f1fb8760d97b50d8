import { VehicleTelemetryV1 } from '@app/contracts';

type ColumnField =
  | 'speedKph'
  | 'latitude'
  | 'longitude'
  | 'headingDeg'
  | 'odometerKm'
  | 'fuelLevelPct'
  | 'engineRpm'
  | 'lvBatteryVoltageV'
  | 'hvBatterySocPct'
  | 'event';

export interface MobwayDatapoint {
  /** mobway's name */
  name: string;
  /** the record field MobwayNormalizer maps it to (units already match); without one it is kept in `attributes`, as sent */
  field?: ColumnField & keyof VehicleTelemetryV1;
  /** OpenAPI: the type a column gives; an attribute comes back with whatever type it was sent */
  type?: 'number' | 'string';
  description?: string;
}

/**
 * Every datapoint mobway's API defines (besides vin, date_time and flag), in the order its readings
 * list them. /vehicle-data answers with each of them, null when a reading had none.
 */
export const MOBWAY_CATALOGUE: readonly MobwayDatapoint[] = [
  { name: 'speed', field: 'speedKph', type: 'number', description: 'km/h' },
  { name: 'latitude', field: 'latitude', type: 'number', description: 'WGS 84 degrees' },
  { name: 'longitude', field: 'longitude', type: 'number', description: 'WGS 84 degrees' },
  { name: 'heading', field: 'headingDeg', type: 'number', description: 'degrees from north' },
  { name: 'rpm', field: 'engineRpm', type: 'number' },
  { name: 'odometer', field: 'odometerKm', type: 'number', description: 'km' },
  { name: 'fuel_level', field: 'fuelLevelPct', type: 'number', description: '%' },
  { name: 'range' },
  { name: 'left_front_tire_pressure', description: 'psi' },
  { name: 'right_front_tire_pressure', description: 'psi' },
  { name: 'left_rear_tire_pressure', description: 'psi' },
  { name: 'right_rear_tire_pressure', description: 'psi' },
  { name: 'oil_level' },
  { name: 'engine_cooling_temperature' },
  { name: 'lv_battery_voltage', field: 'lvBatteryVoltageV', type: 'number', description: 'V' },
  { name: 'hv_battery_voltage' },
  { name: 'hv_battery_soc', field: 'hvBatterySocPct', type: 'number', description: '%' },
  { name: 'hv_battery_charging_status' },
  { name: 'seat_belt_status' },
  {
    name: 'event',
    field: 'event',
    type: 'string',
    description: 'sent as a number, it comes back as text',
  },
];
