// µs per payload / reading: node -r ./libs/contracts/bench/swc-register.js libs/normalization/bench/normalize.bench.ts
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateLocation, validateVehicle } from '@app/contracts';
import { eventIdFor, MobwayNormalizer, WeguardNormalizer } from '../src';

const sample = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../samples', name), 'utf8'));

function measure(name: string, run: () => unknown, perRun: number, iterations: number): void {
  for (let i = 0; i < iterations / 10; i++) run(); // warm up the JIT
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    rounds.push(Number(process.hrtime.bigint() - start) / 1000 / iterations);
  }
  rounds.sort((a, b) => a - b);
  const median = rounds[2];
  console.log(`${name.padEnd(52)} ${median.toFixed(2).padStart(7)} µs/run  ${(median / perRun).toFixed(2).padStart(6)} µs/reading`);
}

const ctx = { source: 'mobway', receivedAt: new Date() };
const mobway = sample('mobway.json');
const weguard = sample('weguard.json');
const reading = (mobway as Record<string, unknown[]>)['9BWZZZ377VT004251'][0];

measure('mobway 10-vehicle sample, checkVehicle (default)', () => new MobwayNormalizer().normalize(mobway, ctx), 10, 20_000);
measure('mobway 10-vehicle sample, validateVehicle', () => new MobwayNormalizer(validateVehicle).normalize(mobway, ctx), 10, 5_000);
measure('weguard 3-location sample, checkLocation (default)', () => new WeguardNormalizer().normalize(weguard, ctx), 3, 50_000);
measure('weguard 3-location sample, validateLocation', () => new WeguardNormalizer(validateLocation).normalize(weguard, ctx), 3, 20_000);
measure('JSON.parse of the mobway sample (for scale)', () => JSON.parse(JSON.stringify(mobway)), 10, 20_000);
measure('eventIdFor one mobway reading', () => eventIdFor('mobway', '9BWZZZ377VT004251', '2025-03-01T13:00:00.000Z', reading), 1, 200_000);
