import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './support/eventually';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { RunningApp, TEST_QUERY_KEY, testStack } from './support/running-app';
import { DIST, ROOT } from './support/test-env';

const MOBWAY = 'ops-mobway-secret-4b7e1d9a2c6f8035';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('npm run ops: the operator tool against the running apps', () => {
  let gateway: RunningApp;
  let vehicles: RunningApp;
  let locations: RunningApp;
  let console_: RunningApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ops-e2e-'));
    [gateway, vehicles, locations, console_] = await Promise.all([
      RunningApp.start('ingest-gateway', { MOBWAY_SIGN_SECRET: MOBWAY }),
      RunningApp.start('vehicle-consumer'),
      RunningApp.start('location-consumer'),
      RunningApp.start('console'),
    ]);
  });
  afterAll(async () => {
    await Promise.all(
      [gateway, vehicles, locations, console_].filter(Boolean).map((app) => app.stop()),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  /** the tool as an operator runs it, configured by its shell (no npm start on its LOCAL_DATA_DIR) */
  const ops = (...args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(DIST, 'scripts', 'ops.js'), ...args],
        {
          cwd: ROOT,
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            NO_COLOR: '1',
            HOST: '127.0.0.1',
            LOCAL_DATA_DIR: dir,
            GATEWAY_PORT: String(gateway.port),
            VEHICLE_CONSUMER_PORT: String(vehicles.port),
            LOCATION_CONSUMER_PORT: String(locations.port),
            CONSOLE_PORT: String(console_.port),
            KAFKA_BROKERS: testStack().kafkaBrokers.join(','),
            DATABASE_URL: testStack().databaseUrl,
            QUERY_API_KEYS: TEST_QUERY_KEY,
            MOBWAY_SIGN_SECRET: MOBWAY,
          },
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('sends, tails, lists, shows and re-drives dead letters, replays and reports completeness', async () => {
    const vin = randomVin();
    const file = join(dir, 'mobway.json');
    writeFileSync(
      file,
      mobwayPayload([
        mobwayReading(vin, { date_time: '2025-03-01 10:00:00', speed: 41.5 }),
        mobwayReading(vin, { date_time: '2025-03-01 10:00:30', latitude: 123 }),
      ]),
    );
    const started = new Date(Date.now() - 1000).toISOString();

    const sent = await ops('send', 'mobway', '--file', file);
    expect(sent.stdout).toContain('200 OK');
    expect(sent.stdout).toContain('"accepted":1,"deadLettered":1');
    expect(sent.code).toBe(0);
    const requestId = /x-request-id: (\S+)/.exec(sent.stdout)![1];

    const record = await ops('tail', 'vehicle', '--from-beginning', '--key', vin, '--max', '1');
    expect(record.code).toBe(0);
    expect(record.stdout).toMatch(
      new RegExp(`\\n2025-03-01T13:00:00.000Z  ${vin}  mobway  [0-9a-f-]{36}  .*speedKph=41.5`),
    );
    const raw = await ops('tail', 'raw', '--from-beginning', '--key', requestId, '--max', '1');
    expect(raw.stdout).toMatch(/ {2}mobway {2}body \d+ bytes {2}.*request-id=/);
    const letter = await ops(
      'tail',
      'dead-letters',
      '--from-beginning',
      '--key',
      vin,
      '--max',
      '1',
    );
    expect(letter.stdout).toContain('stage=ingest');
    expect(letter.stdout).toContain('reasons: latitude must not be greater than 90');

    // the console stores letters as it reads them
    const listed = await eventually(
      () => ops('dead-letters', 'list', '--entity', vin),
      (run) => run.stdout.includes(vin),
    );
    expect(listed.code).toBe(0);
    const line = listed.stdout.split('\n').find((l) => l.includes(vin))!;
    expect(line).toMatch(/ingest\s+mobway\s+out_of_range/);
    const id = line.trim().split(/\s+/)[0];

    const shown = await ops('dead-letters', 'show', id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`dead letter ${id}: ingest stage, source mobway, out_of_range`);
    expect(shown.stdout).toContain('    - latitude must not be greater than 90');
    expect(shown.stdout).toContain('"latitude": 123');

    const redriven = await ops('dead-letters', 'redrive', id);
    // an ingest-stage letter is re-driven by replaying its request: the reading is still invalid
    expect(redriven.stdout).toMatch(
      new RegExp(`^\\s*${id}\\s+done\\s+replayed request ${requestId}`, 'm'),
    );
    expect(redriven.stdout).toContain('1 re-driven, 0 not');
    expect(redriven.code).toBe(0);

    const replay = await ops(
      'replay',
      '--source',
      'mobway',
      '--from',
      started,
      '--to',
      new Date(Date.now() + 60_000).toISOString(),
      '--dry-run',
    );
    expect(replay.stdout).toMatch(/replay \S+ done \(dry run/);
    expect(replay.stdout).toMatch(/requests matched\s+[1-9]/);
    expect(replay.code).toBe(0);

    // the ledger counts the request once the vehicle consumer has read the raw archive
    const completeness = await eventually(
      () => ops('completeness', '--source', 'mobway', '--type', 'vehicle', '--from', started),
      (run) => /^[ !~] \S+\s+mobway\s+[1-9]/m.test(run.stdout),
    );
    expect(completeness.stdout).toMatch(/^vehicle: \[/);
    expect(completeness.stdout).toMatch(/^[ !~] \S+\s+mobway\s+[1-9]/m);
    expect([0, 1]).toContain(completeness.code);

    const wrong = await ops('nonsense');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown command "nonsense"');
  });
});
