// µs per record for the two validators: node -r ./libs/contracts/bench/swc-register.js libs/contracts/bench/validation.bench.ts
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { checkLocation, checkVehicle, DeviceLocationV1, validateLocation, validateVehicle, VehicleTelemetryV1 } from '../src';

const vehicle = (): VehicleTelemetryV1 =>
  Object.assign(new VehicleTelemetryV1(), {
    schema: 'vehicle-telemetry/v1' as const,
    eventId: '9f1c2b0e-5d3a-5b7e-9c1d-2e3f4a5b6c7d',
    source: 'mobway',
    vin: '9BWZZZ377VT004251',
    recordedAt: '2025-03-01T13:00:00.000Z',
    receivedAt: '2025-03-01T13:00:02.125Z',
    latitude: -23.5505,
    longitude: -46.6333,
    speedKph: 62.5,
    headingDeg: 181,
    odometerKm: 48211.4,
    fuelLevelPct: 57,
    engineRpm: 2100,
    lvBatteryVoltageV: 13.9,
    hvBatterySocPct: null,
    event: 'ignition_on',
    flags: {},
    attributes: { tire_pressure_fl: 34 },
  });

const location = (): DeviceLocationV1 =>
  Object.assign(new DeviceLocationV1(), {
    schema: 'device-location/v1' as const,
    eventId: '9f1c2b0e-5d3a-5b7e-9c1d-2e3f4a5b6c7d',
    source: 'weguard',
    deviceId: '356938035643809',
    recordedAt: '2025-03-01T13:00:00.000Z',
    receivedAt: '2025-03-01T13:00:02.125Z',
    latitude: 40.7128,
    longitude: -74.006,
    accuracyM: 8,
    speedKph: 0,
    headingDeg: null,
    altitudeM: 10,
    batteryPct: 88,
    attributes: {},
  });

function measure(name: string, run: () => unknown, iterations = 200_000): void {
  for (let i = 0; i < 20_000; i++) run(); // warm up the JIT
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    rounds.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} median ${rounds[2].toFixed(3)} µs/record (min ${rounds[0].toFixed(3)})`);
}

const v = vehicle();
const bad = Object.assign(vehicle(), { latitude: 123, vin: 'NOT-A-VIN' });
const l = location();
const plain = { ...vehicle() };

measure('validateVehicle (validateSync, our options), valid', () => validateVehicle(v));
measure('validateVehicle, two invalid fields', () => validateVehicle(bad));
measure('validateSync, default options, valid', () => validateSync(v));
measure('plainToInstance + validateVehicle, valid', () => validateVehicle(plainToInstance(VehicleTelemetryV1, plain)), 50_000);
measure('checkVehicle (hand-written), valid', () => checkVehicle(v), 2_000_000);
measure('checkVehicle, two invalid fields', () => checkVehicle(bad), 2_000_000);
measure('validateLocation (validateSync), valid', () => validateLocation(l));
measure('checkLocation (hand-written), valid', () => checkLocation(l), 2_000_000);
