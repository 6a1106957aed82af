// Bundles the Amplify page (amplify/page.js and everything it imports) into one file with
// esbuild, next to a copy of amplify/index.html, in dist/amplify/.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist', 'amplify');
await mkdir(out, { recursive: true });
const result = await build({
  entryPoints: [join(here, 'amplify', 'page.js')],
  outfile: join(out, 'page.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome120'],
  sourcemap: 'inline',
  logLevel: 'warning',
  metafile: true,
});
await copyFile(join(here, 'amplify', 'index.html'), join(out, 'index.html'));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundled dist/amplify/page.js (${(bytes / 1024).toFixed(0)} KiB with its source map)`);
