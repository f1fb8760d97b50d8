import { existsSync, readFileSync, rmSync } from 'node:fs';
// relative: jest loads its global teardown without the @app/ module map
import { isAlive as alive } from '../libs/local-stack/src/pid-files';
import { STACK_LOG, STATE_FILE, TestStackState } from './support/test-env';

/** stops the test stack and removes its data */
export default async function globalTeardown(): Promise<void> {
  if (!existsSync(STATE_FILE)) return;
  const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as TestStackState;
  if (alive(state.launcherPid)) process.kill(state.launcherPid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  const pids = [state.launcherPid, state.kafkaPid, state.postgresPid].filter(
    (p): p is number => !!p,
  );
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const stuck = pids.filter(alive);
  if (stuck.length > 0)
    console.log(
      `test stack did not stop within 60 s (pids ${stuck.join(', ')}): killed; its log is in ${STACK_LOG}`,
    );
  for (const pid of stuck) process.kill(-pid, 'SIGKILL');
  rmSync(state.dataDir, { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
}
