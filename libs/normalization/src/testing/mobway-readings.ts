/**
 * A mobway reading carrying every datapoint of mobway's catalogue, as mobway's webhook sends it:
 * flagged values are null with their entry under `flag`. Shared by the /vehicle-data unit and
 * end-to-end tests, which check that each field comes back unchanged.
 */
export function aFullMobwayReading(vin = '9BWZZZ377VT004251', dateTime = '2025-03-01 10:00:00') {
  return {
    vin,
    date_time: dateTime,
    speed: null,
    latitude: -23.55052,
    longitude: -46.63331,
    heading: 181,
    odometer: 48211.4,
    fuel_level: 57.5,
    rpm: 2100,
    range: 412.3,
    left_front_tire_pressure: 34.5,
    right_front_tire_pressure: 34,
    left_rear_tire_pressure: 32.75,
    right_rear_tire_pressure: 33,
    oil_level: null,
    engine_cooling_temperature: 91.2,
    lv_battery_voltage: 13.9,
    hv_battery_voltage: 398.6,
    hv_battery_soc: 78.5,
    hv_battery_charging_status: 'charging',
    seat_belt_status: 'fastened',
    event: 'position',
    flag: {
      speed: { value: 512.5, flag: 'out of range' },
      oil_level: { value: -1, flag: 'sensor fault' },
    },
  };
}
