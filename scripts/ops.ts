import { parseArgs, ParseArgsConfig } from 'node:util';
import { ApiClient, ApiError, NotAvailableError, UnreachableError } from './ops/api.client';
import { COMPLETENESS_USAGE, completeness } from './ops/completeness.command';
import {
  DEAD_LETTERS_USAGE,
  listDeadLetters,
  redriveDeadLetters,
  showDeadLetter,
} from './ops/dead-letters.command';
import { AppName, appUrl, OpsEnv, resolveOpsEnv } from './ops/ops.env';
import {
  cancelReplay,
  listReplays,
  REPLAY_USAGE,
  replayStatus,
  startReplay,
} from './ops/replay.command';
import { SEND_USAGE, sendSample, UsageError } from './ops/send.command';
import { tail, TAIL_USAGE } from './ops/tail.command';

type Values = Record<string, string | boolean | undefined>;

/** one command of the tool: its usage, its options, and what it does with them (the exit code) */
interface OpsCommand {
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(env: OpsEnv, values: Values, positionals: string[]): Promise<number>;
}

const json = { type: 'boolean', default: false } as const;
const text = { type: 'string' } as const;
const url = { type: 'string' } as const;

/** a client of one app's API, authenticated with the first query API key; --url points elsewhere */
function api(env: OpsEnv, app: AppName, values: Values): ApiClient {
  return new ApiClient(
    typeof values.url === 'string' ? values.url.replace(/\/$/, '') : appUrl(env.config, app),
    env.config.query.apiKeys[0],
  );
}

const string = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

function required(values: Values, ...names: string[]): void {
  const missing = names.filter((name) => values[name] === undefined);
  if (missing.length > 0)
    throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(', ')}`);
}

const COMMANDS: Record<string, OpsCommand> = {
  send: {
    usage: SEND_USAGE,
    options: { file: text, url, tamper: { type: 'boolean', default: false } },
    run: (env, values, [source]) => {
      if (!source) throw new UsageError('which source?');
      return sendSample(env, {
        source,
        file: string(values.file),
        url: string(values.url),
        tamper: values.tamper === true,
      });
    },
  },
  tail: {
    usage: TAIL_USAGE,
    options: {
      'from-beginning': { type: 'boolean', default: false },
      source: text,
      key: text,
      max: text,
    },
    run: (env, values, [topic]) => {
      if (!topic) throw new UsageError('which topic?');
      const max = string(values.max);
      if (max !== undefined && !/^[1-9]\d*$/.test(max))
        throw new UsageError('--max must be a positive integer');
      return tail(env, {
        topic,
        fromBeginning: values['from-beginning'] === true,
        source: string(values.source),
        key: string(values.key),
        max: max === undefined ? undefined : Number(max),
      });
    },
  },
  completeness: {
    usage: COMPLETENESS_USAGE,
    options: { source: text, from: text, to: text, type: text, json, url },
    run: (env, values) => {
      const type = string(values.type);
      if (type !== undefined && type !== 'vehicle' && type !== 'location')
        throw new UsageError('--type must be vehicle or location');
      const apps = (
        [
          { recordType: 'vehicle', app: 'vehicleConsumer' },
          { recordType: 'location', app: 'locationConsumer' },
        ] as const
      ).filter((a) => type === undefined || a.recordType === type);
      return completeness(
        apps.map((a) => ({ recordType: a.recordType, api: api(env, a.app, values) })),
        { source: string(values.source), from: string(values.from), to: string(values.to) },
        values.json === true,
      );
    },
  },
  'dead-letters': {
    usage: DEAD_LETTERS_USAGE,
    options: {
      source: text,
      stage: text,
      'reason-class': text,
      q: text,
      entity: text,
      status: text,
      from: text,
      to: text,
      limit: text,
      cursor: text,
      json,
      url,
    },
    run: (env, values, [action, ...ids]) => {
      const console = api(env, 'console', values);
      if (action === 'list')
        return listDeadLetters(
          console,
          {
            source: string(values.source),
            stage: string(values.stage),
            reasonClass: string(values['reason-class']),
            q: string(values.q),
            entity: string(values.entity),
            status: string(values.status),
            from: string(values.from),
            to: string(values.to),
            limit: string(values.limit),
            cursor: string(values.cursor),
          },
          values.json === true,
        );
      if (action === 'show' && ids.length === 1)
        return showDeadLetter(console, ids[0], values.json === true);
      if (action === 'redrive' && ids.length > 0) return redriveDeadLetters(console, ids);
      throw new UsageError('dead-letters list, show <id> or redrive <id> [<id> …]');
    },
  },
  replay: {
    usage: REPLAY_USAGE,
    options: {
      source: text,
      from: text,
      to: text,
      'dry-run': { type: 'boolean', default: false },
      detach: { type: 'boolean', default: false },
      limit: text,
      url,
    },
    run: (env, values, [action, id]) => {
      const console = api(env, 'console', values);
      if (action === 'status' && id) return replayStatus(console, id);
      if (action === 'cancel' && id) return cancelReplay(console, id);
      if (action === 'list') return listReplays(console, string(values.limit));
      if (action !== undefined) throw new UsageError(`replay ${action}?`);
      required(values, 'source', 'from', 'to');
      return startReplay(console, {
        source: string(values.source)!,
        from: string(values.from)!,
        to: string(values.to)!,
        dryRun: values['dry-run'] === true,
        detach: values.detach === true,
      });
    },
  },
};

const USAGE = [
  'usage: npm run ops -- <command> [options]   (npm run ops -- <command> --help for one)',
  '',
  ...Object.values(COMMANDS).map((command) => `  ${command.usage.split('\n').join('\n  ')}\n`),
  'The apps, their ports, the query API key (the first of QUERY_API_KEYS) and the broker are those of',
  "the running npm start on LOCAL_DATA_DIR, else this shell's variables, else .env.local. --url points",
  'an HTTP command at another address of the app.',
].join('\n');

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h', default: false } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: npm run ops -- ${command.usage}`);
  }
  if (parsed.values.help) {
    console.log(`usage: npm run ops -- ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(resolveOpsEnv(), parsed.values, parsed.positionals);
  } catch (error) {
    if (error instanceof UsageError)
      throw new UsageError(`${error.message}\nusage: npm run ops -- ${command.usage}`);
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    if (error instanceof UsageError) {
      console.error(
        error.message.includes('usage:') ? error.message : `${error.message}\n${USAGE}`,
      );
      process.exit(2);
    }
    if (error instanceof NotAvailableError) {
      console.error(`ops: not available yet: ${error.message}`);
      process.exit(3);
    }
    // a broker call says why in its cause; ApiClient's errors carry it already
    const told = error instanceof ApiError || error instanceof UnreachableError;
    const cause = told ? undefined : (error as { cause?: Error }).cause;
    const why = cause && !error.message.includes(cause.message) ? ` (${cause.message})` : '';
    console.error(`ops: ${error.message}${why}`);
    process.exit(1);
  },
);
