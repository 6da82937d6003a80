// Builds the placement core from the targets of asconfig.json (repository top level):
//   release  SIMD, -O3 --converge, assertions compiled out: what the engine runs
//   scalar   the same source with SIMD off, for the benchmark that shows what SIMD buys
//   debug    SIMD, assertions on, debug info, light optimization: for the differential tests
// First it generates both sides of the Wasm boundary from core-wasm/abi.mjs (abi-gen.mjs).
// Run by `npm run build:wasm` (and so by npm ci/test/start); `node core-wasm/build.mjs debug`
// builds only the targets named.
import asc from 'assemblyscript/asc';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAbi } from './abi-gen.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const config = join(here, '..', 'asconfig.json');
mkdirSync(join(here, 'build'), { recursive: true });
writeAbi();

const all = Object.keys(JSON.parse(readFileSync(config, 'utf8')).targets);
const targets = process.argv.length > 2 ? process.argv.slice(2) : all;
for (const t of targets) {
  if (!all.includes(t)) {
    console.error(`core-wasm: no target ${t} in asconfig.json (targets: ${all.join(', ')})`);
    process.exit(1);
  }
  const { error, stderr } = await asc.main(['--config', config, '--target', t]);
  if (error) {
    console.error(stderr.toString());
    console.error(`core-wasm: building target ${t} failed: ${error.message}`);
    process.exit(1);
  }
}
console.log(`core-wasm: built ${targets.map((t) => `${t}.wasm`).join(', ')} in ${join(here, 'build')}`);
