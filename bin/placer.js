#!/usr/bin/env node
// The `placer` command (package.json "bin"). The TypeScript sources are compiled to dist/ by
// `npm run build`, which `npm ci`, `npm test` and `npm start` all run; the build also bundles the
// CLI into one module (scripts/bundle-cli.mjs), run here when it is not older than the compiled
// entry nor than tsc's build info: a `tsc` alone since the last bundle runs the modules it
// compiled. tsc builds incrementally and rewrites only the modules that changed, but writes its
// build info whenever it writes any.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/service/cli/main.js', import.meta.url);
const bundle = new URL('../dist/bundle/service/cli/main.js', import.meta.url);
const buildInfo = new URL('../dist/tsconfig.build.tsbuildinfo', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('placer: not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
const mtime = (u) => statSync(u, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const bundled = existsSync(fileURLToPath(bundle)) && mtime(bundle) >= Math.max(mtime(entry), mtime(buildInfo));
await import((bundled ? bundle : entry).href);
