import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sign } from '@app/verification';
import { appUrl, OpsEnv } from './ops.env';

export const SEND_USAGE = `send <source> [--file payload.json] [--url http://127.0.0.1:3000] [--tamper]
  signs a payload the way that sender does (by default samples/<its normalizer>.json) and posts it to
  the gateway, printing the response. secrets and the gateway's port are those of the running
  npm start on LOCAL_DATA_DIR (whatever its shell set), else this shell's variables, else .env.local.
  sources: any configured source by name: the built-in mobway and weguard, and those in
  WEBHOOK_SOURCES (.env.local has acme, octo and traccar). --tamper flips a byte after signing.`;

export interface SendOptions {
  source: string;
  file?: string;
  url?: string;
  tamper?: boolean;
}

/** signs and posts one payload as `source` would; resolves to the exit code (0: the gateway took it) */
export async function sendSample(
  { root, config, launcherPid }: OpsEnv,
  options: SendOptions,
  print: (line: string) => void = console.log,
): Promise<number> {
  if (launcherPid !== undefined)
    print(`using the configuration of the running npm start (pid ${launcherPid})`);
  const target = config.gateway.sources.find((s) => s.name === options.source);
  if (!target || target.secrets.length === 0) {
    const served = config.gateway.sources.filter((s) => s.secrets.length > 0).map((s) => s.name);
    throw new UsageError(
      `unknown source "${options.source}" or no secret configured for it (configured: ${served.join(', ') || 'none'})`,
    );
  }
  const body = readFileSync(options.file ?? join(root, 'samples', `${target.normalizer}.json`));
  const headers = {
    'content-type': 'application/json',
    ...sign(target.scheme, target.secrets[0], body),
  };
  // --tamper: flip a byte after signing, to watch the gateway refuse it
  if (options.tamper) body[body.length - 2] ^= 1;
  const url = `${options.url ?? appUrl(config, 'gateway')}/webhooks/${options.source}`;
  const res = await fetch(url, { method: 'POST', headers, body });
  print(`POST ${url} (${body.length} bytes, ${target.scheme} signature)`);
  print(`${res.status} ${res.statusText}  x-request-id: ${res.headers.get('x-request-id') ?? '-'}`);
  print(await res.text());
  return res.ok ? 0 : 1;
}

/** a mistake in the command line: printed with the usage, exit code 2 */
export class UsageError extends Error {}
