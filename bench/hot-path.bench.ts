import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLocation, checkVehicle } from '@app/contracts';
import { aLocationRecord, aVehicleRecord } from '@app/contracts/testing';
import { eventIdFor, MobwayNormalizer, WeguardNormalizer } from '@app/normalization';
import { machine, report, ROOT } from './support';

/**
 * `npm run bench:hot-path`: what the gateway spends per reading before Kafka: the contract checks
 * compiled from the definitions (libs/contracts), and whole payloads.
 */
interface Row {
  name: string;
  usPerRun: number;
  usPerReading: number;
}

function measure(name: string, run: () => unknown, perRun: number, iterations: number): Row {
  for (let i = 0; i < iterations / 10; i++) run(); // warm up the JIT
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    // CPU time, not wall time: on a machine shared with other work the wall clock also counts their turns
    const start = process.cpuUsage();
    for (let i = 0; i < iterations; i++) run();
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / iterations);
  }
  rounds.sort((a, b) => a - b);
  const row = { name, usPerRun: rounds[2], usPerReading: rounds[2] / perRun };
  console.log(
    `${name.padEnd(60)} ${row.usPerRun.toFixed(2).padStart(8)} µs/run ${row.usPerReading.toFixed(2).padStart(7)} µs/reading`,
  );
  return row;
}

const sampleText = (name: string): string => readFileSync(join(ROOT, 'samples', name), 'utf8');
const sample = (name: string): unknown => JSON.parse(sampleText(name));
const ctx = { source: 'mobway', receivedAt: new Date() };
const mobwayText = sampleText('mobway.json');
const mobway = JSON.parse(mobwayText) as unknown;
const weguard = sample('weguard.json');
const reading = (mobway as Record<string, unknown[]>)['9BWZZZ377VT004251'][0];
const vehicle = aVehicleRecord();
const broken = aVehicleRecord({ latitude: 123, vin: 'NOT-A-VIN' });
const location = aLocationRecord();

const rows = [
  measure(
    'checkVehicle (compiled from the definition), valid',
    () => checkVehicle(vehicle),
    1,
    2_000_000,
  ),
  measure('checkVehicle, two invalid fields', () => checkVehicle(broken), 1, 2_000_000),
  measure(
    'checkLocation (compiled from the definition), valid',
    () => checkLocation(location),
    1,
    2_000_000,
  ),
  measure(
    'mobway 10-vehicle sample, normalize with checkVehicle (gateway)',
    () => new MobwayNormalizer().normalize(mobway, ctx),
    10,
    20_000,
  ),
  measure(
    'weguard 3-location sample, normalize with checkLocation (gateway)',
    () => new WeguardNormalizer().normalize(weguard, ctx),
    3,
    50_000,
  ),
  // the file's text as sent (indented, as the ingest benches send it), parsed and nothing else
  measure('JSON.parse of the mobway sample (for scale)', () => JSON.parse(mobwayText), 10, 20_000),
  measure(
    'eventIdFor one mobway reading',
    () => eventIdFor('mobway', '9BWZZZ377VT004251', '2025-03-01T13:00:00.000Z', reading),
    1,
    200_000,
  ),
];

const when = new Date().toISOString();
report(
  'hot-path',
  { when, machine: machine(), rows },
  [
    `### Gateway hot path per reading (${when.slice(0, 10)})`,
    '',
    `\`npm run bench:hot-path\` — median of 5 rounds after warm-up, CPU time of one process: ${machine()}. The gateway validates with the checks compiled from the contract definitions; property tests hold them against the published JSON Schemas (ajv).`,
    '',
    '| what | µs per run | µs per reading |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.usPerRun.toFixed(2)} | ${r.usPerReading.toFixed(2)} |`),
  ].join('\n'),
);
