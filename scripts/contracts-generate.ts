import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generatedFiles } from '@app/contracts/contract.files';

/**
 * `npm run contracts:generate`: writes the files derived from the contract definitions
 * (libs/contracts): the JSON Schemas in schemas/ and the AsyncAPI document. They are checked in;
 * libs/contracts/src/record.schemas.spec.ts fails while one differs from what this writes.
 */
const ROOT = join(__dirname, '..', '..');

for (const { path, text } of generatedFiles()) {
  const file = join(ROOT, path);
  let before: string | undefined;
  try {
    before = readFileSync(file, 'utf8');
  } catch {
    before = undefined;
  }
  if (before === text) {
    console.log(`unchanged ${path}`);
    continue;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`${before === undefined ? 'created' : 'updated'} ${path}`);
}
