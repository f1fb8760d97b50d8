import { randomInt } from 'node:crypto';

const VIN_ALPHABET = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';

/** a random VIN of the VIN alphabet (no I, O, Q), unique enough for one test run */
export function randomVin(): string {
  return Array.from({ length: 17 }, () => VIN_ALPHABET[randomInt(VIN_ALPHABET.length)]).join('');
}

export interface MobwayReading {
  vin: string;
  date_time: string;
  [field: string]: unknown;
}

/** a mobway reading; `date_time` is Brasília local time like the sender's */
export function mobwayReading(vin: string, overrides: Partial<MobwayReading> = {}): MobwayReading {
  return {
    vin,
    date_time: '2025-03-01 10:00:00',
    speed: 62.5,
    latitude: -23.55052,
    longitude: -46.63331,
    heading: 181,
    odometer: 48211.4,
    fuel_level: 57,
    lv_battery_voltage: 13.9,
    hv_battery_soc: null,
    rpm: 2100,
    event: 'position',
    flag: {},
    ...overrides,
  };
}

/** mobway's body: readings grouped by VIN */
export function mobwayPayload(readings: MobwayReading[]): Buffer {
  const byVin: Record<string, MobwayReading[]> = {};
  for (const r of readings) (byVin[r.vin] ??= []).push(r);
  return Buffer.from(JSON.stringify(byVin));
}

export function weguardLocation(
  deviceId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    deviceId,
    latitude: 40.712776,
    longitude: -74.005974,
    timestamp: '2025-03-01T13:00:01.250Z',
    accuracy: 6.5,
    speed: 31.4,
    bearing: 92.3,
    battery: 87,
    ...overrides,
  };
}
