import cluster, { Worker } from 'node:cluster';
import { serveClusterMetrics } from '@app/metrics';

/** a worker tells the primary it listens (IPC message) */
const READY = 'fleet-instance-ready';
const FIRST_RESTART_MS = 1_000;
const MAX_RESTART_MS = 30_000;
/** a worker that ran this long had a good run: its next restart waits FIRST_RESTART_MS again */
const GOOD_RUN_MS = 60_000;
const STOP_GRACE_MS = 30_000;

export interface InstancesOptions {
  name: string;
  /** processes to run; 1 runs the app in this process, as without this */
  count: number;
  /** what each instance runs; resolves once it listens */
  run: () => Promise<unknown>;
  /** the line launchers and tests wait for, printed once every instance listens */
  listening: string;
}

/**
 * Runs `count` instances of an app behind one port with node:cluster (Node 20 has no SO_REUSEPORT
 * option; the primary accepts each connection and hands it to the instances in turn). The primary
 * does no app work: it starts the instances, starts again one that dies (1 s, doubling to 30 s
 * while it keeps dying), and on SIGTERM/SIGINT stops them all with the apps' own graceful shutdown.
 * Every instance is a whole app: a gateway with its own producers and limits, a consumer a member of
 * the group (the partitions are spread across them).
 */
export async function runInstances(options: InstancesOptions): Promise<void> {
  if (options.count <= 1) {
    await options.run();
    process.stdout.write(`${options.listening}\n`);
    return;
  }
  if (cluster.isWorker) {
    await options.run();
    process.send?.({ type: READY });
    return;
  }
  await runPrimary(options);
}

async function runPrimary({ name, count, listening }: InstancesOptions): Promise<void> {
  const log = (line: string): void => void process.stdout.write(`${name} [primary] ${line}\n`);
  let stopping = false;
  const delays = new Map<number, number>();
  const startedAt = new Map<Worker, number>();
  const ready = new Set<number>();
  let announced = false;
  const fork = (slot: number): void => {
    const worker = cluster.fork({ FLEET_INSTANCE: String(slot + 1) });
    startedAt.set(worker, Date.now());
    worker.on('message', (message: { type?: string }) => {
      if (message?.type !== READY) return;
      ready.add(slot);
      if (!announced && ready.size === count) {
        announced = true;
        process.stdout.write(`${listening} (${count} instances)\n`);
      }
    });
    worker.once('exit', (code, signal) => {
      const ran = Date.now() - (startedAt.get(worker) ?? Date.now());
      startedAt.delete(worker);
      if (stopping) return;
      const delay = ran >= GOOD_RUN_MS ? FIRST_RESTART_MS : (delays.get(slot) ?? FIRST_RESTART_MS);
      delays.set(slot, Math.min(MAX_RESTART_MS, delay * 2));
      log(
        `instance ${slot + 1} (pid ${worker.process.pid}) ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; starting it again in ${delay / 1000} s`,
      );
      // not unref'd: with every instance dead and waiting here, this timer is all that keeps the
      // primary alive (unref'd, the primary exited 0 and the app was gone for good: the scaled fault
      // run saw it when a killed member's replacement died at boot while PostgreSQL was down)
      setTimeout(() => !stopping && fork(slot), delay);
    });
  };
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    log(`${signal}: stopping ${workers.length} instance(s)`);
    for (const worker of workers) worker.process.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
    }, STOP_GRACE_MS);
    force.unref();
    void Promise.all(
      workers.map((w) =>
        w.isDead() ? Promise.resolve() : new Promise<void>((r) => w.once('exit', () => r())),
      ),
    ).then(() => {
      clearTimeout(force);
      process.exit(0);
    });
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
  // whichever instance a scrape reaches answers for all of them
  serveClusterMetrics();
  for (let slot = 0; slot < count; slot++) fork(slot);
  return Promise.resolve();
}
