#!/usr/bin/env node
// `npm test`: build, jest (unit + end-to-end), the short fault-injection run, the short scaled one
// (three brokers, two instances of each app: CHAOS_SCALED=1), then one summary line.
// Results of an earlier run can never count for this one: they are deleted first, a failed build
// stops here, and the summary refuses result files older than this run's start marker.
// E2E_PORT_BASE moves every port this uses: the end-to-end stack at +1..+4 and apps from +10, the
// fault-injection run at +500 (CHAOS_PORT_BASE overrides that one alone).
const { spawn } = require('node:child_process');
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const base = process.env.E2E_PORT_BASE || '19000';
if (!/^\d+$/.test(base) || Number(base) < 1024 || Number(base) > 64000) {
  console.log(`E2E_PORT_BASE must be a port number between 1024 and 64000, got ${base}`);
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}
const DATA = join(ROOT, '.data');
const files = {
  marker: join(DATA, `test-${base}-run.json`),
  jest: join(DATA, `test-${base}-results.json`),
  chaos: join(DATA, `test-${base}-chaos-result.json`),
  chaosScaled: join(DATA, `test-${base}-chaos-scaled-result.json`),
};

let current;
let interrupted;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    interrupted = signal;
    // the child cleans up (the stack, the apps) on its own signal; we wait for it, then stop
    if (current && current.exitCode === null) current.kill(signal);
    else process.exit(130);
  });
}

function run(command, args, env = process.env) {
  return new Promise((resolve) => {
    current = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env });
    current.once('error', (error) => {
      console.log(`${command} could not start: ${error.message}`);
      resolve(1);
    });
    current.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  }).then((code) => {
    current = undefined;
    if (interrupted) {
      console.log(`${interrupted}: stopped`);
      console.log('tests: 0 passed, 1 failed');
      process.exit(130);
    }
    return code;
  });
}

async function main() {
  mkdirSync(DATA, { recursive: true });
  for (const file of Object.values(files)) rmSync(file, { force: true });
  // whole seconds down: file systems with coarse timestamps must not make this run's files look older
  const startedAt = Math.floor(Date.now() / 1000) * 1000;
  writeFileSync(
    files.marker,
    `${JSON.stringify({ startedAt: new Date(startedAt).toISOString(), pid: process.pid })}\n`,
  );
  const chaosBase = process.env.CHAOS_PORT_BASE || String(Number(base) + 500);
  console.log(
    `npm test: end-to-end ports ${Number(base) + 1}–${Number(base) + 4} and ${Number(base) + 10}+ (E2E_PORT_BASE=${base}), fault-injection runs ${Number(chaosBase) + 1}–${Number(chaosBase) + 25}; results in .data/test-${base}-*`,
  );

  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if ((await run(npm, ['run', 'build'])) !== 0) {
    console.log('build failed: nothing was tested');
    console.log('tests: 0 passed, 1 failed');
    return 1;
  }
  const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
  await run(process.execPath, [jest, '--runInBand', '--json', `--outputFile=${files.jest}`]);
  const chaos = join(ROOT, 'dist', 'chaos', 'chaos.js');
  const chaosEnv = { ...process.env, CHAOS_SCALED: '' };
  await run(
    process.execPath,
    ['--enable-source-maps', chaos, '--result-file', files.chaos],
    chaosEnv,
  );
  // the same ports, one after the other; its own logs (.data/chaos-<port base>-scaled-logs)
  await run(process.execPath, ['--enable-source-maps', chaos, '--result-file', files.chaosScaled], {
    ...chaosEnv,
    CHAOS_SCALED: '1',
  });
  return run(process.execPath, [
    join(__dirname, 'test-summary.js'),
    '--since',
    String(startedAt),
    files.jest,
    files.chaos,
    files.chaosScaled,
  ]);
}

main().then((code) => process.exit(code));
