// Builds the placement core from the targets of asconfig.json (repository top level):
//   release  SIMD, -O3 --converge, assertions compiled out: what the engine runs
//   scalar   the same source with SIMD off, for the benchmark that shows what SIMD buys
//   debug    SIMD, assertions on, debug info, light optimization: for the differential tests
// First it generates both sides of the Wasm boundary from core-wasm/abi.mjs (abi-gen.mjs).
// Run by `npm run build:wasm` (and so by npm ci/test/start); `node core-wasm/build.mjs debug`
// builds only the targets named. A target whose inputs — the AssemblyScript sources, asconfig.json
// and the compiler's version — hash as they did when it was last built (its .inputs file beside
// it) is up to date and not built again: npm ci builds the tree and npm test's pretest finds it built.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAbi } from './abi-gen.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const config = join(here, '..', 'asconfig.json');
mkdirSync(join(here, 'build'), { recursive: true });
writeAbi();

/** The files under `dir`, recursively, in a fixed order. */
function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** What every target is built from: the sources (the generated ABI among them), the config and asc's version. */
function inputsHash() {
  const h = createHash('sha256');
  const ascVersion = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('assemblyscript/package.json'), 'utf8')).version;
  h.update(`assemblyscript ${ascVersion}\0`);
  for (const f of [config, ...filesUnder(join(here, 'assembly'))])
    h.update(`${relative(here, f)}\0`)
      .update(readFileSync(f))
      .update('\0');
  return h.digest('hex');
}

const targetsConfig = JSON.parse(readFileSync(config, 'utf8')).targets;
const all = Object.keys(targetsConfig);
const targets = process.argv.length > 2 ? process.argv.slice(2) : all;
const inputs = inputsHash();
const built = [];
for (const t of targets) {
  if (!all.includes(t)) {
    console.error(`core-wasm: no target ${t} in asconfig.json (targets: ${all.join(', ')})`);
    process.exit(1);
  }
  const out = join(here, '..', targetsConfig[t].outFile);
  const stamp = `${out.replace(/\.wasm$/, '')}.inputs`;
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, 'utf8') === inputs) continue;
  // a build that fails or stops halfway leaves no stamp: the next build builds it again
  rmSync(stamp, { force: true });
  // the compiler is loaded only when a target is built
  const asc = (await import('assemblyscript/asc')).default;
  const { error, stderr } = await asc.main(['--config', config, '--target', t]);
  if (error) {
    console.error(stderr.toString());
    console.error(`core-wasm: building target ${t} failed: ${error.message}`);
    process.exit(1);
  }
  writeFileSync(stamp, inputs);
  built.push(t);
}
const upToDate = targets.filter((t) => !built.includes(t));
console.log(
  `core-wasm: ${built.length > 0 ? `built ${built.map((t) => `${t}.wasm`).join(', ')}` : 'nothing to build'}${upToDate.length > 0 ? ` (up to date: ${upToDate.map((t) => `${t}.wasm`).join(', ')})` : ''} in ${join(here, 'build')}`,
);
