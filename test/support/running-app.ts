import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DIST, ROOT, STATE_FILE, TEST_PORTS, TestStackState } from './test-env';

export type AppName = 'ingest-gateway' | 'vehicle-consumer' | 'location-consumer' | 'console';

export function testStack(): TestStackState & { controlPort: number } {
  return {
    controlPort: TEST_PORTS.control,
    ...(JSON.parse(readFileSync(STATE_FILE, 'utf8')) as TestStackState),
  };
}

/** take a real service away and bring it back, through the stack script's control port */
export async function controlStack(
  service: 'kafka' | 'postgres',
  action: 'stop' | 'start' | 'kill',
): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${TEST_PORTS.control}/${service}/${action}`, {
    method: 'POST',
  });
  if (!res.ok) throw new Error(`${service} ${action}: ${res.status} ${await res.text()}`);
}

export const TEST_QUERY_KEY = 'e2e-query-key-0123456789abcdef';

let nextPort = TEST_PORTS.firstApp;

/** one of our real apps, built in dist/, as its own process against the test stack */
export class RunningApp {
  readonly output: string[] = [];
  private constructor(
    readonly name: AppName,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(name: AppName, env: Record<string, string> = {}): Promise<RunningApp> {
    const stack = testStack();
    const port = nextPort++;
    const portKey = {
      'ingest-gateway': 'GATEWAY_PORT',
      'vehicle-consumer': 'VEHICLE_CONSUMER_PORT',
      'location-consumer': 'LOCATION_CONSUMER_PORT',
      console: 'CONSOLE_PORT',
    }[name];
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', join(DIST, 'apps', name, 'src', 'main.js')],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          NO_COLOR: '1',
          HOST: '127.0.0.1',
          KAFKA_BROKERS: stack.kafkaBrokers.join(','),
          DATABASE_URL: stack.databaseUrl,
          QUERY_API_KEYS: TEST_QUERY_KEY,
          [portKey]: String(port),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const app = new RunningApp(name, port, child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${name} did not start within 60 s:\n${app.output.join('\n')}`));
      }, 60_000);
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => {
          app.output.push(line);
          if (process.env.E2E_VERBOSE) process.stdout.write(`[${name}] ${line}\n`);
          if (/listening on/.test(line)) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code}:\n${app.output.join('\n')}`));
      });
    });
    return app;
  }

  /** SIGTERM and wait: the app's graceful shutdown runs */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) =>
      this.child.once('exit', (code) => resolve(code)),
    );
    this.child.kill('SIGTERM');
    return exited;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
