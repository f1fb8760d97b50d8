import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPICS } from '@app/contracts';
import { createKafka, Murmur2Partitioner } from '@app/kafka';
import { rawMessage } from '@app/kafka/messages';
import { DIST, loadAverage, machine, portBase, report, ROOT, startStack } from './support';

/**
 * `npm run bench:replay`: how fast a replay re-reads the raw archive. A fresh stack gets
 * BENCH_REPLAY_REQUESTS (20,000) archived mobway requests of samples/mobway.json (10 readings,
 * 4.6 KB), received over the last minutes, beside as many of another source; then `npm run replay`
 * replays the mobway ones, first as a dry run (read and normalize only), then for real (also
 * publish every record, acks=all). The figures are the command's own summaries: requests scanned
 * and matched per second of the job's running time, from the first offset lookup to the last
 * checkpoint (its start-up, about a second, not counted).
 */
async function main(): Promise<void> {
  const requests = Number(process.env.BENCH_REPLAY_REQUESTS ?? 20_000);
  const stack = await startStack(portBase(24600), { KAFKA_TOPIC_PARTITIONS: '6' });
  try {
    const body = readFileSync(join(ROOT, 'samples', 'mobway.json'));
    const kafka = createKafka(stack.kafkaBrokers, 'bench-replay');
    const producer = kafka.producer({ idempotent: true, createPartitioner: Murmur2Partitioner });
    await producer.connect();
    const from = new Date(Date.now() - 60_000);
    const started = Date.now();
    for (let i = 0; i < requests; i += 500) {
      const messages = [];
      for (let j = i; j < Math.min(requests, i + 500); j++)
        for (const source of ['mobway', 'other']) {
          const receivedAt = new Date(from.getTime() + Math.floor((j / requests) * 30_000));
          messages.push(
            rawMessage(body, {
              source,
              requestId: randomUUID(),
              receivedAt: receivedAt.toISOString(),
            }).message,
          );
        }
      await producer.send({ topic: TOPICS.raw, acks: -1, messages });
    }
    await producer.disconnect();
    const archived = (Date.now() - started) / 1000;
    console.log(`archived ${requests * 2} requests in ${archived.toFixed(1)} s`);
    const to = new Date();

    const runs: Record<string, Record<string, number>> = {};
    for (const dryRun of [true, false]) {
      const args = ['--source', 'mobway', '--from', from.toISOString(), '--to', to.toISOString()];
      const output = await run([...args, ...(dryRun ? ['--dry-run'] : [])], stack);
      if (process.env.BENCH_VERBOSE) console.log(output);
      const figure = (label: string) =>
        Number(new RegExp(`^  ${label} +([\\d.]+)`, 'm').exec(output)?.[1] ?? NaN);
      const seconds = figure('duration');
      const result = {
        requestsScanned: figure('requests scanned'),
        requestsMatched: figure('requests matched'),
        records: figure('records'),
        seconds,
        scannedPerSecond: Math.round(figure('requests scanned') / seconds),
        matchedPerSecond: Math.round(figure('requests matched') / seconds),
        recordsPerSecond: Math.round(figure('records') / seconds),
      };
      runs[dryRun ? 'dryRun' : 'publish'] = result;
      console.log(dryRun ? 'dry run' : 'publish', result);
    }
    const load = loadAverage();
    report(
      'replay',
      { machine: machine(), load, requests, runs },
      [
        '## bench:replay',
        `${machine()}, 1-minute load ${load} at the end (the machine is shared).`,
        `${requests} mobway requests of samples/mobway.json (10 readings each) and as many of another source on a 6-partition raw topic; one \`npm run replay\` for the mobway ones:`,
        '',
        '| run | requests scanned | matched | records | seconds | scanned/s | matched/s | records/s |',
        '|---|---|---|---|---|---|---|---|',
        ...Object.entries(runs).map(
          ([name, r]) =>
            `| ${name} | ${r.requestsScanned} | ${r.requestsMatched} | ${r.records} | ${r.seconds} | ${r.scannedPerSecond} | ${r.matchedPerSecond} | ${r.recordsPerSecond} |`,
        ),
      ].join('\n'),
    );
  } finally {
    await stack.stop();
  }
}

function run(args: string[], stack: { kafkaBrokers: string[]; databaseUrl: string }) {
  const child = spawn(process.execPath, [join(DIST, 'scripts', 'replay.js'), ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NO_COLOR: '1',
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      DATABASE_URL: stack.databaseUrl,
      LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-replay-')),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<string>((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`replay exited ${code}:\n${output}`)),
    ),
  );
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
