import { readFileSync } from 'node:fs';
import { AppProcess, ChaosStack, confirmGone, freeze, isKafka, ServiceName } from './processes';
import { SeededRandom } from './seeded-random';

export const FAULT_KINDS = [
  'kafka',
  'postgres',
  'gateway',
  'vehicle-consumer',
  'location-consumer',
  'gateway-sigterm',
  'kafka-freeze',
  'postgres-freeze',
  'consumer-freeze',
  // the scaled stack (CHAOS_SCALED): one of three brokers, one instance of an app run as two
  'kafka-broker',
  'gateway-instance',
  'consumer-member',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export type FaultTarget = ServiceName | 'gateway' | 'vehicle-consumer' | 'location-consumer';
/** what only the scaled stack runs (CHAOS_SCALED): one of several brokers, instances, members */
export const SCALED_ONLY_FAULT_KINDS: readonly FaultKind[] = [
  'kafka-broker',
  'gateway-instance',
  'consumer-member',
];
/** what the scaled stack does not run: whole apps and the one broker (PostgreSQL's are in both) */
export const SINGLE_ONLY_FAULT_KINDS: readonly FaultKind[] = [
  'kafka',
  'gateway',
  'vehicle-consumer',
  'location-consumer',
  'gateway-sigterm',
  'kafka-freeze',
  'consumer-freeze',
];

/** the kinds a run plans: the single stack's, or the scaled one's */
export function faultKindsOf(scaled: boolean): FaultKind[] {
  const left = scaled ? SINGLE_ONLY_FAULT_KINDS : SCALED_ONLY_FAULT_KINDS;
  return FAULT_KINDS.filter((kind) => !left.includes(kind));
}

interface FaultSpec {
  /** what it hits; a fault with several picks one per planned fault */
  targets: readonly FaultTarget[];
  /** sigkill-instance: one instance (a node:cluster worker) of the app, which its primary starts again */
  action: 'sigkill' | 'sigterm' | 'freeze' | 'sigkill-instance';
  /** how long the target stays down (killed or stopped), in ms */
  downMs: readonly [number, number];
  /** the gateway's answers depend on the target: while it is down, its 503s are expected */
  stallsIngest: boolean;
}

// the gateway needs only Kafka: PostgreSQL and the consumers being away must not cost a single 200
export const FAULTS: Readonly<Record<FaultKind, FaultSpec>> = {
  kafka: { targets: ['kafka'], action: 'sigkill', downMs: [300, 6000], stallsIngest: true },
  postgres: { targets: ['postgres'], action: 'sigkill', downMs: [300, 6000], stallsIngest: false },
  gateway: { targets: ['gateway'], action: 'sigkill', downMs: [300, 4000], stallsIngest: true },
  'vehicle-consumer': {
    targets: ['vehicle-consumer'],
    action: 'sigkill',
    downMs: [300, 4000],
    stallsIngest: false,
  },
  'location-consumer': {
    targets: ['location-consumer'],
    action: 'sigkill',
    downMs: [300, 4000],
    stallsIngest: false,
  },
  'gateway-sigterm': {
    targets: ['gateway'],
    action: 'sigterm',
    downMs: [0, 0],
    stallsIngest: true,
  },
  // SIGSTOP: the process keeps its sockets and its place in the consumer group, and answers nothing
  'kafka-freeze': { targets: ['kafka'], action: 'freeze', downMs: [500, 4000], stallsIngest: true },
  'postgres-freeze': {
    targets: ['postgres'],
    action: 'freeze',
    downMs: [500, 4000],
    stallsIngest: false,
  },
  'consumer-freeze': {
    targets: ['vehicle-consumer', 'location-consumer'],
    action: 'freeze',
    downMs: [500, 4000],
    stallsIngest: false,
  },
  // the partitions it led move to the two left (503s until they have): the time is measured
  'kafka-broker': {
    targets: ['kafka-1', 'kafka-2', 'kafka-3'],
    action: 'sigkill',
    downMs: [300, 6000],
    stallsIngest: true,
  },
  // the requests on its connections are cut; the other instance goes on answering
  'gateway-instance': {
    targets: ['gateway'],
    action: 'sigkill-instance',
    downMs: [0, 0],
    stallsIngest: true,
  },
  // its partitions go to the other member of the group until it is back
  'consumer-member': {
    targets: ['vehicle-consumer', 'location-consumer'],
    action: 'sigkill-instance',
    downMs: [0, 0],
    stallsIngest: false,
  },
};

export interface PlannedFault {
  /** its place in the plan */
  index: number;
  kind: FaultKind;
  target: FaultTarget;
  /** from the start of the run */
  atMs: number;
  /** how long the target stays down before it is started (or continued) again */
  downMs: number;
}

export interface FaultRecord extends PlannedFault {
  /** epoch ms: the signal was sent */
  startedAt: number;
  startedAtMs: number;
  /** epoch ms: the target answered real requests again */
  healthyAt?: number;
  /** from the signal until the target was usable again */
  recoveredAfterMs?: number;
  /** what was seen to prove the signal took effect: the pid gone, or stopped */
  confirmed?: string;
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
 * The fault plan for a run: each kind as many times as `counts` says, shuffled, one in each equal
 * slot of the window at a random point of it, so faults are spread over the run yet land at
 * unpredictable moments and overlap across targets.
 */
export function planFaults(
  random: SeededRandom,
  durationMs: number,
  counts: Readonly<Record<FaultKind, number>>,
): PlannedFault[] {
  const all: FaultKind[] = [];
  for (const kind of FAULT_KINDS) for (let i = 0; i < counts[kind]; i++) all.push(kind);
  const kinds = random.shuffle(all);
  // a little load first, and the last fault early enough to land while the senders still send
  const from = Math.min(5000, durationMs * 0.1);
  const to = durationMs * 0.92;
  const slot = (to - from) / kinds.length;
  return kinds.map((kind, index) => {
    const { targets, downMs } = FAULTS[kind];
    return {
      index,
      kind,
      target: random.pick(targets),
      atMs: Math.round(from + slot * index + random.between(0, slot * 0.8)),
      downMs: Math.round(random.between(downMs[0], downMs[1])),
    };
  });
}

/** every planned fault ran once, without error, with its effect confirmed; nothing ran that was not planned */
export function comparePlan(
  plan: readonly PlannedFault[],
  ran: readonly FaultRecord[],
): { problems: string[]; asPlanned: number } {
  const problems: string[] = [];
  let asPlanned = 0;
  const byIndex = new Map<number, FaultRecord[]>();
  for (const record of ran)
    byIndex.set(record.index, [...(byIndex.get(record.index) ?? []), record]);
  for (const fault of plan) {
    const records = byIndex.get(fault.index) ?? [];
    const what = `planned fault #${fault.index} (${fault.kind} on ${fault.target} at ${(fault.atMs / 1000).toFixed(1)} s)`;
    if (records.length === 0) problems.push(`${what} never ran`);
    else if (records.length > 1) problems.push(`${what} ran ${records.length} times`);
    else if (records[0].kind !== fault.kind || records[0].target !== fault.target)
      problems.push(`${what} ran as ${records[0].kind} on ${records[0].target}`);
    else if (records[0].error) problems.push(`${what} failed: ${records[0].error}`);
    else if (!records[0].confirmed) problems.push(`${what} ran without its effect confirmed`);
    else if (records[0].healthyAt === undefined)
      problems.push(`${what} never saw its target usable again`);
    else asPlanned++;
    byIndex.delete(fault.index);
  }
  for (const [index] of byIndex) problems.push(`fault #${index} ran but was not planned`);
  return { problems, asPlanned };
}

/** [start, end] in epoch ms: from a fault's signal until its target is usable again, plus `graceMs` */
export type Window = readonly [number, number];

/** the windows in which the gateway may answer other than 200: faults on what it depends on */
export function ingestWindows(records: readonly FaultRecord[], graceMs: number): Window[] {
  return records
    .filter((r) => FAULTS[r.kind].stallsIngest)
    .map((r) => [r.startedAt, (r.healthyAt ?? Number.POSITIVE_INFINITY) + graceMs] as const);
}

/**
 * Carries out a plan: SIGKILL (Kafka and PostgreSQL through the stack's control port, the apps
 * directly) confirmed by watching the pid go, SIGSTOP/SIGCONT confirmed in /proc, then waits
 * until the target answers real requests. One target is never hit twice at once: a fault due
 * while its target is still coming back waits for it.
 */
export class FaultInjector {
  readonly done: FaultRecord[] = [];
  private readonly targetQueue = new Map<string, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly started = Date.now();
  private lastDueAt = 0;
  /** a target that could not be brought back: the run cannot go on */
  failure?: Error;

  constructor(
    private readonly targets: FaultTargets,
    private readonly log: (line: string) => void,
  ) {}

  run(plan: PlannedFault[]): void {
    for (const fault of plan) {
      this.lastDueAt = Math.max(this.lastDueAt, this.started + fault.atMs);
      this.timers.push(
        setTimeout(() => {
          const previous = this.targetQueue.get(fault.target) ?? Promise.resolve();
          const next = previous
            .then(() => (this.failure ? undefined : this.inject(fault)))
            .catch((error: Error) => void (this.failure ??= error));
          this.targetQueue.set(fault.target, next);
        }, fault.atMs),
      );
    }
  }

  /** every planned fault has started and finished: every target is up again */
  async settle(): Promise<void> {
    while (Date.now() < this.lastDueAt + 50 && !this.failure)
      await sleep(Math.min(1000, this.lastDueAt + 50 - Date.now()));
    await this.drain();
  }

  /** faults not yet due are dropped (an interrupted or failed run); those under way finish */
  async abort(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await this.drain();
  }

  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const kind of FAULT_KINDS) counts[kind] = 0;
    for (const fault of this.done) if (!fault.error) counts[fault.kind]++;
    return counts;
  }

  private async drain(): Promise<void> {
    let pending: number;
    do {
      pending = this.targetQueue.size;
      await Promise.all(this.targetQueue.values());
    } while (this.targetQueue.size !== pending);
    if (this.failure) throw this.failure;
  }

  private async inject(fault: PlannedFault): Promise<void> {
    const record: FaultRecord = {
      ...fault,
      startedAt: Date.now(),
      startedAtMs: Date.now() - this.started,
    };
    const at = (record.startedAtMs / 1000).toFixed(1);
    try {
      const action = FAULTS[fault.kind].action;
      if (action === 'sigkill') await this.sigkill(fault, record);
      else if (action === 'sigkill-instance') await this.sigkillInstance(fault, record);
      else if (action === 'freeze') await this.freeze(fault, record);
      else await this.sigterm(record);
      record.healthyAt = Date.now();
      record.recoveredAfterMs = record.healthyAt - record.startedAt;
      this.log(
        `fault at ${at}s: ${describe(fault)}; ${record.confirmed}; back after ${(record.recoveredAfterMs / 1000).toFixed(1)} s${record.note ? ` (${record.note})` : ''}`,
      );
    } catch (error) {
      record.error = (error as Error).message;
      this.log(`fault at ${at}s: ${describe(fault)} FAILED: ${record.error}`);
      throw error;
    } finally {
      this.done.push(record);
    }
  }

  private async sigkill(fault: PlannedFault, record: FaultRecord): Promise<void> {
    if (isService(fault.target)) {
      const pid = this.targets.stack.pidOf(fault.target);
      await this.targets.stack.control(fault.target, 'kill');
      // the whole process group: PostgreSQL's backends, the JVM's children
      record.confirmed = `process group ${pid} gone after ${await confirmGone(pid, true)} ms`;
      await sleep(fault.downMs);
      await this.startService(fault.target);
      await this.targets.stack.waitUntilUsable(fault.target);
      return;
    }
    const app = this.targets.apps[fault.target];
    const pid = await app.kill();
    record.confirmed = `pid ${pid} gone after ${await confirmGone(pid, false)} ms`;
    await sleep(fault.downMs);
    await app.start();
  }

  private async freeze(fault: PlannedFault, record: FaultRecord): Promise<void> {
    const service = isService(fault.target) ? fault.target : undefined;
    const pid = service
      ? this.targets.stack.pidOf(service)
      : this.targets.apps[fault.target as keyof FaultTargets['apps']].pid;
    try {
      await freeze(pid, !!service, true);
      record.confirmed = `pid ${pid}${service ? ' and its group' : ''} stopped (state T)`;
      await sleep(fault.downMs);
    } finally {
      await freeze(pid, !!service, false);
    }
    if (service) await this.targets.stack.waitUntilUsable(service);
    else await this.targets.apps[fault.target as keyof FaultTargets['apps']].waitUntilAnswering();
  }

  /** one instance of an app run as several: SIGKILLed; its primary starts another in its place */
  private async sigkillInstance(fault: PlannedFault, record: FaultRecord): Promise<void> {
    const app = this.targets.apps[fault.target as keyof FaultTargets['apps']];
    // an instance may be between lives: one that died at boot (PostgreSQL down by an earlier fault)
    // is started again by its primary after a backoff of up to 30 s
    const waitFrom = Date.now();
    let before = instancesOf(app.pid);
    while (before.length < 2 && Date.now() - waitFrom < 60_000) {
      await sleep(250);
      before = instancesOf(app.pid);
    }
    if (before.length < 2)
      throw new Error(`${fault.target} runs ${before.length} instance(s), not several, after 60 s`);
    if (Date.now() - waitFrom > 250)
      record.note = `waited ${Date.now() - waitFrom} ms for the primary to run 2 instances again`;
    const victim = before[0];
    process.kill(victim, 'SIGKILL');
    record.confirmed = `instance pid ${victim} of ${app.pid} gone after ${await confirmGone(victim, false)} ms`;
    const deadline = Date.now() + 60_000;
    while (instancesOf(app.pid).filter((pid) => pid !== victim).length < before.length) {
      if (Date.now() > deadline)
        throw new Error(`${fault.target}'s primary did not start a new instance within 60 s`);
      await sleep(100);
    }
    await app.waitUntilAnswering();
  }

  // under load: every request in flight must end as a durable 200 or a non-200 (the final
  // comparison checks the 200s are stored); how they ended is noted
  private async sigterm(record: FaultRecord): Promise<void> {
    const t0 = Date.now();
    const inFlight = await this.targets.burst();
    const { graceful, exit, pid } = await this.targets.apps.gateway.terminate();
    if (pid === undefined) throw new Error('the gateway was not running');
    record.confirmed = `pid ${pid} gone after ${await confirmGone(pid, false)} ms`;
    record.inFlightOutcomes = inFlight();
    record.note = `${graceful ? `exited (${exit}) after ${Date.now() - t0} ms` : 'did not exit within 30 s: killed'}; requests in flight ended ${JSON.stringify(record.inFlightOutcomes)}`;
    await this.targets.apps.gateway.start();
  }

  private async startService(service: ServiceName): Promise<void> {
    // the old process may still hold its port for a moment after SIGKILL
    for (let attempt = 1; ; attempt++) {
      try {
        await this.targets.stack.control(service, 'start');
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        this.log(
          `${service} start attempt ${attempt} failed (${(error as Error).message.split('\n')[0]}); again in 2 s`,
        );
        await sleep(2000);
      }
    }
  }
}

function isService(target: FaultTarget): target is ServiceName {
  return target === 'postgres' || isKafka(target as ServiceName);
}

/** the instances (node:cluster workers) an app's primary runs: its children */
function instancesOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? text.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

function describe(fault: PlannedFault): string {
  const { action } = FAULTS[fault.kind];
  if (action === 'sigkill-instance')
    return `an instance of ${fault.target} SIGKILL, started again by its primary`;
  if (action === 'sigterm') return 'gateway SIGTERM under load, restarted';
  if (action === 'freeze')
    return `${fault.target} SIGSTOP, SIGCONT after ${(fault.downMs / 1000).toFixed(1)} s`;
  return `${fault.target} SIGKILL, down ${(fault.downMs / 1000).toFixed(1)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
