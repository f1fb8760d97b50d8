import { spawn } from 'node:child_process';

/**
 * Runs one psql command (the PostgreSQL client on this machine, /usr/bin/psql) against the bench
 * database: `\copy` is the fastest load path there is without pg-copy-streams. The password
 * travels in the environment, not on the command line.
 */
export function psql(databaseUrl: string, command: string, timeoutMs = 600_000): Promise<string> {
  const url = new URL(databaseUrl);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PGHOST: url.hostname,
    PGPORT: url.port || '5432',
    PGUSER: decodeURIComponent(url.username),
    PGPASSWORD: decodeURIComponent(url.password),
    PGDATABASE: url.pathname.slice(1),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.env.PSQL ?? 'psql',
      ['-X', '-v', 'ON_ERROR_STOP=1', '-q', '-c', command],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`psql exited with ${code}: ${err.trim().slice(0, 2000)}`));
    });
  });
}
