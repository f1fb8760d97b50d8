import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** the repository root, found from this file whether it runs from source or from dist/ */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name ===
        'fleet-telemetry-pipeline'
    )
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root above ${from}`);
    dir = parent;
  }
}
