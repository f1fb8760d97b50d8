import { resolve } from 'node:path';
import { AppConfig, loadConfig } from '@app/config';
import { kafkaSecurity } from '@app/kafka';
import {
  ensureDevEnv,
  projectRoot,
  readSenderEnv,
  runDir,
  senderEnv,
  withDevEnv,
} from '@app/local-stack';
import type { KafkaConfig } from 'kafkajs';

/** where the operator's commands find the running pipeline, and with what they authenticate */
export interface OpsEnv {
  root: string;
  config: AppConfig;
  /** the npm start whose recorded variables were used, if one runs on LOCAL_DATA_DIR */
  launcherPid?: number;
}

/**
 * The configuration `npm run send` and `npm run ops` use: the running npm start's recorded
 * variables first (its apps verify with its secrets and listen on its ports), then this shell's,
 * then .env.local's.
 */
export function resolveOpsEnv(): OpsEnv {
  const root = projectRoot();
  const devValues = ensureDevEnv(root).values;
  const local = loadConfig('launcher', withDevEnv(process.env, devValues));
  const running = readSenderEnv(runDir(resolve(root, local.local.dataDir)));
  if (!running) return { root, config: local };
  return {
    root,
    config: loadConfig('launcher', senderEnv(process.env, running.values, devValues)),
    launcherPid: running.launcherPid,
  };
}

/** an app listening on every address is reached on loopback */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export type AppName = 'gateway' | 'vehicleConsumer' | 'locationConsumer' | 'console';

export function appUrl(config: AppConfig, app: AppName): string {
  return `http://${reachableHost(config.host)}:${config.ports[app]}`;
}

/** the broker the apps use: a local npm start's plaintext loopback one, or the configured cluster with its SASL/TLS */
export function kafkaConnection(
  config: AppConfig,
): { brokers: string[] } & Pick<KafkaConfig, 'sasl' | 'ssl'> {
  if (config.kafka.external)
    return { brokers: config.kafka.brokers, ...kafkaSecurity(config.kafka) };
  return { brokers: [`127.0.0.1:${config.local.kafkaPort}`] };
}
