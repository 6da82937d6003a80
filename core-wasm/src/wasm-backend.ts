// The Wasm backend: instantiates the AssemblyScript core, keeps typed views over its memory
// (re-created whenever memory grows or a table moves) and speaks the same Backend contract as the
// reference engine. Classes, quota keys and per-class placement counts stay on this side; the core
// only ever sees numbers in its own tables.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Backend,
  type BatchItem,
  type BatchOptions,
  type BatchResult,
  type ClassSpec,
  type ConstraintSpec,
  type Effect,
  type EngineConfig,
  type Eviction,
  type Failure,
  type GangSpec,
  type HostVerdict,
  type Imbalance,
  type MoveTarget,
  type Ledger,
  MAX_DIMS,
  type QuotaEntrySpec,
  type ReasonCount,
  type Requirement,
  type TopologySpec,
  type VerdictColumns,
} from './contract.js';
import {
  FAIL_FILTER,
  FAIL_GANG,
  FAIL_QUOTA,
  FAIL_RESERVATION,
  HOST_TAINT_SLOTS,
  ITEM_GANG_MEMBER,
  ITEM_PREEMPT_NEVER,
  LAYOUT_FIELDS,
  type LayoutField,
  SCRATCH_TAINTS,
  SPREAD_HARD,
  SPREAD_HONOR_AFFINITY,
  SPREAD_HONOR_TAINTS,
  SPREAD_HOSTNAME,
  SPREAD_SELF_MATCH,
} from './abi.js';
import { quotaDelta } from './rules/quota.js';

/**
 * The build to run (asconfig.json targets): `simd` the release build, `scalar` the same without
 * SIMD (benchmarks), `debug` with the core's assertions on (the differential tests run it).
 */
export type WasmVariant = 'simd' | 'scalar' | 'debug';

const FILES: Record<WasmVariant, string> = { simd: 'release.wasm', scalar: 'scalar.wasm', debug: 'debug.wasm' };
const NAMES: Record<WasmVariant, string> = { simd: 'wasm', scalar: 'wasm-scalar', debug: 'wasm-debug' };

interface Exports {
  memory: WebAssembly.Memory;
  init(): void;
  layout(): number;
  layoutNames(): number;
  layoutNamesLength(): number;
  layoutGeneration(): number;
  ensurePairs(n: number): void;
  commitMany(item: number, n: number, sign: number): void;
  configure(nScoring: number, nBalanced: number, nShape: number, policy: number): void;
  ensureHosts(n: number): void;
  setHost(slot: number, unschedulable: number, nTaints: number): void;
  setHostLabel(slot: number, col: number, valueId: number): void;
  removeHost(slot: number): number;
  defineTaint(id: number, key: number, value: number, effect: number): void;
  defineLabelValue(id: number, valid: number, lo: number, hi: number): void;
  reserveConstraint(words: number): number;
  commitConstraint(id: number, offset: number, words: number): void;
  setQuotaEntryCount(n: number): void;
  setReservation(ns: number): void;
  ensureNamespaces(n: number): void;
  prepareItems(n: number, dims: number, charges: number, topoWords: number): void;
  addCounter(counter: number, slot: number, delta: number): void;
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
}

interface ItemViews {
  req: Float64Array;
  nzCpu: Float64Array;
  nzMem: Float64Array;
  ns: Int32Array;
  prio: Int32Array;
  strategy: Int32Array;
  constraint: Int32Array;
  count: Int32Array;
  chargeOff: Int32Array;
  chargeLen: Int32Array;
  topoOff: Int32Array;
  pdbOff: Int32Array;
  cls: Int32Array;
  flags: Int32Array;
  gang: Int32Array;
}

type Layout = Record<LayoutField, number>;

const here = dirname(fileURLToPath(import.meta.url));
/** core-wasm/build, whether running from source (core-wasm/src) or from dist/core-wasm/src. */
function wasmPath(variant: WasmVariant): string {
  const file = FILES[variant];
  const fromSource = join(here, '..', 'build', file);
  const fromDist = join(here, '..', '..', '..', 'core-wasm', 'build', file);
  for (const p of [fromSource, fromDist]) if (existsSync(p)) return p;
  throw new Error(`placer: ${file} not found; run \`npm run build:wasm\``);
}

const modules = new Map<WasmVariant, WebAssembly.Module>();

/** An AssemblyScript string in the core's memory (UTF-16, its byte length in the header word before it); '' for null. */
function coreString(memory: WebAssembly.Memory, p: number): string {
  if (p < 4 || p > memory.buffer.byteLength) return '';
  const bytes = new DataView(memory.buffer).getUint32(p - 4, true);
  if (p + bytes > memory.buffer.byteLength) return '';
  return new TextDecoder('utf-16le').decode(new Uint8Array(memory.buffer, p, bytes));
}

/** The field names the module says layout() writes, in its order. */
export function reportedLayout(x: Pick<Exports, 'memory' | 'layoutNames' | 'layoutNamesLength'>): string[] {
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

/** Modules whose layout was checked (once per compiled module, not per instance). */
const checked = new WeakSet<WebAssembly.Module>();

export class WasmBackend implements Backend {
  readonly name: string;
  private readonly x: Exports;
  private L!: Layout;
  private buffer!: ArrayBuffer;
  private classes: ClassSpec[] = [];
  private placedCount: number[] = [];
  private entries: QuotaEntrySpec[] = [];
  private quotaEntries: number[][] = [];

  constructor(variant: WasmVariant = 'simd') {
    this.name = NAMES[variant];
    let mod = modules.get(variant);
    if (!mod) {
      mod = new WebAssembly.Module(readFileSync(wasmPath(variant)));
      modules.set(variant, mod);
    }
    const core: { memory?: WebAssembly.Memory } = {};
    const instance = new WebAssembly.Instance(mod, {
      env: {
        // A failed assertion (debug build) or a trap the core raises itself: message and source position.
        abort(msg: number, file: number, line: number, col: number) {
          const text = (p: number) => (core.memory ? coreString(core.memory, p) : '');
          throw new Error(`placer core aborted: ${text(msg) || 'abort'} at ${text(file) || '?'}:${line}:${col}`);
        },
      },
    });
    this.x = instance.exports as unknown as Exports;
    core.memory = this.x.memory;
    if (!checked.has(mod)) {
      checkLayout(reportedLayout(this.x));
      checked.add(mod);
    }
    this.x.init();
    this.refresh();
  }

  /** Re-read table addresses (tables move when they grow; memory.grow detaches old views). */
  private refresh(): void {
    const ptr = this.x.layout();
    const gen = this.x.layoutGeneration();
    if (this.x.memory.buffer !== this.buffer || ptr !== this.tablePtr) {
      this.buffer = this.x.memory.buffer;
      this.tablePtr = ptr;
      this.table = new Int32Array(this.buffer, ptr, LAYOUT_FIELDS.length);
      this.cached = null;
    }
    if (gen !== this.gen) {
      this.gen = gen;
      this.cached = null;
    }
    const t = this.table;
    const L = this.L ?? ({} as Layout);
    for (let i = 0; i < LAYOUT_FIELDS.length; i++) L[LAYOUT_FIELDS[i]] = t[i];
    this.L = L;
    if (L.hostCap !== this.logCap) {
      // Math.log as JavaScript computes it: the reference engine calls the same function.
      const table = new Float64Array(this.buffer, L.logTable, L.hostCap + 4);
      for (let n = 0; n < table.length; n++) table[n] = Math.log(n + 2);
      this.logCap = L.hostCap;
    }
  }
  private logCap = -1;
  private tablePtr = -1;
  private table!: Int32Array;
  private gen = -1;
  /** Typed views over the item scratch, valid until a table moves (see refresh). */
  private cached: ItemViews | null = null;

  private itemViews(): ItemViews {
    if (this.cached) return this.cached;
    const L = this.L;
    const n = L.itemCap;
    this.cached = {
      req: this.f64(L.itemReq, n * L.itemDims),
      nzCpu: this.f64(L.itemNzCpu, n),
      nzMem: this.f64(L.itemNzMem, n),
      ns: this.i32(L.itemNs, n),
      prio: this.i32(L.itemPrio, n),
      strategy: this.i32(L.itemStrategy, n),
      constraint: this.i32(L.itemConstraint, n),
      count: this.i32(L.itemCount, n),
      chargeOff: this.i32(L.itemChargeOff, n),
      chargeLen: this.i32(L.itemChargeLen, n),
      topoOff: this.i32(L.itemTopoOff, n),
      pdbOff: this.i32(L.itemPdbOff, n),
      cls: this.i32(L.itemCls, n),
      flags: this.i32(L.itemFlags, n),
      gang: this.i32(L.itemGang, n),
    };
    return this.cached;
  }

  private f64(ptr: number, len: number) {
    return new Float64Array(this.buffer, ptr, len);
  }
  private i64(ptr: number, len: number) {
    return new BigInt64Array(this.buffer, ptr, len);
  }
  private i32(ptr: number, len: number) {
    return new Int32Array(this.buffer, ptr, len);
  }

  configure(config: EngineConfig): void {
    const L = this.L;
    const sd = this.i32(L.scoringDim, MAX_DIMS);
    const sw = this.i32(L.scoringWeight, MAX_DIMS);
    config.scoring.forEach((r, i) => {
      sd[i] = r.dim;
      sw[i] = r.weight;
    });
    const bd = this.i32(L.balancedDim, MAX_DIMS);
    config.balanced.forEach((r, i) => (bd[i] = r.dim));
    const su = this.i32(L.shapeUtil, MAX_DIMS);
    const ss = this.i32(L.shapeScore, MAX_DIMS);
    config.shape.forEach((p, i) => {
      su[i] = p.utilization;
      ss[i] = p.score * 10; // MaxNodeScore / MaxCustomPriorityScore
    });
    this.x.configure(config.scoring.length, config.balanced.length, config.shape.length, config.order);
  }

  setHost(slot: number, alloc: readonly number[], unschedulable: boolean, taints: readonly number[]): void {
    this.x.ensureHosts(slot + 1);
    this.refresh();
    const s = this.f64(this.L.scratch, MAX_DIMS);
    for (let d = 0; d < MAX_DIMS; d++) s[d] = alloc[d] ?? 0;
    this.i32(this.L.scratch + SCRATCH_TAINTS, HOST_TAINT_SLOTS).set(taints.slice(0, HOST_TAINT_SLOTS));
    this.x.setHost(slot, unschedulable ? 1 : 0, Math.min(taints.length, HOST_TAINT_SLOTS));
    this.refresh();
  }

  setHostLabel(slot: number, col: number, valueId: number): void {
    this.x.setHostLabel(slot, col, valueId);
  }

  removeHost(slot: number): void {
    if (!this.x.removeHost(slot)) throw new Error(`host slot ${slot} is not empty`);
  }

  defineTaint(id: number, key: number, value: number, effect: Effect): void {
    this.x.defineTaint(id, key, value, effect);
  }

  defineLabelValue(valueId: number, num: bigint | null): void {
    const n = BigInt.asUintN(64, num ?? 0n);
    this.x.defineLabelValue(valueId, num === null ? 0 : 1, Number(n & 0xffffffffn) | 0, Number(n >> 32n) | 0);
    this.refresh();
  }

  defineConstraint(id: number, spec: ConstraintSpec): void {
    const words = encodeConstraint(spec);
    const off = this.x.reserveConstraint(words.length);
    this.refresh();
    this.i32(this.L.prog + off * 4, words.length).set(words);
    this.x.commitConstraint(id, off, words.length);
    this.refresh();
  }

  defineClass(id: number, spec: ClassSpec): void {
    this.classes[id] = spec;
    this.placedCount[id] ??= 0;
  }

  setQuotas(entries: QuotaEntrySpec[], quotaCount: number): void {
    this.entries = entries;
    this.quotaEntries = Array.from({ length: quotaCount }, () => []);
    entries.forEach((e, i) => this.quotaEntries[e.quota].push(i));
    this.x.setQuotaEntryCount(entries.length);
    this.refresh();
    const hard = this.i64(this.L.entryHard, entries.length);
    const quota = this.i32(this.L.entryQuota, entries.length);
    entries.forEach((e, i) => {
      hard[i] = e.hard;
      quota[i] = e.quota;
    });
    this.rebuildQuotaUsage();
  }

  rebuildQuotaUsage(): void {
    const used = new Array<bigint>(this.entries.length).fill(0n);
    this.classes.forEach((c, id) => {
      const n = this.placedCount[id] ?? 0;
      if (n === 0) return;
      for (const q of c.quotas)
        for (const e of this.quotaEntries[q] ?? []) {
          const delta = quotaDelta(c, this.entries[e]);
          if (delta !== null) used[e] += delta * BigInt(n);
        }
    });
    this.i64(this.L.entryUsed, used.length).set(used);
  }

  addCounter(counter: number, slot: number, delta: number): void {
    this.x.addCounter(counter, slot, delta);
    this.refresh();
  }

  private counters(): [number, number, number][] {
    const p = this.x.dumpCounters();
    this.refresh();
    const n = new Int32Array(this.buffer, p, 1)[0];
    const t = new Int32Array(this.buffer, p + 4, n * 3);
    const out: [number, number, number][] = [];
    for (let i = 0; i < n; i++) out.push([t[3 * i], t[3 * i + 1], t[3 * i + 2]]);
    this.x.freeBuffer(p);
    return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }

  setReservation(ns: number, amounts: readonly bigint[]): void {
    this.x.ensureNamespaces(ns + 1);
    this.refresh();
    const s = this.i64(this.L.scratch, MAX_DIMS);
    for (let d = 0; d < MAX_DIMS; d++) s[d] = amounts[d] ?? 0n;
    this.x.setReservation(ns);
    this.refresh();
  }

  // ---------------------------------------------------------------- items

  /** Write items into the core's scratch tables. */
  private writeItems(items: readonly BatchItem[]): void {
    let dims = 4;
    let charges = 0;
    let topoWords = 0;
    for (const it of items) {
      const c = this.classes[it.cls];
      for (let d = MAX_DIMS - 1; d >= dims; d--) if (c.req[d] !== 0) dims = d + 1;
      charges += this.chargesOf(c).length;
      topoWords += (this.topologyOf(c)?.length ?? 0) + (c.pdbs?.length ? c.pdbs.length + 1 : 0);
    }
    this.x.prepareItems(items.length, dims, charges, topoWords);
    this.refresh();
    const L = this.L;
    const n = L.itemCap;
    const {
      req,
      nzCpu,
      nzMem,
      ns,
      prio,
      strategy,
      constraint,
      count,
      chargeOff,
      chargeLen,
      topoOff,
      pdbOff,
      cls: clsOf,
      flags,
      gang,
    } = this.itemViews();
    const chargeEntry = charges > 0 ? this.i32(L.chargeEntry, charges) : null;
    const chargeAmount = charges > 0 ? this.i64(L.chargeAmount, charges) : null;
    const topoPool = topoWords > 0 ? this.i32(L.topoPool, topoWords) : null;
    let k = 0;
    let tw = 0;
    items.forEach((it, i) => {
      const c = this.classes[it.cls];
      for (let d = 0; d < dims; d++) req[d * n + i] = c.req[d];
      nzCpu[i] = c.nzCpu;
      nzMem[i] = c.nzMem;
      ns[i] = c.ns;
      prio[i] = c.priority;
      strategy[i] = c.strategy;
      constraint[i] = c.constraint;
      count[i] = it.count;
      chargeOff[i] = k;
      for (const ch of this.chargesOf(c)) {
        chargeEntry![k] = ch.entry;
        chargeAmount![k] = ch.amount;
        k++;
      }
      chargeLen[i] = k - chargeOff[i];
      const words = this.topologyOf(c);
      if (words) {
        topoOff[i] = tw;
        topoPool!.set(words, tw);
        tw += words.length;
      } else topoOff[i] = -1;
      if (c.pdbs?.length) {
        pdbOff[i] = tw;
        topoPool![tw++] = c.pdbs.length;
        for (const p of c.pdbs) topoPool![tw++] = p;
      } else pdbOff[i] = -1;
      clsOf[i] = it.cls;
      flags[i] = (c.preemptNever ? ITEM_PREEMPT_NEVER : 0) | (c.gangMember ? ITEM_GANG_MEMBER : 0);
      gang[i] = it.gang ?? -1;
    });
  }

  private topologyCache = new WeakMap<ClassSpec, number[] | null>();
  private topologyOf(c: ClassSpec): number[] | null {
    let words = this.topologyCache.get(c);
    if (words === undefined) {
      words = c.topology ? encodeTopology(c.topology) : null;
      this.topologyCache.set(c, words);
    }
    return words;
  }

  private chargeCache = new WeakMap<ClassSpec, { entry: number; amount: bigint }[]>();
  /** The class's quota charges, grouped by quota in evaluation order. */
  private chargesOf(c: ClassSpec): { entry: number; amount: bigint }[] {
    let list = this.chargeCache.get(c);
    if (!list) {
      list = [];
      for (const q of c.quotas)
        for (const e of this.quotaEntries[q] ?? []) {
          const amount = quotaDelta(c, this.entries[e]);
          if (amount !== null) list.push({ entry: e, amount });
        }
      this.chargeCache.set(c, list);
    }
    return list;
  }

  /** Decode the core's failure log; gang records apply to every member item of `items`. */
  private readFailures(items: readonly BatchItem[] = []): Map<number, Failure> {
    const out = new Map<number, Failure>();
    const own = new Map<number, Failure>();
    const len = this.L.logLen;
    const log = this.i32(this.L.failLog, len);
    const i64at = (i: number) => (BigInt(log[i + 1]) << 32n) | BigInt(log[i] >>> 0);
    let p = 0;
    while (p < len) {
      const item = log[p];
      const kind = log[p + 1];
      p += 2;
      if (kind === FAIL_QUOTA) {
        const quota = log[p];
        const k = log[p + 1];
        p += 2;
        const entries = [];
        for (let j = 0; j < k; j++, p += 3) entries.push({ entry: log[p], used: i64at(p + 1) });
        own.set(item, { kind: 'quota', quota, entries });
      } else if (kind === FAIL_RESERVATION) {
        const k = log[p];
        p += 1;
        const dims = [];
        for (let j = 0; j < k; j++, p += 5) dims.push({ dim: log[p], free: i64at(p + 1), reservedForOthers: i64at(p + 3) });
        own.set(item, { kind: 'reservation', dims });
      } else if (kind === FAIL_GANG) {
        const gang = item; // gang records lead with the gang id
        const [placed, needed, causeItem] = [log[p], log[p + 1], log[p + 2]];
        p += 3;
        const failure: Failure = { kind: 'gang', gang, placed, needed, cause: own.get(causeItem) ?? null };
        items.forEach((it, i) => it.gang === gang && out.set(i, failure));
        continue;
      } else if (kind === FAIL_FILTER) {
        const hosts = log[p];
        const k = log[p + 1];
        p += 2;
        const counts: ReasonCount[] = [];
        for (let j = 0; j < k; j++, p += 3) counts.push({ bit: log[p] >>> 0, taint: log[p + 1], count: log[p + 2] });
        own.set(item, { kind: 'filter', hosts, counts });
      } else {
        throw new Error(`placer core: corrupt failure log (kind ${kind})`);
      }
    }
    for (const [item, f] of own) if (!out.has(item)) out.set(item, f);
    return out;
  }

  admit(cls: number): Failure | null {
    this.writeItems([{ cls, count: 1 }]);
    const r = this.x.admit(0);
    this.refresh();
    return r === 0 ? null : this.readFailures().get(0)!;
  }

  evaluate(cls: number): HostVerdict[] {
    this.writeItems([{ cls, count: 1 }]);
    this.x.evaluate(0);
    this.x.totals();
    this.refresh();
    const L = this.L;
    const n = L.hostEnd;
    const reasons = new Uint32Array(this.buffer, L.reasons, n);
    const fit = this.i32(L.fit, n);
    const aff = this.i32(L.affRaw, n);
    const taint = this.i32(L.taintRaw, n);
    const total = this.i32(L.total, n);
    // The i64 raws as (low u32, high i32) halves: hi·2^32 + lo is Number(BigInt) (one rounding of
    // the exact sum) without a BigInt per read.
    const ipaLo = new Uint32Array(this.buffer, L.ipaRaw, 2 * n);
    const ipaHi = this.i32(L.ipaRaw, 2 * n);
    const spreadLo = new Uint32Array(this.buffer, L.spreadRaw, 2 * n);
    const spreadHi = this.i32(L.spreadRaw, 2 * n);
    const out: HostVerdict[] = new Array(n);
    for (let h = 0; h < n; h++) {
      const interPodRaw = ipaHi[2 * h + 1] * 4294967296 + ipaLo[2 * h];
      const spreadRaw = spreadHi[2 * h + 1] * 4294967296 + spreadLo[2 * h];
      out[h] = { reasons: reasons[h], fit: fit[h], affinityRaw: aff[h], taintRaw: taint[h], interPodRaw, spreadRaw, total: total[h] };
    }
    return out;
  }

  /** Zero-copy views over the core's result columns, re-made only when memory or a table moved. */
  evaluateColumns(cls: number): VerdictColumns {
    this.writeItems([{ cls, count: 1 }]);
    this.x.evaluate(0);
    this.x.totals();
    this.refresh();
    const L = this.L;
    const c = this.columnViews;
    if (
      c &&
      c.n === L.hostEnd &&
      c.reasons.buffer === this.buffer &&
      c.reasons.byteOffset === L.reasons &&
      c.fit.byteOffset === L.fit &&
      c.total.byteOffset === L.total
    )
      return c;
    const n = L.hostEnd;
    this.columnViews = { n, reasons: new Uint32Array(this.buffer, L.reasons, n), fit: this.i32(L.fit, n), total: this.i32(L.total, n) };
    return this.columnViews;
  }
  private columnViews: VerdictColumns | null = null;

  /** The filter histogram of the last evaluate() (for callers that report why nothing fits). */
  lastFilterFailure(): Failure {
    this.x.recordFailure(0);
    this.refresh();
    return this.readFailures().get(0)!;
  }

  placeBatch(items: readonly BatchItem[], gangs: readonly GangSpec[] = [], options: BatchOptions = {}): BatchResult {
    const preemption = options.preempt ?? true;
    // Classes placed before the batch that a preemptor could evict travel along as empty items,
    // so the core knows their requests, quota charges, counters and budgets.
    let maxPriority = -Infinity;
    for (const it of items) {
      const c = this.classes[it.cls];
      if (preemption && it.gang === undefined && !c.preemptNever && it.count > 0) maxPriority = Math.max(maxPriority, c.priority);
    }
    const present = new Set(items.map((it) => it.cls));
    const all: BatchItem[] = [...items];
    this.placedCount.forEach((n, cls) => {
      if (n > 0 && !present.has(cls) && this.classes[cls].priority < maxPriority) all.push({ cls, count: 0 });
    });
    this.writeItems(all);
    this.syncPdbHealth();
    this.x.prepareGangs(gangs.length, this.classes.length);
    this.refresh();
    const clsItem = this.i32(this.L.clsItem, this.classes.length);
    for (let i = all.length - 1; i >= 0; i--) clsItem[all[i].cls] = i;
    const gangMin = this.i32(this.L.gangMin, Math.max(gangs.length, 1));
    gangs.forEach((g, k) => (gangMin[k] = g.minMember));
    this.x.setPreemption(preemption ? 1 : 0);
    let total: number;
    try {
      total = this.x.placeBatch(all.length);
    } finally {
      this.x.setPreemption(1);
    }
    this.refresh();
    const hostOf = Int32Array.from(this.i32(this.L.hostOf, total));
    const failures = this.readFailures(items);
    const sequence = Int32Array.from(this.i32(this.x.sequence(), this.x.sequenceLength()));
    const records = this.i32(this.x.evictions(), 4 * this.x.evictionCount());
    const evictions: Eviction[] = [];
    for (let e = 0; e < records.length; e += 4)
      evictions.push({ instance: records[e], cls: records[e + 1], slot: records[e + 2], by: records[e + 3] });
    let p = 0;
    items.forEach((it) => {
      for (let j = 0; j < it.count; j++) if (hostOf[p + j] >= 0) this.placedCount[it.cls]++;
      p += it.count;
    });
    for (const e of evictions) if (e.instance < 0) this.placedCount[e.cls]--;
    return { hostOf, failures: items.map((_, i) => failures.get(i) ?? null), sequence, evictions };
  }

  private pdbDesired: number[] = [];

  setPdbs(desiredHealthy: readonly number[]): void {
    this.pdbDesired = [...desiredHealthy];
  }

  /** Budgets' healthy counts from what is placed, so class memberships may change between batches. */
  private syncPdbHealth(): void {
    const healthy = this.pdbDesired.map(() => 0);
    this.placedCount.forEach((n, cls) => {
      if (n > 0) for (const p of this.classes[cls].pdbs ?? []) if (p < healthy.length) healthy[p] += n;
    });
    this.x.setPdbs(this.pdbDesired.length);
    this.pdbDesired.forEach((d, p) => this.x.setPdb(p, d, healthy[p]));
    this.refresh();
  }

  commit(cls: number, slot: number, count = 1): void {
    this.writeItems([{ cls, count: 1 }]);
    this.x.commit(0, slot, count);
    this.refresh();
    this.placedCount[cls] += count;
  }

  release(cls: number, slot: number, count = 1): void {
    this.writeItems([{ cls, count: 1 }]);
    this.x.commit(0, slot, -count);
    this.refresh();
    this.placedCount[cls] -= count;
  }

  shiftLedgers(cls: number, slot: number, delta: number): void {
    this.writeItems([{ cls, count: 1 }]);
    this.x.shiftLedgers(0, slot, delta);
    this.refresh();
    this.placedCount[cls] += delta;
  }

  imbalance(dim: number): Imbalance {
    const variance = this.x.imbalance(dim);
    return { hosts: this.x.imbalanceCount(), variance };
  }

  moveTarget(cls: number, dim: number, exclude: number): MoveTarget {
    this.writeItems([{ cls, count: 1 }]);
    const slot = this.x.moveTarget(0, dim, exclude);
    this.refresh();
    return { slot, variance: slot < 0 ? Infinity : this.x.lastMoveVariance() };
  }

  commitMany(cls: number, pairs: Int32Array): void {
    const n = pairs.length / 2;
    if (n === 0) return;
    this.writeItems([{ cls, count: 1 }]);
    this.x.ensurePairs(n);
    this.refresh();
    this.i32(this.L.hostOf, pairs.length).set(pairs);
    this.x.commitMany(0, n, 1);
    this.refresh();
    for (let k = 1; k < pairs.length; k += 2) this.placedCount[cls] += pairs[k];
  }

  ledger(namespaces = 0): Ledger {
    const L = this.L;
    const n = L.hostEnd;
    const cap = L.hostCap;
    const alloc = this.f64(L.allocF, MAX_DIMS * cap);
    const free = this.f64(L.freeF, MAX_DIMS * cap);
    const nz = this.f64(L.nzUsedF, 2 * cap);
    const hosts = [];
    for (let h = 0; h < n; h++) {
      const used: bigint[] = [];
      for (let d = 0; d < MAX_DIMS; d++) used.push(BigInt(alloc[d * cap + h] - free[d * cap + h]));
      hosts.push({ used, usedNonZeroCpu: BigInt(nz[h]), usedNonZeroMem: BigInt(nz[cap + h]) });
    }
    const nsCount = Math.max(namespaces, 0);
    const nsUsedView = this.i64(L.nsUsed, L.nsCap * MAX_DIMS);
    const nsUsed: bigint[][] = [];
    for (let s = 0; s < nsCount; s++) {
      nsUsed.push(s < L.nsCap ? Array.from(nsUsedView.subarray(s * MAX_DIMS, (s + 1) * MAX_DIMS)) : new Array(MAX_DIMS).fill(0n));
    }
    return {
      hosts,
      quotaUsed: Array.from(this.i64(L.entryUsed, this.entries.length)),
      nsUsed,
      free: Array.from(this.i64(L.clusterFree, MAX_DIMS)),
      counters: this.counters(),
    };
  }
}

/** Flatten a topology spec into the program format documented in core-wasm/assembly/topology.ts. */
export function encodeTopology(t: TopologySpec): number[] {
  const w: number[] = [t.counters.length, ...t.counters];
  w.push(t.requiredAffinity.length, t.affinitySelfMatch ? 1 : 0);
  for (const x of t.requiredAffinity) w.push(x.counter, x.col);
  w.push(t.requiredAnti.length);
  for (const x of t.requiredAnti) w.push(x.counter, x.col);
  w.push(t.preferred.length);
  for (const x of t.preferred) w.push(x.counter, x.col, x.weight);
  w.push(t.heldAnti.length);
  for (const x of t.heldAnti) w.push(x.counter, x.col);
  w.push(t.heldScore.length);
  for (const x of t.heldScore) w.push(x.counter, x.col, x.weight);
  w.push(t.spread.length);
  for (const c of t.spread) {
    const flags =
      (c.hard ? SPREAD_HARD : 0) |
      (c.selfMatch ? SPREAD_SELF_MATCH : 0) |
      (c.honorAffinity ? SPREAD_HONOR_AFFINITY : 0) |
      (c.honorTaints ? SPREAD_HONOR_TAINTS : 0) |
      (c.hostname ? SPREAD_HOSTNAME : 0);
    w.push(c.counter, c.col, c.maxSkew, c.minDomains, flags);
  }
  return w;
}

/** Flatten a constraint into the program format documented in core-wasm/assembly/constraints.ts. */
export function encodeConstraint(spec: ConstraintSpec): number[] {
  const w: number[] = [];
  const req = (r: Requirement) => {
    const num = BigInt.asUintN(64, r.num);
    w.push(r.col, r.op, r.values.length, ...r.values, Number(num & 0xffffffffn) | 0, Number(num >> 32n) | 0);
  };
  w.push(spec.selector.length);
  spec.selector.forEach(req);
  if (spec.required === null) w.push(-1);
  else {
    w.push(spec.required.length);
    for (const term of spec.required) {
      w.push(term.length);
      term.forEach(req);
    }
  }
  w.push(spec.preferred.length);
  for (const p of spec.preferred) {
    w.push(p.weight, p.reqs.length);
    p.reqs.forEach(req);
  }
  w.push(spec.tolerations.length);
  for (const t of spec.tolerations) w.push(t.key, t.op, t.value, t.effect);
  return w;
}
