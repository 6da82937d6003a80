// Builds the placement core: release.wasm (SIMD) and scalar.wasm (same source, SIMD off, for the
// benchmark that shows what SIMD buys). Run by `npm run build:wasm` (and so by npm ci/test/start).
import asc from 'assemblyscript/asc';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build');
mkdirSync(out, { recursive: true });

const common = [
  join(here, 'assembly/index.ts'),
  '--runtime',
  'minimal',
  '--noAssert',
  '-O3',
  '--converge',
  '--initialMemory',
  '64',
  '--exportRuntime',
];
const targets = [
  { name: 'release.wasm', args: ['--enable', 'simd'] },
  { name: 'scalar.wasm', args: [] },
];

for (const t of targets) {
  const { error, stderr } = await asc.main([
    ...common,
    ...t.args,
    '--outFile',
    join(out, t.name),
    '--textFile',
    join(out, t.name.replace('.wasm', '.wat')),
  ]);
  if (error) {
    console.error(stderr.toString());
    console.error(`core-wasm: building ${t.name} failed: ${error.message}`);
    process.exit(1);
  }
}
console.log(`core-wasm: built ${targets.map((t) => t.name).join(', ')} in ${out}`);
