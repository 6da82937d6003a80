// PodTopologySpread and InterPodAffinity: constraints that look across hosts. Rule twins:
// core-wasm/src/rules/spread.ts and core-wasm/src/rules/inter-pod-affinity.ts.
//
// Counters count placed workloads per host, sparsely (a hash map from (counter, slot) to an entry,
// entries of a counter chained for iteration): one counter per selector group (workloads matching
// a label selector in some namespaces) and one per held-term family (workloads carrying a term).
// The TypeScript front decides memberships; here we only count, aggregate per topology domain,
// filter and score — never by scanning placed workloads: a scan of a counter touches only the
// hosts where it is non-zero.
//
// Topology program of an item (i32 words in topoPool at itemTopoOff[item]):
//   [nCounters, counter × n,
//    nAff, affSelfMatch, (counter, col) × nAff,
//    nAnti, (counter, col) × nAnti,
//    nPref, (counter, col, weight) × nPref,
//    nHeldAnti, (counter, col) × nHeldAnti,
//    nHeldScore, (counter, col, weight) × nHeldScore,
//    nSpread, (counter, col, maxSkew, minDomains, flags) × nSpread]
//   flags: SPREAD_* bits (core-wasm/abi.mjs): hard (DoNotSchedule), selfMatch, honor node affinity,
//          honor taints, hostname key

import {
  COUNTER_WORDS, HARD_POD_AFFINITY_WEIGHT, MAX_NODE_SCORE, R_ABSENT, R_EXISTING_ANTI_AFFINITY, R_POD_AFFINITY, R_POD_ANTI_AFFINITY,
  R_SPREAD, R_SPREAD_LABEL, SPREAD_HARD, SPREAD_HONOR_AFFINITY, SPREAD_HONOR_TAINTS, SPREAD_HOSTNAME,
  SPREAD_SELF_MATCH, WEIGHT_INTER_POD_AFFINITY, WEIGHT_TOPOLOGY_SPREAD,
} from './abi';
import {
  at32,
  at64,
  base,
  calloc,
  colI,
  ipaRaw,
  labels,
  logTable,
  reasons,
  regrow,
  spreadRaw,
  topoPool,
  topoScore,
} from './layout';
import { CHECKS } from './checks';
import { affinityOk, taintBlocked } from './constraints';

const MAX_INT32: i64 = 2147483647;

// ---------------------------------------------------------------- counters

let entryCap: i32 = 0;
let entryLen: i32 = 0;
let eCounter: usize = 0; // i32
let eSlot: usize = 0; // i32
let eCount: usize = 0; // i32
let eNext: usize = 0; // i32: next entry of the same counter
let headCap: i32 = 0;
let cHead: usize = 0; // i32 [counter]: first entry, −1
let hashCap: i32 = 0; // power of two
let hashSlots: usize = 0; // i32 [hashCap]: entry index + 1, 0 = empty
/** Entries of freed counters (eCounter −1), dropped by compactEntries() once they are half of all. */
let deadLen: i32 = 0;

function ensureEntries(n: i32): void {
  if (n <= entryCap) return;
  let cap = entryCap == 0 ? 1024 : entryCap * 2;
  while (cap < n) cap *= 2;
  eCounter = regrow(eCounter, <usize>entryCap * 4, <usize>cap * 4);
  eSlot = regrow(eSlot, <usize>entryCap * 4, <usize>cap * 4);
  eCount = regrow(eCount, <usize>entryCap * 4, <usize>cap * 4);
  eNext = regrow(eNext, <usize>entryCap * 4, <usize>cap * 4);
  entryCap = cap;
}

function ensureHeads(n: i32): void {
  if (n <= headCap) return;
  let cap = headCap == 0 ? 256 : headCap * 2;
  while (cap < n) cap *= 2;
  const p = regrow(cHead, <usize>headCap * 4, <usize>cap * 4);
  for (let i = headCap; i < cap; i++) store<i32>(at32(p, i), -1);
  cHead = p;
  headCap = cap;
}

// @ts-ignore: decorator
@inline function hashOf(counter: i32, slot: i32): u32 {
  return (<u32>counter * 0x9e3779b1) ^ (<u32>slot * 0x85ebca77);
}

function rehash(cap: i32): void {
  if (hashSlots != 0) heap.free(hashSlots);
  hashSlots = calloc(<usize>cap * 4);
  hashCap = cap;
  for (let e = 0; e < entryLen; e++) insertHash(e);
}

function insertHash(e: i32): void {
  let i = <i32>(hashOf(load<i32>(at32(eCounter, e)), load<i32>(at32(eSlot, e))) & <u32>(hashCap - 1));
  while (load<i32>(at32(hashSlots, i)) != 0) i = (i + 1) & (hashCap - 1);
  store<i32>(at32(hashSlots, i), e + 1);
}

/** The entry of (counter, slot), created when `create`; −1 when absent. */
function entryOf(counter: i32, slot: i32, create: bool): i32 {
  if (hashCap == 0) rehash(4096);
  let i = <i32>(hashOf(counter, slot) & <u32>(hashCap - 1));
  while (true) {
    const e1 = load<i32>(at32(hashSlots, i));
    if (e1 == 0) break;
    const e = e1 - 1;
    if (load<i32>(at32(eCounter, e)) == counter && load<i32>(at32(eSlot, e)) == slot) return e;
    i = (i + 1) & (hashCap - 1);
  }
  if (!create) return -1;
  ensureEntries(entryLen + 1);
  ensureHeads(counter + 1);
  const e = entryLen++;
  store<i32>(at32(eCounter, e), counter);
  store<i32>(at32(eSlot, e), slot);
  store<i32>(at32(eCount, e), 0);
  store<i32>(at32(eNext, e), load<i32>(at32(cHead, counter)));
  store<i32>(at32(cHead, counter), e);
  if (entryLen * 2 > hashCap) rehash(hashCap * 2);
  else insertHash(e);
  return e;
}

export function counterAdd(counter: i32, slot: i32, delta: i32): void {
  const e = entryOf(counter, slot, true); // may grow eCount: resolve before reading the pointer
  store<i32>(at32(eCount, e), load<i32>(at32(eCount, e)) + delta);
  if (CHECKS) assert(load<i32>(at32(eCount, e)) >= 0, 'a counter of placed workloads went negative');
}

/**
 * Counter `counter` is freed (its selector group has no live class left, so it counts nothing):
 * its entries are marked dead and its id may count another group. Dead entries match no lookup;
 * once they are half of all entries they are dropped and the hash rebuilt, so the entries follow
 * the live counters, not every counter there ever was.
 */
export function counterFree(counter: i32): void {
  if (counter >= headCap) return;
  let e = load<i32>(at32(cHead, counter));
  while (e >= 0) {
    if (CHECKS) assert(load<i32>(at32(eCount, e)) == 0, 'a freed counter still counts placed workloads');
    store<i32>(at32(eCounter, e), -1);
    store<i32>(at32(eCount, e), 0);
    deadLen++;
    e = load<i32>(at32(eNext, e));
  }
  store<i32>(at32(cHead, counter), -1);
  if (deadLen * 2 > entryLen) compactEntries();
}

/** Drop the dead entries, keeping the others' order (and each counter's chain order), and rebuild the hash. */
function compactEntries(): void {
  for (let c = 0; c < headCap; c++) store<i32>(at32(cHead, c), -1);
  let n = 0;
  for (let e = 0; e < entryLen; e++) {
    const c = load<i32>(at32(eCounter, e));
    if (c < 0) continue;
    store<i32>(at32(eCounter, n), c);
    store<i32>(at32(eSlot, n), load<i32>(at32(eSlot, e)));
    store<i32>(at32(eCount, n), load<i32>(at32(eCount, e)));
    store<i32>(at32(eNext, n), load<i32>(at32(cHead, c)));
    store<i32>(at32(cHead, c), n);
    n++;
  }
  entryLen = n;
  deadLen = 0;
  rehash(hashCap);
}

/** Entries the counter table holds (live and dead): bounded by the live counters' hosts. */
export function counterEntries(): i32 {
  return entryLen;
}

export function counterGet(counter: i32, slot: i32): i32 {
  const e = entryOf(counter, slot, false);
  return e < 0 ? 0 : load<i32>(at32(eCount, e));
}

/** Dump non-zero counters as (counter, slot, count) triples at `out`; returns the count. */
export function counterDump(out: usize): i32 {
  let n = 0;
  for (let e = 0; e < entryLen; e++) {
    const c = load<i32>(at32(eCount, e));
    if (c == 0) continue;
    if (out != 0) {
      const r = out + <usize>n * (COUNTER_WORDS << 2);
      store<i32>(r, load<i32>(at32(eCounter, e)));
      store<i32>(r + 4, load<i32>(at32(eSlot, e)));
      store<i32>(r + 8, c);
    }
    n++;
  }
  return n;
}

// ---------------------------------------------------------------- pair maps (scratch)

/** A map from (label column, value id) to an i64 sum, cleared in O(1) by a generation stamp. */
@unmanaged
class PairMap {
  keys: usize = 0;
  vals: usize = 0;
  gens: usize = 0;
  cap: i32 = 0;
  gen: i32 = 1;
  size: i32 = 0;
}

function newMap(): PairMap {
  const m = new PairMap();
  m.cap = 256;
  m.keys = calloc(256 * 4);
  m.vals = calloc(256 * 8);
  m.gens = calloc(256 * 4);
  return m;
}

function mapClear(m: PairMap): void {
  m.gen++;
  m.size = 0;
}

// @ts-ignore: decorator
@inline function pairKey(col: i32, v: i32): i32 {
  return (col << 24) | v;
}

function mapIndex(m: PairMap, key: i32): i32 {
  let i = <i32>((<u32>key * 0x9e3779b1) >> 8) & (m.cap - 1);
  while (load<i32>(at32(m.gens, i)) == m.gen) {
    if (load<i32>(at32(m.keys, i)) == key) return i;
    i = (i + 1) & (m.cap - 1);
  }
  return ~i;
}

function mapGet(m: PairMap, key: i32): i64 {
  const i = mapIndex(m, key);
  return i >= 0 ? load<i64>(at64(m.vals, i)) : 0;
}

function mapHas(m: PairMap, key: i32): bool {
  return mapIndex(m, key) >= 0;
}

function mapAdd(m: PairMap, key: i32, delta: i64): void {
  let i = mapIndex(m, key);
  if (i < 0) {
    if ((m.size + 1) * 2 > m.cap) {
      grow(m);
      i = mapIndex(m, key);
    }
    i = ~i;
    store<i32>(at32(m.keys, i), key);
    store<i32>(at32(m.gens, i), m.gen);
    store<i64>(at64(m.vals, i), 0);
    m.size++;
  }
  store<i64>(at64(m.vals, i), load<i64>(at64(m.vals, i)) + delta);
}

function grow(m: PairMap): void {
  const oldKeys = m.keys;
  const oldVals = m.vals;
  const oldGens = m.gens;
  const oldCap = m.cap;
  const gen = m.gen;
  m.cap = oldCap * 2;
  m.keys = calloc(<usize>m.cap * 4);
  m.vals = calloc(<usize>m.cap * 8);
  m.gens = calloc(<usize>m.cap * 4);
  m.size = 0;
  for (let i = 0; i < oldCap; i++) {
    if (load<i32>(at32(oldGens, i)) != gen) continue;
    const j = ~mapIndex(m, load<i32>(at32(oldKeys, i)));
    store<i32>(at32(m.keys, j), load<i32>(at32(oldKeys, i)));
    store<i32>(at32(m.gens, j), gen);
    store<i64>(at64(m.vals, j), load<i64>(at64(oldVals, i)));
    m.size++;
  }
  heap.free(oldKeys);
  heap.free(oldVals);
  heap.free(oldGens);
}

/** Remove zero sums (kube-scheduler deletes pairs whose count drops to zero). */
function mapNonZero(m: PairMap): i32 {
  let n = 0;
  for (let i = 0; i < m.cap; i++) if (load<i32>(at32(m.gens, i)) == m.gen && load<i64>(at64(m.vals, i)) != 0) n++;
  return n;
}

let affinityMap: PairMap = changetype<PairMap>(0);
let antiMap: PairMap = changetype<PairMap>(0);
let existingMap: PairMap = changetype<PairMap>(0);
let scoreMap: PairMap = changetype<PairMap>(0);
let domainMap: PairMap = changetype<PairMap>(0); // per spread constraint, reused
const MAX_SPREAD: i32 = 16;
let hardMin: usize = 0; // i64 [MAX_SPREAD]
let spreadMaps: usize = 0; // PairMap pointers [MAX_SPREAD]

function maps(): void {
  if (changetype<usize>(affinityMap) != 0) return;
  affinityMap = newMap();
  antiMap = newMap();
  existingMap = newMap();
  scoreMap = newMap();
  domainMap = newMap();
  hardMin = calloc(MAX_SPREAD * 8);
  spreadMaps = calloc(MAX_SPREAD * 4);
  for (let i = 0; i < MAX_SPREAD; i++) store<u32>(at32(spreadMaps, i), <u32>changetype<usize>(newMap()));
}

// @ts-ignore: decorator
@inline function spreadMap(i: i32): PairMap {
  return changetype<PairMap>(<usize>load<u32>(at32(spreadMaps, i)));
}

// ---------------------------------------------------------------- the item's program

let prog: usize = 0;
let nCounters: i32 = 0;
let countersPtr: usize = 0;
let nAff: i32 = 0;
let affSelf: bool = false;
let affPtr: usize = 0;
let nAnti: i32 = 0;
let antiPtr: usize = 0;
let nPref: i32 = 0;
let prefPtr: usize = 0;
let nHeldAnti: i32 = 0;
let heldAntiPtr: usize = 0;
let nHeldScore: i32 = 0;
let heldScorePtr: usize = 0;
let nSpread: i32 = 0;
let spreadPtr: usize = 0;
/** The prepared item has constraints that look across hosts (anything beyond counting itself). */
export let topological: bool = false;

// @ts-ignore: decorator
@inline function w(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

export function prepareTopology(offset: i32): void {
  if (offset < 0) {
    nCounters = 0;
    topological = false;
    return;
  }
  let p = topoPool + (<usize>offset << 2);
  nCounters = w(p, 0);
  countersPtr = p + 4;
  p = countersPtr + (<usize>nCounters << 2);
  nAff = w(p, 0);
  affSelf = w(p, 1) != 0;
  affPtr = p + 8;
  p = affPtr + (<usize>nAff << 3);
  nAnti = w(p, 0);
  antiPtr = p + 4;
  p = antiPtr + (<usize>nAnti << 3);
  nPref = w(p, 0);
  prefPtr = p + 4;
  p = prefPtr + <usize>nPref * 12;
  nHeldAnti = w(p, 0);
  heldAntiPtr = p + 4;
  p = heldAntiPtr + (<usize>nHeldAnti << 3);
  nHeldScore = w(p, 0);
  heldScorePtr = p + 4;
  p = heldScorePtr + <usize>nHeldScore * 12;
  nSpread = min(w(p, 0), MAX_SPREAD);
  spreadPtr = p + 4;
  topological = nAff + nAnti + nPref + nHeldAnti + nHeldScore + nSpread > 0;
}

/** Whether the program at `offset` looks across hosts (per-item incremental state is then invalid). */
export function looksAcrossHosts(offset: i32): bool {
  if (offset < 0) return false;
  prepareTopology(offset);
  return topological;
}

/** Commit (+n) or release (−n) on host h: every counter of the program at `offset` moves. */
export function itemCounters(offset: i32, h: i32, sign: i32): void {
  if (offset < 0) return;
  const p = topoPool + (<usize>offset << 2);
  const n = w(p, 0);
  for (let i = 0; i < n; i++) counterAdd(w(p + 4, i), h, sign);
}

// @ts-ignore: decorator
@inline function present(h: i32): bool {
  return (load<u32>(at32(base, h)) & R_ABSENT) == 0;
}

// @ts-ignore: decorator
@inline function labelOf(col: i32, h: i32): i32 {
  return load<i32>(colI(labels, col, h));
}

/** Add Σ per topology domain of `counter` (× weight) into map m, under column col. */
function aggregate(m: PairMap, counter: i32, col: i32, weight: i64): void {
  let e = counter < headCap ? load<i32>(at32(cHead, counter)) : -1;
  while (e >= 0) {
    const n = load<i32>(at32(eCount, e));
    const h = load<i32>(at32(eSlot, e));
    e = load<i32>(at32(eNext, e));
    if (n == 0 || !present(h)) continue;
    const v = labelOf(col, h);
    if (v != 0) mapAdd(m, pairKey(col, v), <i64>n * weight);
  }
}

// ---------------------------------------------------------------- Filter

/** PodTopologySpread (DoNotSchedule) and InterPodAffinity over every host: adds reason bits. */
export function topologyFilter(end: i32): void {
  maps();
  // Spread: domains of eligible hosts (all hard keys present, inclusion policies) with counts.
  let nHard = 0;
  for (let i = 0; i < nSpread; i++) {
    const s = spreadPtr + <usize>i * 20;
    if ((w(s, 4) & SPREAD_HARD) == 0) continue;
    const m = spreadMap(nHard);
    mapClear(m);
    const counter = w(s, 0);
    const col = w(s, 1);
    const flags = w(s, 4);
    for (let h = 0; h < end; h++) {
      if (!present(h) || !hasHardKeys(h)) continue;
      if ((flags & SPREAD_HONOR_AFFINITY) != 0 && !affinityOk(h)) continue;
      if ((flags & SPREAD_HONOR_TAINTS) != 0 && taintBlocked(h)) continue;
      mapAdd(m, pairKey(col, labelOf(col, h)), <i64>counterGet(counter, h));
    }
    let minCount: i64 = MAX_INT32;
    for (let k = 0; k < m.cap; k++) {
      if (load<i32>(at32(m.gens, k)) != m.gen) continue;
      const v = load<i64>(at64(m.vals, k));
      if (v < minCount) minCount = v;
    }
    if (m.size < w(s, 3)) minCount = 0; // fewer domains than minDomains
    store<i64>(at64(hardMin, nHard), minCount);
    nHard++;
  }
  mapClear(affinityMap);
  for (let i = 0; i < nAff; i++) aggregate(affinityMap, w(affPtr, 2 * i), w(affPtr, 2 * i + 1), 1);
  const affinityPairs = mapNonZero(affinityMap);
  mapClear(antiMap);
  for (let i = 0; i < nAnti; i++) aggregate(antiMap, w(antiPtr, 2 * i), w(antiPtr, 2 * i + 1), 1);
  mapClear(existingMap);
  for (let i = 0; i < nHeldAnti; i++) aggregate(existingMap, w(heldAntiPtr, 2 * i), w(heldAntiPtr, 2 * i + 1), 1);
  for (let h = 0; h < end; h++) {
    if (!present(h)) continue;
    let r: u32 = 0;
    let k = 0;
    for (let i = 0; i < nSpread; i++) {
      const s = spreadPtr + <usize>i * 20;
      if ((w(s, 4) & SPREAD_HARD) == 0) continue;
      const col = w(s, 1);
      const v = labelOf(col, h);
      if (v == 0) {
        r |= R_SPREAD_LABEL;
        break;
      }
      const self: i64 = (w(s, 4) & SPREAD_SELF_MATCH) != 0 ? 1 : 0;
      const skew = mapGet(spreadMap(k), pairKey(col, v)) + self - load<i64>(at64(hardMin, k));
      k++;
      if (skew > <i64>w(s, 2)) {
        r |= R_SPREAD;
        break;
      }
    }
    if (nAff > 0) {
      let ok = true;
      let podsExist = true;
      for (let i = 0; i < nAff; i++) {
        const col = w(affPtr, 2 * i + 1);
        const v = labelOf(col, h);
        if (v == 0) ok = false;
        else if (mapGet(affinityMap, pairKey(col, v)) <= 0) podsExist = false;
      }
      if (ok && !podsExist) ok = affinityPairs == 0 && affSelf;
      if (!ok) r |= R_POD_AFFINITY;
    }
    for (let i = 0; i < nAnti; i++) {
      const col = w(antiPtr, 2 * i + 1);
      const v = labelOf(col, h);
      if (v != 0 && mapGet(antiMap, pairKey(col, v)) > 0) {
        r |= R_POD_ANTI_AFFINITY;
        break;
      }
    }
    for (let i = 0; i < nHeldAnti; i++) {
      const col = w(heldAntiPtr, 2 * i + 1);
      const v = labelOf(col, h);
      if (v != 0 && mapGet(existingMap, pairKey(col, v)) > 0) {
        r |= R_EXISTING_ANTI_AFFINITY;
        break;
      }
    }
    if (r != 0) store<u32>(at32(reasons, h), load<u32>(at32(reasons, h)) | r);
  }
}

function hasHardKeys(h: i32): bool {
  for (let i = 0; i < nSpread; i++) {
    const s = spreadPtr + <usize>i * 20;
    if ((w(s, 4) & SPREAD_HARD) != 0 && labelOf(w(s, 1), h) == 0) return false;
  }
  return true;
}

function hasSoftKeys(h: i32): bool {
  for (let i = 0; i < nSpread; i++) {
    const s = spreadPtr + <usize>i * 20;
    if ((w(s, 4) & SPREAD_HARD) == 0 && labelOf(w(s, 1), h) == 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------- Score

// @ts-ignore: decorator
@inline function feasible(h: i32): bool {
  return load<u32>(at32(reasons, h)) == 0;
}

/** InterPodAffinity and PodTopologySpread scores of every feasible host into topoScore (and the raws). */
export function topologyScores(end: i32): void {
  maps();
  for (let h = 0; h < end; h++) {
    store<i64>(at64(ipaRaw, h), 0);
    store<i64>(at64(spreadRaw, h), 0);
    store<i32>(at32(topoScore, h), 0);
  }
  interPodScores(end);
  spreadScores(end);
}

function interPodScores(end: i32): void {
  if (nPref + nHeldScore == 0) return;
  mapClear(scoreMap);
  for (let i = 0; i < nPref; i++) aggregate(scoreMap, w(prefPtr, 3 * i), w(prefPtr, 3 * i + 1), <i64>w(prefPtr, 3 * i + 2));
  for (let i = 0; i < nHeldScore; i++) {
    const weight = w(heldScorePtr, 3 * i + 2);
    aggregate(scoreMap, w(heldScorePtr, 3 * i), w(heldScorePtr, 3 * i + 1), <i64>(weight == 0 ? HARD_POD_AFFINITY_WEIGHT : weight));
  }
  if (scoreMap.size == 0) return;
  let minRaw: i64 = i64.MAX_VALUE;
  let maxRaw: i64 = i64.MIN_VALUE;
  for (let h = 0; h < end; h++) {
    if (!feasible(h)) continue;
    let score: i64 = 0;
    // Σ over the distinct topology columns of the terms of the host's pair score.
    for (let i = 0; i < nPref + nHeldScore; i++) {
      const col = i < nPref ? w(prefPtr, 3 * i + 1) : w(heldScorePtr, 3 * (i - nPref) + 1);
      if (seenColumn(i, col)) continue;
      const v = labelOf(col, h);
      if (v != 0) score += mapGet(scoreMap, pairKey(col, v));
    }
    store<i64>(at64(ipaRaw, h), score);
    if (score < minRaw) minRaw = score;
    if (score > maxRaw) maxRaw = score;
  }
  const diff = maxRaw - minRaw;
  for (let h = 0; h < end; h++) {
    if (!feasible(h)) continue;
    let n: i32 = 0;
    if (diff > 0) n = <i32>((<f64>MAX_NODE_SCORE) * (<f64>(load<i64>(at64(ipaRaw, h)) - minRaw) / <f64>diff));
    store<i32>(at32(topoScore, h), load<i32>(at32(topoScore, h)) + WEIGHT_INTER_POD_AFFINITY * n);
  }
}

/** Whether column `col` of term i already appeared among terms 0..i−1 (each column counts once). */
function seenColumn(i: i32, col: i32): bool {
  for (let j = 0; j < i; j++) {
    const c = j < nPref ? w(prefPtr, 3 * j + 1) : w(heldScorePtr, 3 * (j - nPref) + 1);
    if (c == col) return true;
  }
  return false;
}

function spreadScores(end: i32): void {
  let nSoft = 0;
  for (let i = 0; i < nSpread; i++) if ((w(spreadPtr + <usize>i * 20, 4) & SPREAD_HARD) == 0) nSoft++;
  if (nSoft == 0) return;
  // Candidates: feasible hosts with every soft topology key (the rest are ignored, scored 0).
  let candidates = 0;
  for (let h = 0; h < end; h++) if (feasible(h) && hasSoftKeys(h)) candidates++;
  let k = 0;
  for (let i = 0; i < nSpread; i++) {
    const s = spreadPtr + <usize>i * 20;
    const flags = w(s, 4);
    if ((flags & SPREAD_HARD) != 0) continue;
    const m = spreadMap(k);
    mapClear(m);
    if ((flags & SPREAD_HOSTNAME) == 0) {
      const col = w(s, 1);
      const counter = w(s, 0);
      // Domains: topology values of the candidates; counts from every eligible host in them.
      mapClear(domainMap);
      for (let h = 0; h < end; h++) if (feasible(h) && hasSoftKeys(h)) mapAdd(domainMap, pairKey(col, labelOf(col, h)), 0);
      for (let h = 0; h < end; h++) {
        if (!present(h) || !hasSoftKeys(h)) continue;
        if ((flags & SPREAD_HONOR_AFFINITY) != 0 && !affinityOk(h)) continue;
        if ((flags & SPREAD_HONOR_TAINTS) != 0 && taintBlocked(h)) continue;
        const key = pairKey(col, labelOf(col, h));
        if (!mapHas(domainMap, key)) continue;
        mapAdd(m, key, <i64>counterGet(counter, h));
      }
      store<i64>(at64(hardMin, k), <i64>domainMap.size); // reuse: domain count for the weight
    } else {
      store<i64>(at64(hardMin, k), <i64>candidates);
    }
    k++;
  }
  let minScore: i64 = i64.MAX_VALUE;
  let maxScore: i64 = 0;
  for (let h = 0; h < end; h++) {
    if (!feasible(h) || !hasSoftKeys(h)) continue;
    let score: f64 = 0;
    k = 0;
    for (let i = 0; i < nSpread; i++) {
      const s = spreadPtr + <usize>i * 20;
      const flags = w(s, 4);
      if ((flags & SPREAD_HARD) != 0) continue;
      const col = w(s, 1);
      const cnt: i64 = (flags & SPREAD_HOSTNAME) != 0 ? <i64>counterGet(w(s, 0), h) : mapGet(spreadMap(k), pairKey(col, labelOf(col, h)));
      const weight = load<f64>(at64(logTable, <i32>load<i64>(at64(hardMin, k))));
      score += <f64>cnt * weight + <f64>(w(s, 2) - 1);
      k++;
    }
    const f = Math.floor(score);
    const rounded = <i64>(score - f >= 0.5 ? f + 1 : f);
    store<i64>(at64(spreadRaw, h), rounded);
    if (rounded < minScore) minScore = rounded;
    if (rounded > maxScore) maxScore = rounded;
  }
  for (let h = 0; h < end; h++) {
    if (!feasible(h) || !hasSoftKeys(h)) continue;
    const raw = load<i64>(at64(spreadRaw, h));
    const n = maxScore == 0 ? MAX_NODE_SCORE : (MAX_NODE_SCORE * (maxScore + minScore - raw)) / maxScore;
    store<i32>(at32(topoScore, h), load<i32>(at32(topoScore, h)) + WEIGHT_TOPOLOGY_SPREAD * <i32>n);
  }
}
