// Builds the web console: ui/src (Preact, TypeScript) → dist/ui/assets/main-<hash>.js and .css,
// and dist/ui/index.html naming them. esbuild bundles everything (Preact included): the console
// needs nothing from the network. `npm run build` runs this after the TypeScript build.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'ui');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: [join(here, 'src', 'main.tsx')],
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: 'linked',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'linked',
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));
if (!js || !css) throw new Error(`ui build: expected a .js and a .css bundle, got ${outputs.join(', ')}`);
const html = readFileSync(join(here, 'index.html'), 'utf8').replace('%SCRIPT%', `assets/${js}`).replace('%STYLE%', `assets/${css}`);
writeFileSync(join(out, 'index.html'), html);
const size = (f) => readFileSync(join(out, 'assets', f)).byteLength;
process.stdout.write(`ui: built ${js} (${(size(js) / 1024).toFixed(1)} KiB), ${css} (${(size(css) / 1024).toFixed(1)} KiB) in ${out}\n`);
