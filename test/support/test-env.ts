import { join } from 'node:path';

/**
 * The test stack listens on its own ports so it never collides with a running `npm start`;
 * E2E_PORT_BASE moves the whole block so two test runs can share a machine (the fault-injection
 * run of `npm test` takes E2E_PORT_BASE + 500 onwards, see chaos/chaos.ts).
 */
export const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 19000);
export const TEST_PORTS = {
  postgres: PORT_BASE + 1,
  kafka: PORT_BASE + 2,
  kafkaController: PORT_BASE + 3,
  control: PORT_BASE + 4,
  firstApp: PORT_BASE + 10,
};
export const ROOT = join(__dirname, '..', '..');
export const STATE_FILE = join(ROOT, '.data', `test-stack-${PORT_BASE}.json`);
/** PostgreSQL's and Kafka's output for the whole run, kept afterwards: failures name it */
export const STACK_LOG = join(ROOT, '.data', `test-${PORT_BASE}-stack.log`);

export interface TestStackState {
  kafkaBrokers: string[];
  databaseUrl: string;
  kafkaPid?: number;
  postgresPid?: number;
  launcherPid: number;
  dataDir: string;
}

/** the built apps under test; E2E_DIST lets parallel work build into its own folder */
export const DIST = join(ROOT, process.env.E2E_DIST ?? 'dist');
