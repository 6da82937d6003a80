// Memory layout of the placement core. Every table is a raw block from heap.alloc (no managed
// objects, nothing the GC has to trace): host columns are structure-of-arrays so a scan streams
// one column per resource, four hosts at a time. Per-host amounts are f64 (exact: every per-host
// amount is an integer ≤ 2^53 − 1, checked on the TypeScript side); cluster, namespace and quota
// aggregates are i64 because they can exceed 2^53. See core-wasm/README.md for the full map.

import { HOST_TAINT_SLOTS, MAX_DIMS, MAX_LABEL_COLUMNS, MAX_TAINTS, R_ABSENT, R_UNSCHEDULABLE } from './abi';
import { CHECKS } from './checks';

// ---------------------------------------------------------------- hosts (capacity multiple of 4)
export let hostCap: i32 = 0;
/** One past the highest slot ever set: scans cover [0, hostEnd) rounded up to 4. */
export let hostEnd: i32 = 0;
export let allocF: usize = 0; // f64 [MAX_DIMS][hostCap]  allocatable
export let freeF: usize = 0; // f64 [MAX_DIMS][hostCap]   allocatable − requested (may go negative for pre-bound overcommit)
export let nzUsedF: usize = 0; // f64 [2][hostCap]        requested with non-zero defaults (cpu, memory), for scoring
// f32 mirrors of the columns above for the SIMD scan (four hosts per vector, half the bytes),
// rewritten by ledger.ts on every write of the exact columns; lanes.ts explains why they decide
// exactly or flag a host for the exact scalar path.
export let freeLo32: usize = 0; // f32 [MAX_DIMS][hostCap]  freeF rounded toward −∞
export let allocLo32: usize = 0; // f32 [MAX_DIMS][hostCap] allocF rounded toward −∞
export let inv32: usize = 0; // f32 [MAX_DIMS][hostCap]     100 / allocF (NaN when allocF is 0)
export let scoreB32: usize = 0; // f32 [MAX_DIMS][hostCap]  A·100/allocF + SCORE_SLACK, A = allocF − nzUsedF (cpu, memory) or freeF
/** Margin of the SIMD score (2^-12): lanes.ts's exactness notes give the error bound it covers. */
export const SCORE_SLACK: f32 = 0.000244140625;
/** Present hosts whose allocatable is 0, per dimension (such a scored dimension is skipped per host). */
export const zeroCapHosts: usize = memory.data(MAX_DIMS * 4); // i32 [MAX_DIMS]
/** A lower bound of the allocatable of every present host, per dimension (never raised). */
export const allocFloor: usize = memory.data(MAX_DIMS * 8); // f64 [MAX_DIMS]
export let base: usize = 0; // u32 [hostCap]              R_ABSENT | R_UNSCHEDULABLE
export let taintMask: usize = 0; // v128 [hostCap]        bit t set when the host carries taint t
export let taintFold: usize = 0; // u32 [hostCap]         bit t mod 32 set when the host carries taint t (SIMD pre-check)
export let taintList: usize = 0; // u8 [hostCap][16]      taint ids in the Node's order
export let labels: usize = 0; // i32 [MAX_LABEL_COLUMNS][hostCap] label value id, 0 = absent
// scan outputs
export let reasons: usize = 0; // u32 [hostCap]
export let fit: usize = 0; // i32 [hostCap]  strategy score 0..100
export let affRaw: usize = 0; // i32 [hostCap]  preferred node affinity weight sum
export let taintRaw: usize = 0; // i32 [hostCap] untolerated PreferNoSchedule count
export let total: usize = 0; // i32 [hostCap]   combined score, −1 = infeasible
export let redoMasks: usize = 0; // v128 [hostCap/4] lanes the last SIMD scan left undecided, per listed group
export let redoGroups: usize = 0; // i32 [hostCap/4] first host of each listed group
export let ipaRaw: usize = 0; // i64 [hostCap]  InterPodAffinity raw score
export let spreadRaw: usize = 0; // i64 [hostCap] PodTopologySpread raw score
export let topoScore: usize = 0; // i32 [hostCap] 2·InterPodAffinity + 2·PodTopologySpread, normalized
export let treeCap: i32 = 0; // tournament tree leaves (select.ts): power of two ≥ hostCap

/** Hosts whose allocatable in a scored dimension is ≥ 2^45: the SIMD score path is exact only below. */
export let hugeHosts: i32 = 0;
/** Hosts carrying any taint (the taint pass is skipped when none do). */
export let taintedHosts: i32 = 0;

// ---------------------------------------------------------------- cluster, namespaces, quotas
export let clusterFree: usize = 0; // i64 [MAX_DIMS]  F[d] over schedulable hosts
export let unusedReserved: usize = 0; // i64 [MAX_DIMS] Σ_n max(0, R_n − used_n)
export let nsCap: i32 = 0;
export let nsReservation: usize = 0; // i64 [nsCap][MAX_DIMS]
export let nsUsed: usize = 0; // i64 [nsCap][MAX_DIMS]
export let reservingNamespaces: i32 = 0;
export let entryCap: i32 = 0;
export let entryCount: i32 = 0;
export let entryHard: usize = 0; // i64 [entryCap]
export let entryUsed: usize = 0; // i64 [entryCap]
export let entryQuota: usize = 0; // i32 [entryCap]

// ---------------------------------------------------------------- vocabulary
export let taintKey: usize = 0; // i32 [MAX_TAINTS]
export let taintValue: usize = 0; // i32 [MAX_TAINTS]
export let taintEffect: usize = 0; // i32 [MAX_TAINTS]
export let taintCount: i32 = 0;
export let valueCap: i32 = 0;
export let valueNum: usize = 0; // i64 [valueCap]  int64 value of a label value (Gt/Lt)
export let valueValid: usize = 0; // u8 [valueCap]  1 when it parses as an int64
export let progCap: i32 = 0;
export let progLen: i32 = 0;
export let prog: usize = 0; // i32 [progCap]  constraint programs (see constraints.ts)
export let constraintCap: i32 = 0;
export let constraintOff: usize = 0; // i32 [constraintCap]

// ---------------------------------------------------------------- batch scratch (items)
export let itemCap: i32 = 0;
export let itemDims: i32 = 0; // D: request dimensions carried per item (≤ MAX_DIMS)
export let itemReq: usize = 0; // f64 [D][itemCap]
export let itemNzCpu: usize = 0; // f64 [itemCap]
export let itemNzMem: usize = 0; // f64 [itemCap]
export let itemNs: usize = 0; // i32 [itemCap]
export let itemPrio: usize = 0; // i32 [itemCap]
export let itemStrategy: usize = 0; // i32 [itemCap]
export let itemConstraint: usize = 0; // i32 [itemCap]
export let itemCount: usize = 0; // i32 [itemCap]
export let itemChargeOff: usize = 0; // i32 [itemCap]
export let itemChargeLen: usize = 0; // i32 [itemCap]
export let itemTopoOff: usize = 0; // i32 [itemCap]  offset of the item's topology program in topoPool (−1: none)
export let itemPdbOff: usize = 0; // i32 [itemCap]   offset of [n, pdb ids…] in topoPool (−1: none)
export let itemCls: usize = 0; // i32 [itemCap]      the TypeScript class id (units remember it)
export let itemFlags: usize = 0; // i32 [itemCap]    1: preemptionPolicy Never
export let itemGang: usize = 0; // i32 [itemCap]     gang id, −1: none
export let gangCap: i32 = 0;
export let gangMin: usize = 0; // i32 [gang]         minMember
export let clsItemCap: i32 = 0;
export let clsItem: usize = 0; // i32 [class id]     item carrying the class in this call, −1
export let topoCap: i32 = 0;
export let topoPool: usize = 0; // i32 [topoCap]  topology programs (see topology.ts)
/** logTable[n] = Math.log(n + 2) as computed by JavaScript, so both engines weigh spread alike. */
export let logTable: usize = 0; // f64 [hostCap + 4]
export let itemSize: usize = 0; // f64 [itemCap]
export let order: usize = 0; // i32 [itemCap]
export let orderTmp: usize = 0; // i32 [itemCap]
export let chargeCap: i32 = 0;
export let chargeEntry: usize = 0; // i32 [chargeCap]
export let chargeAmount: usize = 0; // i64 [chargeCap]
export let hostOfCap: i32 = 0;
export let hostOf: usize = 0; // i32 [instances]
export let logCap: i32 = 0;
export let logLen: i32 = 0;
export let failLog: usize = 0; // i32 [logCap]
export let scratch: usize = 0; // 256-byte staging area for host alloc / reservation amounts

// ---------------------------------------------------------------- scoring configuration
export let scoringCount: i32 = 0;
export let scoringDim: usize = 0; // i32 [MAX_DIMS]
export let scoringWeight: usize = 0; // i32 [MAX_DIMS]
export let balancedCount: i32 = 0;
/** NodeResourcesBalancedAllocation's weight in the total beside the class's strategy (kube's default profile: 1). */
export let balancedWeight: i32 = 0;
export let balancedDim: usize = 0; // i32 [MAX_DIMS]
export let shapeCount: i32 = 0;
export let shapeUtil: usize = 0; // i32 [MAX_DIMS]
export let shapeScore: usize = 0; // i32 [MAX_DIMS] (already ×10)
export let orderPolicy: i32 = 0;

/** Bumped by every table allocation: the TypeScript side rebuilds its views when it moves. */
export let layoutGen: i32 = 0;

/** Zeroed allocation. */
export function calloc(bytes: usize): usize {
  layoutGen++;
  const p = heap.alloc(bytes < 16 ? 16 : bytes);
  memory.fill(p, 0, bytes);
  return p;
}

/** Uninitialized allocation, for tables the caller writes before reading. */
export function allocRaw(bytes: usize): usize {
  layoutGen++;
  return heap.alloc(bytes < 16 ? 16 : bytes);
}

/** Grow a block from `oldBytes` to `newBytes`, keeping its content and zeroing the tail. */
export function regrow(p: usize, oldBytes: usize, newBytes: usize): usize {
  // Zero only the tail: the head is overwritten by the copy (tables double while a batch runs).
  const q = allocRaw(newBytes);
  if (p != 0) {
    memory.copy(q, p, oldBytes);
    heap.free(p);
  } else oldBytes = 0;
  memory.fill(q + oldBytes, 0, newBytes - oldBytes);
  return q;
}

/** Re-stride a column-major table of `cols` columns from `oldCap` to `newCap` rows. */
function restride(p: usize, cols: i32, elem: usize, oldCap: i32, newCap: i32): usize {
  const q = calloc(<usize>cols * <usize>newCap * elem);
  if (p != 0) {
    for (let c = 0; c < cols; c++) {
      memory.copy(q + <usize>c * <usize>newCap * elem, p + <usize>c * <usize>oldCap * elem, <usize>oldCap * elem);
    }
    heap.free(p);
  }
  return q;
}

export function init(): void {
  clusterFree = calloc(MAX_DIMS * 8);
  unusedReserved = calloc(MAX_DIMS * 8);
  taintKey = calloc(MAX_TAINTS * 4);
  taintValue = calloc(MAX_TAINTS * 4);
  taintEffect = calloc(MAX_TAINTS * 4);
  scoringDim = calloc(MAX_DIMS * 4);
  scoringWeight = calloc(MAX_DIMS * 4);
  balancedDim = calloc(MAX_DIMS * 4);
  shapeUtil = calloc(MAX_DIMS * 4);
  shapeScore = calloc(MAX_DIMS * 4);
  scratch = calloc(256);
  for (let d = 0; d < MAX_DIMS; d++) store<f64>(allocFloor + (<usize>d << 3), f64.POSITIVE_INFINITY);
  ensureHosts(64);
  ensureNamespaces(16);
  ensureValues(256);
  ensureProg(1024);
  ensureConstraints(64);
  ensureItems(64, MAX_DIMS);
  ensureCharges(256);
  ensureLog(1024);
}

export function setScoring(nScoring: i32, nBalanced: i32, nShape: i32, policy: i32, wBalanced: i32): void {
  scoringCount = nScoring;
  balancedCount = nBalanced;
  balancedWeight = wBalanced;
  shapeCount = nShape;
  orderPolicy = policy;
}

export function ensureHosts(n: i32): void {
  if (n <= hostCap) return;
  let cap = hostCap == 0 ? 64 : hostCap * 2;
  while (cap < n) cap *= 2;
  const old = hostCap;
  allocF = restride(allocF, MAX_DIMS, 8, old, cap);
  freeF = restride(freeF, MAX_DIMS, 8, old, cap);
  nzUsedF = restride(nzUsedF, 2, 8, old, cap);
  freeLo32 = restride(freeLo32, MAX_DIMS, 4, old, cap);
  allocLo32 = restride(allocLo32, MAX_DIMS, 4, old, cap);
  inv32 = restride(inv32, MAX_DIMS, 4, old, cap);
  scoreB32 = restride(scoreB32, MAX_DIMS, 4, old, cap);
  // Empty slots never lack room (+∞ free and allocatable): the SIMD filter sets no bit besides R_ABSENT there.
  for (let d = 0; d < MAX_DIMS; d++) {
    for (let h = old; h < cap; h++) {
      store<f32>(freeLo32 + ((<usize>d * <usize>cap + <usize>h) << 2), f32.POSITIVE_INFINITY);
      store<f32>(allocLo32 + ((<usize>d * <usize>cap + <usize>h) << 2), f32.POSITIVE_INFINITY);
    }
  }
  base = restride(base, 1, 4, old, cap);
  for (let h = old; h < cap; h++) store<u32>(base + (<usize>h << 2), R_ABSENT);
  taintMask = restride(taintMask, 1, 16, old, cap);
  taintFold = restride(taintFold, 1, 4, old, cap);
  taintList = restride(taintList, 1, HOST_TAINT_SLOTS, old, cap);
  for (let h = old; h < cap; h++) store<u8>(taintList + <usize>h * HOST_TAINT_SLOTS, 0xff);
  labels = restride(labels, MAX_LABEL_COLUMNS, 4, old, cap);
  reasons = restride(reasons, 1, 4, old, cap);
  fit = restride(fit, 1, 4, old, cap);
  affRaw = restride(affRaw, 1, 4, old, cap);
  taintRaw = restride(taintRaw, 1, 4, old, cap);
  total = restride(total, 1, 4, old, cap);
  redoMasks = restride(redoMasks, 1, 4, old, cap);
  redoGroups = restride(redoGroups, 1, 1, old, cap);
  ipaRaw = restride(ipaRaw, 1, 8, old, cap);
  spreadRaw = restride(spreadRaw, 1, 8, old, cap);
  topoScore = restride(topoScore, 1, 4, old, cap);
  logTable = regrow(logTable, <usize>old * 8, <usize>(cap + 4) * 8);
  hostCap = cap;
  let t = 1;
  while (t < cap) t <<= 1;
  treeCap = t;
}

export function setHostEnd(n: i32): void {
  if (n > hostEnd) hostEnd = n;
}

export function addHuge(delta: i32): void {
  hugeHosts += delta;
}

export function addTainted(delta: i32): void {
  taintedHosts += delta;
}

export function setTaintCount(n: i32): void {
  if (n > taintCount) taintCount = n;
}

export function ensureNamespaces(n: i32): void {
  if (n <= nsCap) return;
  let cap = nsCap == 0 ? 16 : nsCap * 2;
  while (cap < n) cap *= 2;
  nsReservation = regrow(nsReservation, <usize>nsCap * MAX_DIMS * 8, <usize>cap * MAX_DIMS * 8);
  nsUsed = regrow(nsUsed, <usize>nsCap * MAX_DIMS * 8, <usize>cap * MAX_DIMS * 8);
  nsCap = cap;
}

export function addReservingNamespace(delta: i32): void {
  reservingNamespaces += delta;
}

export function ensureEntries(n: i32): void {
  if (n > entryCap) {
    let cap = entryCap == 0 ? 16 : entryCap * 2;
    while (cap < n) cap *= 2;
    entryHard = regrow(entryHard, <usize>entryCap * 8, <usize>cap * 8);
    entryUsed = regrow(entryUsed, <usize>entryCap * 8, <usize>cap * 8);
    entryQuota = regrow(entryQuota, <usize>entryCap * 4, <usize>cap * 4);
    entryCap = cap;
  }
  entryCount = n;
}

export function ensureValues(n: i32): void {
  if (n <= valueCap) return;
  let cap = valueCap == 0 ? 256 : valueCap * 2;
  while (cap < n) cap *= 2;
  valueNum = regrow(valueNum, <usize>valueCap * 8, <usize>cap * 8);
  valueValid = regrow(valueValid, <usize>valueCap, <usize>cap);
  valueCap = cap;
}

/** Make room for `n` more program words; returns the offset (in words) where they go. */
export function ensureProg(n: i32): i32 {
  const need = progLen + n;
  if (need > progCap) {
    let cap = progCap == 0 ? 1024 : progCap * 2;
    while (cap < need) cap *= 2;
    prog = regrow(prog, <usize>progCap * 4, <usize>cap * 4);
    progCap = cap;
  }
  return progLen;
}

export function commitProg(n: i32): void {
  progLen += n;
}

/** Empty the program pool: the caller writes the live programs again (their offsets change). */
export function resetProg(): void {
  progLen = 0;
}

export function ensureConstraints(n: i32): void {
  if (n <= constraintCap) return;
  let cap = constraintCap == 0 ? 64 : constraintCap * 2;
  while (cap < n) cap *= 2;
  constraintOff = regrow(constraintOff, <usize>constraintCap * 4, <usize>cap * 4);
  constraintCap = cap;
}

export function ensureItems(n: i32, dims: i32): void {
  if (n > itemCap || dims != itemDims) {
    let cap = itemCap == 0 ? 64 : itemCap;
    while (cap < n) cap *= 2;
    if (itemReq != 0) heap.free(itemReq);
    itemReq = calloc(<usize>cap * <usize>dims * 8);
    itemDims = dims;
    if (cap != itemCap) {
      itemNzCpu = regrow(itemNzCpu, 0, <usize>cap * 8);
      itemNzMem = regrow(itemNzMem, 0, <usize>cap * 8);
      itemNs = regrow(itemNs, 0, <usize>cap * 4);
      itemPrio = regrow(itemPrio, 0, <usize>cap * 4);
      itemStrategy = regrow(itemStrategy, 0, <usize>cap * 4);
      itemConstraint = regrow(itemConstraint, 0, <usize>cap * 4);
      itemCount = regrow(itemCount, 0, <usize>cap * 4);
      itemChargeOff = regrow(itemChargeOff, 0, <usize>cap * 4);
      itemChargeLen = regrow(itemChargeLen, 0, <usize>cap * 4);
      itemTopoOff = regrow(itemTopoOff, 0, <usize>cap * 4);
      itemPdbOff = regrow(itemPdbOff, 0, <usize>cap * 4);
      itemCls = regrow(itemCls, 0, <usize>cap * 4);
      itemFlags = regrow(itemFlags, 0, <usize>cap * 4);
      itemGang = regrow(itemGang, 0, <usize>cap * 4);
      itemSize = regrow(itemSize, 0, <usize>cap * 8);
      order = regrow(order, 0, <usize>cap * 4);
      orderTmp = regrow(orderTmp, 0, <usize>cap * 4);
      itemCap = cap;
    }
  }
}

export function ensureGangs(n: i32): void {
  if (n <= gangCap) return;
  let cap = gangCap == 0 ? 16 : gangCap * 2;
  while (cap < n) cap *= 2;
  gangMin = regrow(gangMin, 0, <usize>cap * 4);
  gangCap = cap;
}

/** Size the class → item table for class ids below n; every entry reset to −1. */
export function ensureClsItem(n: i32): void {
  if (n > clsItemCap) {
    let cap = clsItemCap == 0 ? 256 : clsItemCap * 2;
    while (cap < n) cap *= 2;
    clsItem = regrow(clsItem, 0, <usize>cap * 4);
    clsItemCap = cap;
  }
  memory.fill(clsItem, 0xff, <usize>clsItemCap * 4);
}

export function ensureTopo(n: i32): void {
  if (n <= topoCap) return;
  let cap = topoCap == 0 ? 1024 : topoCap * 2;
  while (cap < n) cap *= 2;
  topoPool = regrow(topoPool, 0, <usize>cap * 4);
  topoCap = cap;
}

export function ensureCharges(n: i32): void {
  if (n <= chargeCap) return;
  let cap = chargeCap == 0 ? 256 : chargeCap * 2;
  while (cap < n) cap *= 2;
  chargeEntry = regrow(chargeEntry, 0, <usize>cap * 4);
  chargeAmount = regrow(chargeAmount, 0, <usize>cap * 8);
  chargeCap = cap;
}

export function ensureHostOf(n: i32): void {
  if (n <= hostOfCap) return;
  let cap = hostOfCap == 0 ? 1024 : hostOfCap * 2;
  while (cap < n) cap *= 2;
  hostOf = regrow(hostOf, 0, <usize>cap * 4);
  hostOfCap = cap;
}

export function ensureLog(n: i32): void {
  const need = logLen + n;
  if (need <= logCap) return;
  let cap = logCap == 0 ? 1024 : logCap * 2;
  while (cap < need) cap *= 2;
  failLog = regrow(failLog, <usize>logCap * 4, <usize>cap * 4);
  logCap = cap;
}

export function resetLog(): void {
  logLen = 0;
}

export function setLogLen(n: i32): void {
  logLen = n;
}

export function logPush(v: i32): void {
  if (CHECKS) assert(logLen < logCap, 'failure log written past the room ensureLog reserved');
  store<i32>(failLog + (<usize>logLen << 2), v);
  logLen++;
}

export function logPush64(v: i64): void {
  logPush(<i32>v);
  logPush(<i32>(v >> 32));
}

// ---------------------------------------------------------------- typed accessors (inlined)
// @ts-ignore: decorator
@inline export function colF(p: usize, col: i32, h: i32): usize {
  return p + ((<usize>col * <usize>hostCap + <usize>h) << 3);
}
// @ts-ignore: decorator
@inline export function colI(p: usize, col: i32, h: i32): usize {
  return p + ((<usize>col * <usize>hostCap + <usize>h) << 2);
}
/**
 * x rounded toward −∞ to f32. x is an integer of magnitude < 2^53, so the result is a normal
 * float and its neighbour below is one step of the bit pattern away.
 */
// @ts-ignore: decorator
@inline export function f32Down(x: f64): f32 {
  const r = <f32>x;
  if (<f64>r <= x) return r;
  const b = reinterpret<i32>(r);
  return reinterpret<f32>(r > 0 ? b - 1 : b + 1);
}
// @ts-ignore: decorator
@inline export function at32(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}
// @ts-ignore: decorator
@inline export function at64(p: usize, i: i32): usize {
  return p + (<usize>i << 3);
}
// @ts-ignore: decorator
@inline export function reqAt(d: i32, i: i32): usize {
  return itemReq + ((<usize>d * <usize>itemCap + <usize>i) << 3);
}
