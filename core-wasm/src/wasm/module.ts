// Loading the core: which build (asconfig.json target) a variant runs, compiling it once per
// process, instantiating it with its abort import, and checking that the layout table the module
// publishes is the one this side reads (core-wasm/abi.mjs generates both).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYOUT_FIELDS } from '../abi.js';

/**
 * The build to run (asconfig.json targets): `simd` the release build, `scalar` the same without
 * SIMD (benchmarks), `debug` with the core's assertions on (the differential tests run it).
 */
export type WasmVariant = 'simd' | 'scalar' | 'debug';

const FILES: Record<WasmVariant, string> = { simd: 'release.wasm', scalar: 'scalar.wasm', debug: 'debug.wasm' };

/** The Backend name of each variant. */
export const BACKEND_NAMES: Record<WasmVariant, string> = { simd: 'wasm', scalar: 'wasm-scalar', debug: 'wasm-debug' };

/** The core's exports (core-wasm/assembly/index.ts): integers and f64 only; bulk data goes through the layout's tables. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  init(): void;
  layout(): number;
  layoutNames(): number;
  layoutNamesLength(): number;
  layoutGeneration(): number;
  ensurePairs(n: number): void;
  commitMany(item: number, n: number, sign: number): void;
  configure(nScoring: number, nBalanced: number, nShape: number, policy: number, wBalanced: number): void;
  ensureHosts(n: number): void;
  setHost(slot: number, unschedulable: number, nTaints: number): void;
  setHostLabel(slot: number, col: number, valueId: number): void;
  removeHost(slot: number): number;
  defineTaint(id: number, key: number, value: number, effect: number): void;
  defineLabelValue(id: number, valid: number, lo: number, hi: number): void;
  reserveConstraint(words: number): number;
  commitConstraint(id: number, offset: number, words: number): void;
  resetConstraints(): void;
  setQuotaEntryCount(n: number): void;
  setReservation(ns: number): void;
  freeNamespace(ns: number): number;
  ensureNamespaces(n: number): void;
  prepareItems(n: number, dims: number, charges: number, topoWords: number): void;
  addCounter(counter: number, slot: number, delta: number): void;
  freeCounter(counter: number): void;
  counterTableEntries(): number;
  dumpCounters(): number;
  freeBuffer(p: number): void;
  placeBatch(n: number): number;
  prepareGangs(gangs: number, classIds: number): void;
  setPdbs(n: number): void;
  setPdb(p: number, desired: number, healthy: number): void;
  evictions(): number;
  evictionCount(): number;
  sequence(): number;
  sequenceLength(): number;
  evaluate(item: number): void;
  totals(): void;
  admit(item: number): number;
  commit(item: number, slot: number, sign: number): void;
  recordFailure(item: number): void;
  setPreemption(on: number): void;
  shiftLedgers(item: number, slot: number, sign: number): void;
  imbalance(d: number): number;
  imbalanceCount(): number;
  moveTarget(item: number, d: number, exclude: number): number;
  lastMoveVariance(): number;
  restartEnsure(n: number, items: number, rows: number, cols: number): number;
  restartPlan(n: number, dims: number, items: number, start: number): number;
  restartTable(): number;
  keptClear(n: number): void;
  keptFailedRoom(n: number): number;
  keptKeep(handle: number, items: number, failed: number): void;
  keptQuery(): number;
  keptAbsent(): number;
  keptAnswers(): number;
  keptAffected(slot: number, dims: number): number;
  keptAffectedOnRelease(slot: number): number;
  keptInsertTarget(handle: number, row: number, pos: number, n: number, dims: number): number;
  keptApplyInsertion(handle: number, pos: number, slot: number): void;
  keptHeld(slot: number): number;
  keptGangTouched(slot: number): number;
  keptKeepsHeld(slot: number, dims: number): number;
  keptHeldShort(n: number, dims: number): number;
  keptEachRoom(n: number): number;
  keptEachCapacity(): number;
  keptInsertEach(count: number, row: number, n: number, dims: number): void;
  keptBlock(handle: number): number;
  keptPart(block: number, k: number): number;
}

const here = dirname(fileURLToPath(import.meta.url));

/** core-wasm/build, whether running from source (core-wasm/src/wasm) or from dist/core-wasm/src/wasm. */
function wasmPath(variant: WasmVariant): string {
  const file = FILES[variant];
  const fromSource = join(here, '..', '..', 'build', file);
  const fromDist = join(here, '..', '..', '..', '..', 'core-wasm', 'build', file);
  for (const p of [fromSource, fromDist]) if (existsSync(p)) return p;
  throw new Error(`placer: ${file} not found; run \`npm run build:wasm\``);
}

/** Compiled modules, one per variant and process; each has had its layout checked. */
const modules = new Map<WasmVariant, WebAssembly.Module>();

/** An AssemblyScript string in the core's memory (UTF-16, its byte length in the header word before it); '' for null. */
function coreString(memory: WebAssembly.Memory, p: number): string {
  if (p < 4 || p > memory.buffer.byteLength) return '';
  const bytes = new DataView(memory.buffer).getUint32(p - 4, true);
  if (p + bytes > memory.buffer.byteLength) return '';
  return new TextDecoder('utf-16le').decode(new Uint8Array(memory.buffer, p, bytes));
}

/** The field names the module says layout() writes, in its order. */
export function reportedLayout(x: Pick<CoreExports, 'memory' | 'layoutNames' | 'layoutNamesLength'>): string[] {
  if (typeof x.layoutNames !== 'function') return []; // a build from before the module reported its layout
  return new TextDecoder('latin1').decode(new Uint8Array(x.memory.buffer, x.layoutNames(), x.layoutNamesLength())).split(',');
}

/**
 * Throws unless the module's layout table is the one this side reads (LAYOUT_FIELDS): a module
 * built from another core-wasm/abi.mjs than core-wasm/src/abi.ts was, or a hand-edited file.
 */
export function checkLayout(reported: readonly string[], expected: readonly string[] = LAYOUT_FIELDS): void {
  for (let i = 0; i < Math.max(reported.length, expected.length); i++) {
    if (reported[i] === expected[i]) continue;
    const [m, t] = [reported[i] ?? 'missing', expected[i] ?? 'missing'];
    throw new Error(`placer core: layout field ${i} is ${m} in the module but ${t} in core-wasm/src/abi.ts; run \`npm run build:wasm\``);
  }
}

/**
 * A fresh instance of the variant's build, initialized. The module is compiled (and its layout
 * checked) on first use; abort() — a failed assertion in the debug build, or a trap the core
 * raises itself — becomes an Error with the message and source position.
 */
export function instantiateCore(variant: WasmVariant): CoreExports {
  let mod = modules.get(variant);
  const fresh = !mod;
  mod ??= new WebAssembly.Module(readFileSync(wasmPath(variant)));
  const core: { memory?: WebAssembly.Memory } = {};
  const instance = new WebAssembly.Instance(mod, {
    env: {
      abort(msg: number, file: number, line: number, col: number) {
        const text = (p: number) => (core.memory ? coreString(core.memory, p) : '');
        throw new Error(`placer core aborted: ${text(msg) || 'abort'} at ${text(file) || '?'}:${line}:${col}`);
      },
    },
  });
  const x = instance.exports as unknown as CoreExports;
  core.memory = x.memory;
  if (fresh) {
    checkLayout(reportedLayout(x));
    modules.set(variant, mod);
  }
  x.init();
  return x;
}
