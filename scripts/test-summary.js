#!/usr/bin/env node
// prints `tests: N passed, N failed` from jest's --json output (and the fault-injection run's result)
// and fails on any failure, including a suite that broke before running a test, a run that executed
// nothing, a result file that is missing, and one left by an earlier run:
//   node scripts/test-summary.js --since <epoch ms> <jest results> [chaos result…]
const { existsSync, readFileSync, statSync } = require('node:fs');

const args = process.argv.slice(2);
const sinceAt = args.indexOf('--since');
const since = sinceAt >= 0 ? Number(args.splice(sinceAt, 2)[1]) : undefined;
if (since !== undefined && !Number.isFinite(since)) {
  console.log('--since must be a time in epoch milliseconds');
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
const [jestFile = '.data/test-results.json', ...chaosFiles] = args;

/** the parsed file, or why it cannot count for this run */
function readResult(file, startedAtOf) {
  if (!existsSync(file)) return { problem: `${file} was not written` };
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { problem: `${file} is not JSON: ${error.message}` };
  }
  if (since !== undefined) {
    const modified = statSync(file).mtimeMs;
    const started = startedAtOf(parsed);
    if (modified < since)
      return {
        problem: `${file} is older than this run (written ${new Date(modified).toISOString()}, run started ${new Date(since).toISOString()})`,
      };
    if (!Number.isFinite(started))
      return {
        problem: `${file} records no start time, so it cannot be told apart from an earlier run's`,
      };
    if (started < since)
      return {
        problem: `${file} records a start (${new Date(started).toISOString()}) before this run's (${new Date(since).toISOString()})`,
      };
  }
  return { result: parsed };
}

let passed = 0;
let failed = 0;
let success;

const jest = readResult(jestFile, (r) => r.startTime);
if (jest.problem) {
  console.log(`jest results unusable: ${jest.problem}`);
  failed++;
  success = false;
} else {
  const r = jest.result;
  const brokenSuites = r.testResults.filter(
    (s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed'),
  );
  for (const s of brokenSuites)
    console.log(
      `suite failed without a failing test: ${s.name}\n${(s.message ?? '').split('\n').slice(0, 20).join('\n')}`,
    );
  passed += r.numPassedTests;
  failed += r.numFailedTests + brokenSuites.length;
  success = r.success;
}

// each short fault-injection run (chaos/chaos.ts: one stack, then the scaled one) counts as one test
for (const chaosFile of chaosFiles) {
  const chaos = readResult(chaosFile, (r) => Date.parse(r.startedAt));
  if (chaos.result?.passed === true) passed++;
  else {
    failed++;
    const why =
      chaos.problem ??
      chaos.result.error ??
      chaos.result.failures?.join('; ') ??
      'no reason recorded';
    const logs = chaos.result?.logDir ? `; its logs are in ${chaos.result.logDir}` : '';
    console.log(
      `${chaos.result?.scaled ? 'scaled ' : ''}fault-injection run failed (seed ${chaos.result?.seed ?? '?'}): ${why}${logs}`,
    );
  }
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 || !success ? 1 : 0);
