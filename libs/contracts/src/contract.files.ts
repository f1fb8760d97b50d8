import { asyncApiFile } from './contract.asyncapi';
import { jsonSchemaFile, PUBLISHED_CONTRACTS } from './contract.json';

/** what `npm run contracts:generate` writes, relative to the repository root; a test keeps them current */
export function generatedFiles(): { path: string; text: string }[] {
  return [
    ...PUBLISHED_CONTRACTS.map(({ file, contract }) => ({
      path: `schemas/${file}`,
      text: jsonSchemaFile(contract),
    })),
    { path: 'asyncapi/asyncapi.json', text: asyncApiFile() },
  ];
}
