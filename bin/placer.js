#!/usr/bin/env node
// The `placer` command (package.json "bin"). The TypeScript sources are compiled to dist/ by
// `npm run build`, which `npm ci`, `npm test` and `npm start` all run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/service/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('placer: not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
await import(entry.href);
