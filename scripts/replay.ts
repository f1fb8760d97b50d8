import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@app/config';
import { createKafka, kafkaSecurity } from '@app/kafka';
import {
  ensureDevEnv,
  projectRoot,
  readSenderEnv,
  runDir,
  senderEnv,
  withDevEnv,
} from '@app/local-stack';
import { createDataSource } from '@app/persistence';
import {
  createReplayKit,
  fractionDone,
  ReplayJob,
  ReplayNotRunnableError,
  ReplayProgress,
} from '@app/replay';

const USAGE = `usage: npm run replay -- --source <name> --from <ISO time> --to <ISO time> [--dry-run]
       npm run replay -- --resume <id>
  re-reads the raw archive (webhooks.raw.v1) for the requests <name> sent that the gateway received
  in [from, to), normalizes each with today's normalizer and publishes the records (same event ids:
  stored once) and dead letters (marked with the replay id). --dry-run counts and publishes nothing.
  The job is kept in replay_jobs; Ctrl-C stops it at its next checkpoint, --resume <id> goes on from
  there (so does the console at its next start). Configuration: this shell's variables, else .env.local.`;

function fail(message: string, code = 2): never {
  console.error(`replay: ${message}`);
  process.exit(code);
}

function line(id: string, { counters }: ReplayProgress, fraction: number): string {
  return (
    `replay ${id}: ${(fraction * 100).toFixed(1)}%  scanned ${counters.requestsScanned}  matched ${counters.requestsMatched}` +
    `  readings ${counters.readings}  records ${counters.records}  dead letters ${counters.deadLetters}  errors ${counters.errors}`
  );
}

function summary(job: ReplayJob): string {
  const c = job.counters;
  const seconds = c.durationMs / 1000;
  const rate = seconds > 0 ? Math.round(c.requestsScanned / seconds) : 0;
  const would = job.dryRun
    ? ' (dry run: nothing published; counts are what a replay would publish)'
    : '';
  return [
    `replay ${job.id} ${job.status}${would}`,
    `  source ${job.source}, received in [${job.from.toISOString()}, ${job.to.toISOString()})`,
    `  requests scanned  ${c.requestsScanned}`,
    `  requests matched  ${c.requestsMatched}`,
    `  readings          ${c.readings}`,
    `  records           ${c.records}`,
    `  dead letters      ${c.deadLetters}`,
    `  errors            ${c.errors}`,
    `  duration          ${seconds.toFixed(1)} s (${rate} requests/s scanned)`,
    ...(job.error ? [`  error             ${job.error}`] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      source: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      resume: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.resume && (!values.source || !values.from || !values.to))
    fail(`--source, --from and --to are required (or --resume <id>)\n${USAGE}`);

  const root = projectRoot();
  const devValues = ensureDevEnv(root).values;
  const local = loadConfig('launcher', withDevEnv(process.env, devValues));
  // the running npm start's sources, when one runs: its gateway archived the requests
  const running = readSenderEnv(runDir(resolve(root, local.local.dataDir)));
  const config = running
    ? loadConfig('launcher', senderEnv(process.env, running.values, devValues))
    : local;

  const kafka = createKafka(config.kafka.brokers, 'replay', kafkaSecurity(config.kafka));
  const db = await createDataSource(config.database.url, 2, 'fleet-telemetry-replay').initialize();
  const kit = createReplayKit(config, kafka, db);
  const stop = new AbortController();
  let exitCode = 0;
  try {
    let id = values.resume;
    if (!id) {
      const spec = {
        source: values.source!,
        from: new Date(values.from!),
        to: new Date(values.to!),
        dryRun: values['dry-run'],
      };
      const problem = kit.runner.problem(spec);
      if (problem) fail(problem);
      id = (await kit.runner.create(spec)).id;
      console.log(`replay ${id}: created${spec.dryRun ? ' (dry run)' : ''}`);
    } else console.log(`replay ${id}: resuming`);

    process.once('SIGINT', () => {
      console.log(`replay ${id}: stopping at the next checkpoint`);
      stop.abort();
    });
    process.once('SIGTERM', () => stop.abort());
    let printed = 0;
    const job = await kit.runner.run(
      id,
      (jobId, progress, fraction) => {
        // a line a second at most, and the last
        const now = Date.now();
        if (now - printed < 1000 && fraction < 1) return;
        printed = now;
        console.log(line(jobId, progress, fraction));
      },
      stop.signal,
    );
    console.log(line(job.id, job, fractionDone(job.checkpoints)));
    console.log(summary(job));
    if (stop.signal.aborted && job.status === 'running') {
      console.log(`replay ${id}: stopped; resume with npm run replay -- --resume ${id}`);
      exitCode = 130;
    } else if (job.status !== 'done') exitCode = 1;
  } catch (error) {
    if (error instanceof ReplayNotRunnableError) {
      console.error(`replay: ${error.message}`);
      exitCode = 2;
    } else if ((error as { code?: string }).code === '42P01') {
      console.error('replay: the table replay_jobs does not exist: run npm run migrate first');
      exitCode = 1;
    } else throw error;
  } finally {
    await kit.close();
    await db.destroy();
  }
  process.exit(exitCode);
}

main().catch((error: Error) => fail(error.message, 1));
