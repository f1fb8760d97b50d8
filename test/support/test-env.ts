import { join } from 'node:path';

/** the test stack listens on its own ports so it never collides with a running `npm start` */
export const TEST_PORTS = { postgres: 15433, kafka: 19092, kafkaController: 19093, control: 19099 };
export const ROOT = join(__dirname, '..', '..');
export const STATE_FILE = join(ROOT, '.data', 'test-stack.json');

export interface TestStackState {
  kafkaBrokers: string[];
  databaseUrl: string;
  kafkaPid?: number;
  postgresPid?: number;
  launcherPid: number;
  dataDir: string;
}
