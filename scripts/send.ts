import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '@app/config';
import {
  ensureDevEnv,
  projectRoot,
  readSenderEnv,
  runDir,
  senderEnv,
  withDevEnv,
} from '@app/local-stack';
import { sign } from '@app/verification';

const USAGE = `usage: npm run send -- <source> [--file payload.json] [--url http://127.0.0.1:3000] [--tamper]
  signs a payload the way that sender does (by default samples/<its normalizer>.json) and posts it to
  the gateway, printing the response. secrets and the gateway's port are those of the running
  npm start on LOCAL_DATA_DIR (whatever its shell set), else this shell's variables, else .env.local.
  sources: any configured source by name: the built-in mobway and weguard, and those in
  WEBHOOK_SOURCES (.env.local has acme, octo and traccar)`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const source = args.find((a) => !a.startsWith('--'));
  const option = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (!source || args.includes('--help')) {
    console.log(USAGE);
    process.exit(source ? 0 : 2);
  }
  const root = projectRoot();
  const devValues = ensureDevEnv(root).values;
  // the running launcher's own variables first: its gateway verifies with them, on its port
  const local = loadConfig('launcher', withDevEnv(process.env, devValues));
  const running = readSenderEnv(runDir(resolve(root, local.local.dataDir)));
  if (running)
    console.log(`using the configuration of the running npm start (pid ${running.launcherPid})`);
  const config = running
    ? loadConfig('launcher', senderEnv(process.env, running.values, devValues))
    : local;
  const target = config.gateway.sources.find((s) => s.name === source);
  if (!target || target.secrets.length === 0) {
    const served = config.gateway.sources.filter((s) => s.secrets.length > 0).map((s) => s.name);
    console.error(
      `unknown source "${source}" or no secret configured for it (configured: ${served.join(', ') || 'none'})\n${USAGE}`,
    );
    process.exit(2);
  }
  const sample = `${target.normalizer}.json`;
  const body = readFileSync(option('file') ?? join(root, 'samples', sample));
  const headers = {
    'content-type': 'application/json',
    ...sign(target.scheme, target.secrets[0], body),
  };
  // --tamper: flip a byte after signing, to watch the gateway refuse it
  if (args.includes('--tamper')) body[body.length - 2] ^= 1;
  const url = `${option('url') ?? `http://${gatewayHost(config.host)}:${config.ports.gateway}`}/webhooks/${source}`;
  const res = await fetch(url, { method: 'POST', headers, body });
  console.log(`POST ${url} (${body.length} bytes, ${target.scheme} signature)`);
  console.log(
    `${res.status} ${res.statusText}  x-request-id: ${res.headers.get('x-request-id') ?? '-'}`,
  );
  console.log(await res.text());
  process.exit(res.ok ? 0 : 1);
}

/** a gateway listening on every address is reached on loopback */
function gatewayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

main().catch((error: Error) => {
  console.error(
    `send: ${error.message}${(error as { cause?: Error }).cause ? ` (${(error as { cause?: Error }).cause?.message})` : ''}`,
  );
  process.exit(1);
});
