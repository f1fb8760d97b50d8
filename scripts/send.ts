import { parseArgs } from 'node:util';
import { resolveOpsEnv } from './ops/ops.env';
import { SEND_USAGE, sendSample, UsageError } from './ops/send.command';

const USAGE = `usage: npm run send -- ${SEND_USAGE.replace(/^send /, '')}\n  (the same as npm run ops -- send)`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      file: { type: 'string' },
      url: { type: 'string' },
      tamper: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const [source] = positionals;
  if (!source || values.help) {
    console.log(USAGE);
    process.exit(source ? 0 : 2);
  }
  process.exit(await sendSample(resolveOpsEnv(), { source, ...values }));
}

main().catch((error: Error) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  const cause = (error as { cause?: Error }).cause;
  console.error(`send: ${error.message}${cause ? ` (${cause.message})` : ''}`);
  process.exit(1);
});
