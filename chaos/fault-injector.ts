import { AppProcess, ChaosStack, ServiceName } from './processes';
import { SeededRandom } from './seeded-random';

export const FAULT_KINDS = ['kafka', 'postgres', 'gateway', 'vehicle-consumer', 'location-consumer', 'gateway-sigterm'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface PlannedFault {
  kind: FaultKind;
  /** from the start of the run */
  atMs: number;
  /** how long the target stays down before it is started again */
  downMs: number;
}

export interface FaultRecord extends PlannedFault {
  startedAtMs: number;
  /** from the kill until the target was usable again */
  recoveredAfterMs?: number;
  note?: string;
  error?: string;
  /** gateway-sigterm: how the requests on the wire at the SIGTERM ended */
  inFlightOutcomes?: Record<string, number>;
}

export interface FaultTargets {
  stack: ChaosStack;
  /** load right before the graceful stop: extra deliveries, and how the ones on the wire ended */
  burst: () => Promise<() => Record<string, number>>;
  apps: { gateway: AppProcess; 'vehicle-consumer': AppProcess; 'location-consumer': AppProcess };
}

/**
 * The fault plan for a run: every kind `perKind` times (the graceful gateway stop `sigterms`
 * times), shuffled, one in each equal slot of the window at a random point of it, so faults are
 * spread over the run yet land at unpredictable moments and overlap across targets.
 */
export function planFaults(random: SeededRandom, durationMs: number, perKind: number, sigterms: number): PlannedFault[] {
  const all: FaultKind[] = [];
  for (const kind of FAULT_KINDS) for (let i = 0; i < (kind === 'gateway-sigterm' ? sigterms : perKind); i++) all.push(kind);
  const kinds = random.shuffle(all);
  // a little load first, and the last fault early enough to land while the senders still send
  const from = Math.min(5000, durationMs * 0.1);
  const to = durationMs * 0.92;
  const slot = (to - from) / kinds.length;
  return kinds.map((kind, i) => ({
    kind,
    atMs: Math.round(from + slot * i + random.between(0, slot * 0.8)),
    downMs: Math.round(kind === 'gateway-sigterm' ? 0 : random.between(300, kind === 'kafka' || kind === 'postgres' ? 6000 : 4000)),
  }));
}

/**
 * Carries out a plan: SIGKILL (Kafka and PostgreSQL through the stack's control port, the apps
 * directly), wait, start again and wait until usable. One target is never hit twice at once: a
 * fault due while its target is still coming back waits for it.
 */
export class FaultInjector {
  readonly done: FaultRecord[] = [];
  private readonly targetQueue = new Map<string, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly started = Date.now();
  /** a target that could not be brought back: the run cannot go on */
  failure?: Error;

  constructor(
    private readonly targets: FaultTargets,
    private readonly log: (line: string) => void,
  ) {}

  run(plan: PlannedFault[]): void {
    for (const fault of plan) {
      this.timers.push(
        setTimeout(() => {
          const target = fault.kind === 'gateway-sigterm' ? 'gateway' : fault.kind;
          const previous = this.targetQueue.get(target) ?? Promise.resolve();
          const next = previous.then(() => (this.failure ? undefined : this.inject(fault))).catch((error: Error) => void (this.failure ??= error));
          this.targetQueue.set(target, next);
        }, fault.atMs),
      );
    }
  }

  /** faults not yet due are dropped; those under way finish, so every target is up again */
  async settle(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.all(this.targetQueue.values());
    if (this.failure) throw this.failure;
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const kind of FAULT_KINDS) counts[kind] = 0;
    for (const fault of this.done) if (!fault.error) counts[fault.kind]++;
    return counts;
  }

  private async inject(fault: PlannedFault): Promise<void> {
    const record: FaultRecord = { ...fault, startedAtMs: Date.now() - this.started };
    const t0 = Date.now();
    const at = (record.startedAtMs / 1000).toFixed(1);
    try {
      switch (fault.kind) {
        case 'kafka':
        case 'postgres':
          await this.killService(fault.kind, fault.downMs);
          break;
        case 'gateway-sigterm': {
          // under load: every request in flight must end as a durable 200 or a non-200 (the final
          // comparison checks the 200s are stored); how they ended is noted
          const inFlight = await this.targets.burst();
          const { graceful, exit } = await this.targets.apps.gateway.terminate();
          record.inFlightOutcomes = inFlight();
          record.note = `${graceful ? `exited (${exit}) after ${Date.now() - t0} ms` : 'did not exit within 30 s: killed'}; requests in flight ended ${JSON.stringify(record.inFlightOutcomes)}`;
          await this.targets.apps.gateway.start();
          break;
        }
        default: {
          const app = this.targets.apps[fault.kind];
          await app.kill();
          await sleep(fault.downMs);
          await app.start();
        }
      }
      record.recoveredAfterMs = Date.now() - t0;
      this.log(`fault at ${at}s: ${describe(fault)}; back after ${(record.recoveredAfterMs / 1000).toFixed(1)} s${record.note ? ` (${record.note})` : ''}`);
    } catch (error) {
      record.error = (error as Error).message;
      this.log(`fault at ${at}s: ${describe(fault)} FAILED: ${record.error}`);
      throw error;
    } finally {
      this.done.push(record);
    }
  }

  private async killService(service: ServiceName, downMs: number): Promise<void> {
    await this.targets.stack.control(service, 'kill');
    await sleep(downMs);
    // the old process may still hold its port for a moment after SIGKILL
    for (let attempt = 1; ; attempt++) {
      try {
        await this.targets.stack.control(service, 'start');
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        this.log(`${service} start attempt ${attempt} failed (${(error as Error).message.split('\n')[0]}); again in 2 s`);
        await sleep(2000);
      }
    }
  }
}

function describe(fault: PlannedFault): string {
  if (fault.kind === 'gateway-sigterm') return 'gateway SIGTERM under load, restarted';
  return `${fault.kind} SIGKILL, down ${(fault.downMs / 1000).toFixed(1)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
