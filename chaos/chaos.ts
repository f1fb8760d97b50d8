import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { audit, readDeadLetters, readStoredRows, waitForCatchUp } from './pipeline-audit';
import {
  comparePlan,
  FAULT_KINDS,
  FaultInjector,
  FaultKind,
  FaultRecord,
  FAULTS,
  ingestWindows,
  planFaults,
  faultKindsOf,
} from './fault-injector';
import { checkAgainstPublishedVector } from './independent-event-id';
import { AttemptRecord, livenessFloor } from './liveness-floor';
import { boundaryAudit, boundaryGroups } from './partition-boundary';
import {
  AppProcess,
  ChaosStack,
  DIST,
  killEverythingNow,
  markRun,
  reapLeftovers,
  reapOrphans,
  ROOT,
} from './processes';
import { SeededRandom, seedFrom } from './seeded-random';
import { DEFAULT_PARTITION_SPAN } from '@app/persistence/record-partitions';
import { SenderSimulator } from './sender-simulator';

/**
 * `npm run test:chaos`: real PostgreSQL, real Kafka and the three apps; signed deliveries from
 * simulated mobway and WeGuard senders while Kafka, PostgreSQL, the gateway and both consumers are
 * SIGKILLed and restarted, or frozen (SIGSTOP/SIGCONT), at random moments (and the gateway stopped
 * with SIGTERM under load). Then: every acknowledged reading stored exactly once, nothing stored
 * that was never sent, the dead-letter topic holding exactly the readings that were invalid on
 * purpose, every attempt made outside a fault window acknowledged, and every planned fault run and
 * confirmed. One summary line; exit code 1 on any of these failing.
 */

const env = process.env;
const int = (name: string, fallback: number): number => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name} must be a non-negative number, got ${value}`);
  return n;
};

const SETTINGS = {
  seed: seedFrom(env.CHAOS_SEED),
  /** CHAOS_SCALED=1: three Kafka brokers, two instances of each app; single brokers and instances killed */
  scaled: env.CHAOS_SCALED === '1',
  durationS: int('CHAOS_SECONDS', 60),
  rate: int('CHAOS_RATE', 40),
  // one variable moves every port of the test command: the end-to-end stack at E2E_PORT_BASE, this at +500
  portBase: env.CHAOS_PORT_BASE ? int('CHAOS_PORT_BASE', 0) : int('E2E_PORT_BASE', 19000) + 500,
  vehicles: int('CHAOS_VEHICLES', 300),
  devices: int('CHAOS_DEVICES', 300),
  invalidShare: int('CHAOS_INVALID_PERCENT', 1) / 100,
  catchUpTimeoutS: int('CHAOS_CATCH_UP_SECONDS', 600),
  sigtermBurst: int('CHAOS_SIGTERM_BURST', 30),
  /** after a fault on what the gateway needs is over, how long its non-200s are still excused */
  graceMs: int('CHAOS_GRACE_SECONDS', 5) * 1000,
  /** traffic after the last fault: attempts there must all get a 200 */
  quietMs: int('CHAOS_QUIET_SECONDS', 5) * 1000,
};
// two SIGKILLs of each target and one freeze of each in the short run; from 10 minutes on, six of each
const perKind = int('CHAOS_FAULTS_PER_KIND', Math.max(2, Math.round(SETTINGS.durationS / 100)));
const freezes = int('CHAOS_FREEZES_PER_KIND', Math.max(1, Math.round(SETTINGS.durationS / 100)));
const sigterms = int('CHAOS_SIGTERMS', Math.max(1, Math.round(SETTINGS.durationS / 300)));
const faultCounts = Object.fromEntries(
  FAULT_KINDS.map((kind) => [
    kind,
    !faultKindsOf(SETTINGS.scaled).includes(kind)
      ? 0
      : FAULTS[kind].action === 'sigterm'
        ? sigterms
        : FAULTS[kind].action === 'freeze'
          ? freezes
          : perKind,
  ]),
) as Record<FaultKind, number>;
const BROKERS = SETTINGS.scaled ? 3 : 1;
const INSTANCES = SETTINGS.scaled ? '2' : '1';

// `--result-file <path>`: the result as JSON (with `passed`) for a test summary to count
const resultArg = process.argv.indexOf('--result-file');
const RESULT_FILE = resultArg > 0 ? process.argv[resultArg + 1] : undefined;

const started = Date.now();
const startedAt = new Date(started).toISOString();
let interrupted = false;
const log = (line: string): void =>
  console.log(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);

async function main(): Promise<number> {
  const { seed, durationS, rate, portBase } = SETTINGS;
  const random = new SeededRandom(seed);
  // `npm test` runs both on one port base, one after the other: each keeps its own logs
  const name = `chaos-${portBase}${SETTINGS.scaled ? '-scaled' : ''}`;
  const logDir = join(ROOT, '.data', `${name}-logs`);
  // the audit's own event ids must agree with the RFC before they can judge the pipeline's
  checkAgainstPublishedVector();
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  // a result file from an earlier run must never pass for this one
  if (RESULT_FILE) rmSync(RESULT_FILE, { force: true });
  markRun(portBase);
  const orphans = reapOrphans(portBase);
  if (orphans > 0)
    log(
      `killed ${orphans} process(es) left by an earlier run on these ports whose harness was killed`,
    );
  const plan = planFaults(random.fork('faults'), durationS * 1000, faultCounts);
  log(
    `seed=${seed} (CHAOS_SEED=${seed} replays it) duration=${durationS}s rate=${rate}/s faults planned=${plan.length}; apps from ${DIST}; logs in ${logDir}`,
  );

  const stack = new ChaosStack(
    join(ROOT, '.data', name),
    portBase,
    join(logDir, 'stack.log'),
    BROKERS,
  );
  let apps: AppProcess[] = [];
  let senders: SenderSimulator | undefined;
  let injector: FaultInjector | undefined;
  const cleanup = once(async () => {
    await injector?.abort().catch(() => undefined);
    await senders?.stop(0).catch(() => undefined);
    await Promise.all(apps.map((app) => app.terminate(15_000)));
    await stack.stop(undefined, logDir);
    const leftovers = reapLeftovers(portBase);
    if (leftovers > 0)
      log(
        `WARNING: ${leftovers} process(es) of this run were still there after the orderly stop; killed`,
      );
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      log(`${signal}: stopping everything`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    const info = await stack.start();
    log(`stack ready: kafka ${info.kafkaBrokers.join(',')}, postgres on ${portBase + 1}`);
    const secrets = {
      mobway: `chaos-mobway-${randomBytes(12).toString('hex')}`,
      weguard: `chaos-weguard-${randomBytes(12).toString('hex')}`,
    };
    const common = {
      HOST: '127.0.0.1',
      KAFKA_BROKERS: info.kafkaBrokers.join(','),
      DATABASE_URL: info.databaseUrl,
      LOG_LEVEL: env.CHAOS_LOG_LEVEL ?? 'info',
      GATEWAY_INSTANCES: INSTANCES,
      VEHICLE_CONSUMER_INSTANCES: INSTANCES,
      LOCATION_CONSUMER_INSTANCES: INSTANCES,
    };
    const gateway = new AppProcess(
      'ingest-gateway',
      {
        ...common,
        GATEWAY_PORT: String(portBase + 10),
        MOBWAY_SIGN_SECRET: secrets.mobway,
        WEGUARD_SECRET: secrets.weguard,
        RATE_LIMIT_PER_SOURCE: '0',
        PUBLISH_TIMEOUT_MS: env.PUBLISH_TIMEOUT_MS ?? '5000',
      },
      join(logDir, 'ingest-gateway.log'),
      portBase + 10,
    );
    const queryKeys = `chaos-query-${randomBytes(12).toString('hex')}`;
    const vehicleConsumer = new AppProcess(
      'vehicle-consumer',
      { ...common, QUERY_API_KEYS: queryKeys, VEHICLE_CONSUMER_PORT: String(portBase + 11) },
      join(logDir, 'vehicle-consumer.log'),
      portBase + 11,
    );
    const locationConsumer = new AppProcess(
      'location-consumer',
      { ...common, QUERY_API_KEYS: queryKeys, LOCATION_CONSUMER_PORT: String(portBase + 12) },
      join(logDir, 'location-consumer.log'),
      portBase + 12,
    );
    apps = [gateway, vehicleConsumer, locationConsumer];
    await Promise.all(apps.map((app) => app.start()));
    log(
      `apps listening: ingest-gateway, vehicle-consumer, location-consumer${SETTINGS.scaled ? ` (${INSTANCES} instances each; ${BROKERS} Kafka brokers)` : ''}`,
    );

    senders = new SenderSimulator({
      gatewayUrl: `http://127.0.0.1:${portBase + 10}`,
      secrets,
      rate,
      mobwayShare: 0.5,
      vehicles: SETTINGS.vehicles,
      devices: SETTINGS.devices,
      invalidShare: SETTINGS.invalidShare,
      requestTimeoutMs: 15_000,
      random: random.fork('senders'),
      // the consumers run with the default span: readings across its edges and into spans with no partition yet
      boundary: boundaryGroups(Date.now(), DEFAULT_PARTITION_SPAN),
    });
    const simulator = senders;
    injector = new FaultInjector(
      {
        stack,
        burst: () => simulator.burst(SETTINGS.sigtermBurst),
        apps: {
          gateway,
          'vehicle-consumer': vehicleConsumer,
          'location-consumer': locationConsumer,
        },
      },
      log,
    );
    senders.start();
    injector.run(plan);
    const sendingUntil = Date.now() + durationS * 1000;
    let lastReport = Date.now();
    while (Date.now() < sendingUntil && !injector.failure && !interrupted) {
      await sleep(Math.min(1000, sendingUntil - Date.now()));
      if (Date.now() - lastReport >= 15_000) {
        lastReport = Date.now();
        const s = senders.stats;
        log(
          `sending: requests=${s.requests.mobway + s.requests.weguard} acked=${s.acked.mobway + s.acked.weguard} inFlight=${senders.pending} outcomes=${JSON.stringify(s.outcomes)}`,
        );
      }
    }

    if (interrupted) return 130;
    // every planned fault run and every target up again, then a quiet spell of traffic (all of it
    // must get 200s), then the senders finish what they have under way
    log('sending time is over: letting the planned faults run and finish');
    await injector.settle();
    log(
      `all services up; ${(SETTINGS.graceMs + SETTINGS.quietMs) / 1000} s more of traffic without faults`,
    );
    await sleep(SETTINGS.graceMs + SETTINGS.quietMs);
    if (interrupted) return 130;
    log(`senders finishing ${senders.pending} deliveries under way`);
    await senders.stop(120_000);
    const s = senders.stats;
    log(
      `senders done: requests mobway=${s.requests.mobway} weguard=${s.requests.weguard}; acked mobway=${s.acked.mobway} weguard=${s.acked.weguard}; gave up mobway=${s.gaveUp.mobway} weguard=${s.gaveUp.weguard}; abandoned=${s.abandoned}; attempts=${s.attempts} ${JSON.stringify(s.outcomes)}`,
    );

    const catchUpMs = await waitForCatchUp(
      info.kafkaBrokers,
      info.databaseUrl,
      SETTINGS.catchUpTimeoutS * 1000,
      log,
    );
    log(`consumers caught up in ${(catchUpMs / 1000).toFixed(1)} s`);
    const [rows, letters] = await Promise.all([
      readStoredRows(info.databaseUrl),
      readDeadLetters(info.kafkaBrokers),
    ]);
    const result = audit(senders.readings, rows, letters);
    const boundary = boundaryAudit(senders.readings, rows);
    for (const g of boundary.groups)
      log(
        `boundary ${g.name}: acked ${g.acked} of ${g.sentValid} valid, lost ${g.lost}, duplicated ${g.duplicated}${g.beforeEdge === undefined ? '' : `, ${g.beforeEdge} before / ${g.afterEdge} after the edge`}; partitions ${g.partitions.join(', ')}`,
      );
    const faults = injector.counts();
    const unavailability = unavailableAfterFaults(injector.done, senders.attempts);
    for (const u of unavailability)
      log(
        `after ${u.kind} on ${u.target} at +${((u.startedAt - started) / 1000).toFixed(1)} s: ${u.failed} attempt(s) not acknowledged, the last ${u.seconds.toFixed(1)} s after the fault`,
      );
    const mismatches = s.ackMismatches.length;
    const { problems: planProblems, asPlanned } = comparePlan(plan, injector.done);
    const floor = livenessFloor(
      senders.attempts,
      ingestWindows(injector.done, SETTINGS.graceMs),
      started,
    );
    // the quiet spell alone gives about rate × quiet seconds such attempts: fewer means the floor judged nothing
    const floorMinimum = Math.max(1, Math.floor((rate * SETTINGS.quietMs) / 2000));
    for (const line of [
      ...result.examples,
      ...s.ackMismatches.map((m) => `200 that does not match the request: ${m}`),
      ...planProblems,
      ...boundary.problems,
      ...floor.examples.map((e) => `outside every fault window, not acknowledged: ${e}`),
    ])
      log(line);

    const failures = [
      result.lost > 0 && `${result.lost} acknowledged reading(s) lost`,
      result.duplicated > 0 && `${result.duplicated} duplicate row(s)`,
      result.unexpected > 0 && `${result.unexpected} unexpected row(s) or dead letter(s)`,
      mismatches > 0 && `${mismatches} 200(s) not matching their request`,
      boundary.problems.length > 0 &&
        `partition boundaries: ${boundary.problems.length} problem(s), first: ${boundary.problems[0]}`,
      planProblems.length > 0 &&
        `plan ≠ ran: ${planProblems.length} problem(s), first: ${planProblems[0]}`,
      floor.failed > 0 &&
        `liveness floor: ${floor.failed} of ${floor.outside} attempts outside fault windows not acknowledged`,
      floor.outside < floorMinimum &&
        `liveness floor: only ${floor.outside} attempts outside fault windows (at least ${floorMinimum} needed)`,
    ].filter((f): f is string => typeof f === 'string');
    const failed = failures.length > 0;
    const record = {
      seed,
      durationS,
      rate,
      startedAt,
      logDir,
      requests: s.requests.mobway + s.requests.weguard,
      ...result,
      examples: undefined,
      ackMismatches: mismatches,
      floor: {
        outside: floor.outside,
        failed: floor.failed,
        minimum: floorMinimum,
        graceS: SETTINGS.graceMs / 1000,
      },
      boundary: boundary.groups,
      faults,
      planned: plan.length,
      planProblems,
      scaled: SETTINGS.scaled,
      unavailability,
      faultLog: injector.done,
      catchUpS: Math.round(catchUpMs / 1000),
      finishedAt: new Date().toISOString(),
      failures,
      passed: !failed,
    };
    const json = `${JSON.stringify(record, null, 2)}\n`;
    writeFileSync(join(logDir, 'result.json'), json);
    if (RESULT_FILE) writeFileSync(RESULT_FILE, json);
    const faultText = Object.entries(faults)
      .map(([kind, n]) => `${kind}:${n}`)
      .join(',');
    console.log(
      `chaos: seed=${seed} duration=${durationS}s requests=${record.requests} acked=${result.acked} stored=${result.stored} lost=${result.lost} duplicated=${result.duplicated} unexpected=${result.unexpected}` +
        ` deadLettered=${result.deadLettered.found}/${result.deadLettered.ackedInvalid} unackedStored=${result.unackedStored}/${result.sentValid - result.acked}${mismatches ? ` ackMismatches=${mismatches}` : ''}` +
        ` boundary=${boundary.groups.map((g) => `${g.name}:${g.acked - g.lost}/${g.acked}`).join(',')}` +
        ` floor=${floor.outside - floor.failed}/${floor.outside} faults=${faultText} ran=${asPlanned}/${plan.length} catchUp=${record.catchUpS}s ${failed ? `FAILED: ${failures.join('; ')}` : 'passed'}`,
    );
    if (failed)
      log(`replay with CHAOS_SEED=${seed} CHAOS_SECONDS=${durationS}; app logs kept in ${logDir}`);
    return failed ? 1 : 0;
  } catch (error) {
    log(`run aborted: ${(error as Error).stack ?? String(error)}`);
    log(`replay with CHAOS_SEED=${seed} CHAOS_SECONDS=${durationS}; logs in ${logDir}`);
    console.log(
      `chaos: seed=${seed} duration=${durationS}s ERROR ${(error as Error).message.split('\n')[0]}`,
    );
    if (RESULT_FILE)
      writeFileSync(
        RESULT_FILE,
        `${JSON.stringify({ seed, durationS, startedAt, logDir, passed: false, error: (error as Error).message }, null, 2)}\n`,
      );
    return 2;
  } finally {
    await cleanup();
    log('stopped: apps, Kafka and PostgreSQL; data folder removed');
  }
}

/**
 * For each fault the gateway's answers depend on: how many attempts overlapping its window were
 * not acknowledged, and how long after the fault the last of them ended (what a sender saw of it).
 */
function unavailableAfterFaults(
  done: readonly FaultRecord[],
  attempts: readonly AttemptRecord[],
): { kind: FaultKind; target: string; startedAt: number; failed: number; seconds: number }[] {
  return done
    .filter((r) => FAULTS[r.kind].stallsIngest && r.healthyAt !== undefined)
    .map((r) => {
      const to = r.healthyAt! + SETTINGS.graceMs;
      const failed = attempts.filter(
        (a) => a.status !== 200 && a.endedAt >= r.startedAt && a.startedAt <= to,
      );
      const last = failed.length ? Math.max(...failed.map((a) => a.endedAt)) : r.startedAt;
      return {
        kind: r.kind,
        target: r.target,
        startedAt: r.startedAt,
        failed: failed.length,
        seconds: (last - r.startedAt) / 1000,
      };
    });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error);
    killEverythingNow();
    process.exit(2);
  },
);
