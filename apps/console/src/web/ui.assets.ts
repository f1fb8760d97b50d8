import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, NotFoundException, Optional } from '@nestjs/common';

/** where `npm run build` writes the web console's bundle (esbuild: apps/console/ui → dist/apps/console/ui) */
export const UI_DIR = join(__dirname, '..', '..', 'ui');
/** another folder for the bundle (tests) */
export const UI_DIR_OVERRIDE = Symbol('UI_DIR_OVERRIDE');

export interface UiAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** the page and its two files, read once at start; the page names them with their digest so they can be cached for good */
@Injectable()
export class UiAssets {
  private readonly logger = new Logger(UiAssets.name);
  private readonly assets = new Map<string, UiAsset>();
  readonly page: UiAsset;

  constructor(@Optional() @Inject(UI_DIR_OVERRIDE) dir?: string) {
    this.load(dir ?? UI_DIR);
    const version = (file: string) => this.assets.get(file)?.etag.slice(1, 13) ?? 'missing';
    const html = this.assets.has('app.js')
      ? `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fleet telemetry console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/app.css?v=${version('app.css')}">
<script type="module" src="/ui/app.js?v=${version('app.js')}"></script>
</head>
<body><div id="app"></div></body>
</html>
`
      : '<!doctype html><title>fleet telemetry console</title><p>The web console is not built: run <code>npm run build</code>.</p>\n';
    this.page = asset(Buffer.from(html), 'text/html; charset=utf-8');
  }

  get(file: string): UiAsset {
    const found = this.assets.get(file);
    if (found === undefined) throw new NotFoundException(`no file ${file} in the web console`);
    return found;
  }

  private load(dir: string): void {
    for (const [file, type] of Object.entries(TYPES)) {
      const path = join(dir, file);
      if (existsSync(path)) this.assets.set(file, asset(readFileSync(path), type));
    }
    if (!this.assets.has('app.js'))
      this.logger.warn(`the web console's bundle is not in ${dir}: run npm run build`);
  }
}

function asset(body: Buffer, contentType: string): UiAsset {
  return {
    body,
    contentType,
    etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`,
  };
}
