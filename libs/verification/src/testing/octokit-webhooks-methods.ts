import { join } from 'node:path';

interface OctokitWebhooksMethods {
  sign(secret: string, payload: string): Promise<string>;
  verify(secret: string, payload: string, signature: string): Promise<boolean>;
}

// the package exports only an "import" condition, which neither jest's CommonJS resolver nor
// tsc's node10 resolution can see; load its file by path (jest transforms it, see jest.config.js)
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a file by path, untyped for tsc: see above
export const octokit = require(
  join(__dirname, '../../../../node_modules/@octokit/webhooks-methods/dist-node/index.js'),
) as OctokitWebhooksMethods;
