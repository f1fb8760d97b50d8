import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * Preloaded into an app with `NODE_OPTIONS=--require …/cpu-profile.js` (Node 20 refuses
 * --cpu-prof there): profiles the process's first BENCH_CPU_PROFILE_SECONDS (default 20) and
 * writes BENCH_CPU_PROFILE, a .cpuprofile for Chrome DevTools or speedscope. On a timer rather
 * than at exit: Nest re-raises SIGTERM after its shutdown hooks, so 'exit' never fires.
 */
const file = process.env.BENCH_CPU_PROFILE;
if (file) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  const timer = setTimeout(
    () => {
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(file, JSON.stringify(result.profile));
        session.disconnect();
      });
    },
    Number(process.env.BENCH_CPU_PROFILE_SECONDS ?? 20) * 1000,
  );
  timer.unref();
}
