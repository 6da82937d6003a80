// Bundles the compiled CLI (dist/service/cli/main.js and every module of the package it imports)
// into one file, dist/bundle/service/cli/main.js, which bin/placer.js runs: Node then resolves,
// reads and links one module instead of a few hundred, which is most of what `placer serve`
// spends before it can list the API server and bind (scheduler mode's start to first bind).
// Packages (node_modules) stay imports of their own. `npm run build:ts` runs this after tsc.
//
// The bundle sits four directories below the package root, as dist/core-wasm/src/wasm/ does: the
// files found relative to a module (the Wasm binaries, core-wasm/src/wasm/module.ts) are found
// from the bundle the same way; the others look for package.json upwards.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(root, 'dist', 'service', 'cli', 'main.js')],
  outfile: join(root, 'dist', 'bundle', 'service', 'cli', 'main.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
