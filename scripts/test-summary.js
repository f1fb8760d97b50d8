#!/usr/bin/env node
// prints `tests: N passed, N failed` from jest's --json output and fails on any failure,
// including a suite that broke before running a test, or a run that executed nothing
const { existsSync, readFileSync } = require('node:fs');

const file = process.argv[2] ?? '.data/test-results.json';
if (!existsSync(file)) {
  console.log('jest wrote no results (did the build fail?)');
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.every((a) => a.status !== 'failed'));
for (const s of brokenSuites) console.log(`suite failed without a failing test: ${s.name}\n${(s.message ?? '').split('\n').slice(0, 20).join('\n')}`);
let passed = r.numPassedTests;
let failed = r.numFailedTests + brokenSuites.length;
// the short fault-injection run (chaos/chaos.ts) counts as one test
const chaosFile = process.argv[3];
if (chaosFile) {
  const chaos = existsSync(chaosFile) ? JSON.parse(readFileSync(chaosFile, 'utf8')) : { passed: false, error: 'no result written' };
  if (chaos.passed) passed++;
  else {
    failed++;
    console.log(`fault-injection run failed (seed ${chaos.seed ?? '?'}): ${chaos.error ?? 'see .data/chaos-*-logs/'}`);
  }
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 || !r.success ? 1 : 0);
