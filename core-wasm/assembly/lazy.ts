// Lazy LeastAllocated. Without normalized score parts, LeastAllocated is monotone: a commit only
// lowers the scores of its host (and may make it infeasible). An item's state then keeps every
// stored total as an upper bound, and a turn recomputes only the hosts that reach the top while
// changed since their total was computed; the first fresh top is the exact best (ties to the
// lowest slot, as every stored key is at least the true one). A release (gang rollback, eviction)
// breaks the bound and forces a full scan; so does a turn that needs more than hostEnd / 2
// recomputations. (Spreading 1,000 × 1,000 interleaved replicas over 1,000 hosts: ~55
// recomputations a turn instead of a rescan of every host.)
//
// Two forms: totals in a tournament tree with a stamp per total (lazyRoot), or, when every
// feasible total lies within LEVELS of the lowest, a level per host (fit + 1, 0 = infeasible)
// with its change version and the bitset of the hosts at the top level (lazyLevels, select.ts's
// top set), a quarter of a tree's memory.
//
// With NodeResourcesBalancedAllocation beside it (kube-scheduler's default profile) a commit can
// balance a host and raise its total, by at most a slack bound.ts proves. A level stays the
// host's exact total while the host is unchanged since it was computed; the slot keeps that
// total's slack beside it, and at its next turn raises the levels of the hosts changed since
// (raiseChanged, from the most-recently-changed list): O(changed hosts) a turn, and every level
// an upper bound again, so the first fresh top host is the exact best.

import { DIM_CPU, DIM_MEMORY } from './abi';
import { boundSlack, boundedScore, scanSlacks, slackItem } from './bound';
import { allocF, at32, colF, freeF, hostCap, hostEnd, hugeHosts, nzUsedF, total } from './layout';
import { nzCpu, nzMem, reqDimCount, reqDims, reqOf, scoreDimCount, scoreDims, scoreWeights } from './item';
import { laneFits, prepareLaneFits } from './lanes';
import { ensureTotals, scan } from './scan';
import { fitScore } from './score';
import { rootSlot, topAdd, topBuild, topClear, topFirst, topRemove, updateTree } from './select';
import {
  changeVer, lastChanged, mruHead, mruNext, slotSlacks, slotStamps, slotTotal, stamp, stateBase, stateLevels, stateMaxAff, stateMaxTaint,
  stateStamp, stateTop,
} from './state';
import { combine, hostReasons, maxAffinity, maxTaint, setMaxima } from './verdict';

/** Levels of a top set: a lazy LeastAllocated total is base + fit, fit 0..100. */
const LEVELS: i32 = 101;
/** With BalancedAllocation × 1 beside it, base + fit + balanced, 0..200 above the base. */
const BOUNDED_LEVELS: i32 = 201;

/**
 * The tree form (see the header): the exact best host from upper-bound totals, recomputing stale
 * roots; −1 when no host is feasible, −2 when a full scan is cheaper.
 */
export function lazyRoot(slot: i32, totals: usize, tree: usize): i32 {
  const stamps = slotStamps(slot);
  const fresh = load<i32>(at32(stateBase, slot));
  setMaxima(load<i32>(at32(stateMaxAff, slot)), load<i32>(at32(stateMaxTaint, slot)));
  // Past this many recomputations in one turn, a full SIMD rescan is the cheaper refresh.
  const limit = max(32, hostEnd >> 1);
  for (let n = 0; n <= limit; n++) {
    const h = rootSlot(tree);
    if (h < 0 || load<i32>(at32(totals, h)) < 0) return -1; // every bound says infeasible
    const changed = load<i32>(at32(lastChanged, h));
    if (changed <= fresh || changed <= load<i32>(at32(stamps, h))) return h;
    const t = hostReasons(h) == 0 ? combine(fitScore(h), 0, 0) : -1;
    store<i32>(at32(stamps, h), stamp);
    if (t == load<i32>(at32(totals, h))) return h; // unchanged: the bound was exact
    store<i32>(at32(totals, h), t);
    updateTree(tree, totals, h);
  }
  return -2;
}

/**
 * Lazy mode's full scan into levels: true when every feasible total lies in the level range
 * (then the slot holds levels and a top set); false leaves the scan's results for the tree.
 */
export function levelsScan(slot: i32): bool {
  scan();
  ensureTotals();
  store<i32>(at32(stateMaxAff, slot), maxAffinity);
  store<i32>(at32(stateMaxTaint, slot), maxTaint);
  const withSlack = slackItem();
  const levels = withSlack ? BOUNDED_LEVELS : LEVELS;
  const lo = combine(0, 0, 0);
  for (let h = 0; h < hostEnd; h++) {
    const t = load<i32>(at32(total, h));
    if (t != -1 && <u32>(t - lo) >= <u32>levels) {
      store<u8>(stateLevels + <usize>slot, 0);
      return false;
    }
  }
  store<u8>(stateLevels + <usize>slot, 1);
  const rec = slotTotal(slot);
  for (let h = 0; h < hostEnd; h++) {
    const t = load<i32>(at32(total, h));
    store<u32>(rec + (<usize>h << 2), (<u32>load<u16>(changeVer + (<usize>h << 1)) << 16) | <u32>(t < 0 ? 0 : t - lo + 1));
  }
  for (let h = hostEnd; h < ((hostEnd + 3) & ~3); h++) store<u32>(rec + (<usize>h << 2), 0); // topBuild reads whole vectors
  store<i32>(at32(stateTop, slot), topBuild(rec + (<usize>hostCap << 2), rec));
  if (withSlack) scanSlacks(total, slotSlacks(slot));
  return true;
}

/**
 * lazyRoot over levels: the lowest host of the top set, recomputing hosts changed since their
 * level was computed; −1 when no host is feasible, −2 when a full scan is cheaper.
 */
export function lazyLevels(slot: i32): i32 {
  const rec = slotTotal(slot);
  const set = rec + (<usize>hostCap << 2);
  let top = load<i32>(at32(stateTop, slot));
  setMaxima(load<i32>(at32(stateMaxAff, slot)), load<i32>(at32(stateMaxTaint, slot)));
  const lo = combine(0, 0, 0);
  prepareRescore();
  const slacks = slotSlacks(slot);
  if (bounded) top = raiseChanged(load<i32>(at32(stateStamp, slot)), rec, set, slacks, top, lo);
  const levels = bounded ? BOUNDED_LEVELS : LEVELS;
  // Stale hosts come in runs of neighbouring slots (spreading fills the lowest slots of a level
  // first): rescore them four at a time, as the SIMD scan does, where doubles are exact.
  const vector = ASC_FEATURE_SIMD && hugeHosts == 0 && !bounded;
  let lanes = -1; // prepareLaneFits() once, at the first stale host
  const limit = max(32, hostEnd >> 1);
  let h = -2;
  for (let n = 0; n <= limit; n++) {
    if (top == 0) {
      h = -1; // every bound says infeasible
      break;
    }
    const c = topFirst(set);
    const r = rec + (<usize>c << 2);
    const ver = load<u16>(changeVer + (<usize>c << 1));
    if (load<u16>(r + 2) == ver) {
      h = c;
      break;
    }
    if (vector) {
      const g = c & ~3;
      // The scan's f32 lanes when they apply (no division; undecided lanes come back < 0 and are
      // rescored exactly below), else the f64 lanes.
      if (lanes < 0) lanes = prepareLaneFits() ? 1 : 0;
      if (lanes == 1) v128.store(groupOut, i32x4.add(laneFits(g), i32x4.splat(1)));
      else groupLevels(g);
      for (let x = c; x < g + 4; x++) {
        const w = load<u64>(set + ((<usize>x >> 6) << 3));
        if ((w & ((<u64>1) << (<u64>x & 63))) == 0) continue; // not at the top level
        const rx = rec + (<usize>x << 2);
        const vx = load<u16>(changeVer + (<usize>x << 1));
        if (load<u16>(rx + 2) == vx) {
          h = x;
          break;
        }
        let level = load<i32>(groupOut + (<usize>(x - g) << 2));
        if (level < 0) {
          const t = rescore(x);
          level = t < 0 ? 0 : t - lo + 1;
        }
        store<u32>(rx, (<u32>vx << 16) | <u32>level);
        if (level == top) {
          h = x; // unchanged: the bound was exact
          break;
        }
        n++;
        if (topRemove(set, x)) {
          top = topBuild(set, rec); // the rest of the group is picked up from the new top set
          break;
        }
      }
      if (h >= 0) break;
      continue;
    }
    const t = rescore(c);
    store<u16>(r + 2, ver);
    if (bounded) store<u8>(slacks + <usize>c, t < 0 ? 0 : <u8>boundSlack);
    if (t >= 0 && <u32>(t - lo) >= <u32>levels) break; // out of range: the full scan takes the tree
    const level = t < 0 ? 0 : t - lo + 1;
    if (level == top) {
      h = c; // unchanged: the bound was exact
      break;
    }
    store<u16>(r, <u16>level);
    if (topRemove(set, c)) top = topBuild(set, rec);
  }
  store<i32>(at32(stateTop, slot), top);
  return h;
}

/**
 * Raise the levels of the hosts changed since the slot's last turn (`seen`) by the slacks kept
 * beside their exact totals (see the header), once; the new top level. A host the raise would
 * put above the top is rescored instead (the search would take it first): its exact level and a
 * new slack, without emptying the top set for it alone.
 */
function raiseChanged(seen: i32, rec: usize, set: usize, slacks: usize, top: i32, lo: i32): i32 {
  let h = mruHead;
  while (h >= 0 && load<i32>(at32(lastChanged, h)) > seen) {
    const s = <i32>load<u8>(slacks + <usize>h);
    if (s != 0) {
      const r = rec + (<usize>h << 2);
      const was = <i32>load<u16>(r);
      let level = was + s;
      if (level > top) {
        const t = rescore(h); // feasible when its slack was kept; the fit may fail now
        level = t < 0 ? 0 : t - lo + 1;
        store<u32>(r, (<u32>load<u16>(changeVer + (<usize>h << 1)) << 16) | <u32>level);
        store<u8>(slacks + <usize>h, t < 0 ? 0 : <u8>boundSlack);
        if (was == top && level < top) {
          if (topRemove(set, h)) top = topBuild(set, rec); // it left the top level
        } else if (level > top) {
          topClear(set);
          top = level;
        }
      } else {
        store<u16>(r, <u16>level);
        store<u8>(slacks + <usize>h, 0);
      }
      if (level == top) topAdd(set, h);
    }
    h = load<i32>(at32(mruNext, h));
  }
  return top;
}

const groupOut: usize = memory.data(16);

/**
 * Level + 1 (0 = infeasible) of hosts g..g+3 (g a multiple of 4) into groupOut: rescore() four at
 * a time — the resource fit of the requested dimensions and the LeastAllocated mean exactly as
 * the SIMD scan computes them (cap < 2^45: no huge hosts).
 */
function groupLevels(g: i32): void {
  if (!ASC_FEATURE_SIMD) return;
  const colBytes = <usize>hostCap << 3;
  const o = <usize>g << 3;
  const zero = f64x2.splat(0);
  const hundred = f64x2.splat(100);
  let bad = i32x4.splat(0);
  for (let i = 0; i < reqDimCount; i++) {
    const d = load<i32>(reqDims + (<usize>i << 2));
    const q = f64x2.splat(reqOf(d));
    const p = freeF + <usize>d * colBytes + o;
    bad = v128.or(bad, i32x4.shuffle(f64x2.gt(q, v128.load(p)), f64x2.gt(q, v128.load(p + 16)), 0, 2, 4, 6));
  }
  let sumLo = zero;
  let sumHi = zero;
  let wLo = zero;
  let wHi = zero;
  for (let s = 0; s < scoreDimCount; s++) {
    const d = load<i32>(scoreDims + (<usize>s << 2));
    const w = f64x2.splat(<f64>load<i32>(scoreWeights + (<usize>s << 2)));
    const ap = allocF + <usize>d * colBytes + o;
    const capLo = v128.load(ap);
    const capHi = v128.load(ap + 16);
    let reqLo: v128;
    let reqHi: v128;
    if (d == DIM_CPU || d == DIM_MEMORY) {
      const nz = f64x2.splat(d == DIM_CPU ? nzCpu : nzMem);
      const up = nzUsedF + (d == DIM_CPU ? 0 : colBytes) + o;
      reqLo = f64x2.add(v128.load(up), nz);
      reqHi = f64x2.add(v128.load(up + 16), nz);
    } else {
      const q = f64x2.splat(reqOf(d));
      const fp = freeF + <usize>d * colBytes + o;
      reqLo = f64x2.add(f64x2.sub(capLo, v128.load(fp)), q);
      reqHi = f64x2.add(f64x2.sub(capHi, v128.load(fp + 16)), q);
    }
    // requested > capacity gives a negative quotient: clamp to 0 like leastRequestedScore.
    const scLo = f64x2.max(f64x2.floor(f64x2.div(f64x2.mul(f64x2.sub(capLo, reqLo), hundred), capLo)), zero);
    const scHi = f64x2.max(f64x2.floor(f64x2.div(f64x2.mul(f64x2.sub(capHi, reqHi), hundred), capHi)), zero);
    const okLo = f64x2.ne(capLo, zero);
    const okHi = f64x2.ne(capHi, zero);
    sumLo = f64x2.add(sumLo, v128.and(f64x2.mul(scLo, w), okLo));
    sumHi = f64x2.add(sumHi, v128.and(f64x2.mul(scHi, w), okHi));
    wLo = f64x2.add(wLo, v128.and(w, okLo));
    wHi = f64x2.add(wHi, v128.and(w, okHi));
  }
  // Σw = 0 ⇒ 0 (NaN, which trunc_sat turns into 0), as in fitScore and the scan.
  const meanLo = f64x2.floor(f64x2.div(sumLo, wLo));
  const meanHi = f64x2.floor(f64x2.div(sumHi, wHi));
  const fitV = i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(meanLo), i32x4.trunc_sat_f64x2_s_zero(meanHi), 0, 1, 4, 5);
  v128.store(groupOut, v128.andnot(i32x4.add(fitV, i32x4.splat(1)), bad));
}

// The prepared class scores exactly cpu and memory with these weights, and every host is within
// f64-exact range: rescore() computes the LeastAllocated score itself (see prepareRescore).
let quickFit: bool = false;
// The prepared class has BalancedAllocation beside LeastAllocated (bound.ts's slackItem).
let bounded: bool = false;
let quickCpuWeight: i32 = 0;
let quickMemWeight: i32 = 0;

/** Whether the prepared class can take rescore()'s direct formula. */
function prepareRescore(): void {
  bounded = slackItem();
  quickFit = false;
  if (hugeHosts != 0 || scoreDimCount != 2) return;
  const d0 = load<i32>(scoreDims);
  const d1 = load<i32>(scoreDims + 4);
  const w0 = load<i32>(scoreWeights);
  const w1 = load<i32>(scoreWeights + 4);
  if (w0 <= 0 || w1 <= 0) return;
  if (d0 == DIM_CPU && d1 == DIM_MEMORY) {
    quickCpuWeight = w0;
    quickMemWeight = w1;
  } else if (d0 == DIM_MEMORY && d1 == DIM_CPU) {
    quickCpuWeight = w1;
    quickMemWeight = w0;
  } else return;
  quickFit = true;
}

/**
 * The lazy total of host h — hostReasons(h) == 0 ? combine(fitScore(h), 0, 0) : −1 — for a host
 * that passed every filter when its level was last computed in this batch: within a batch only
 * commits change a host (a release forces a full scan), so only the resource fit can fail now.
 * With quickFit, fitScore's LeastAllocated in doubles: cap < 2^45 (no huge hosts) keeps
 * (cap − requested)·100 / cap exact enough that truncation is the i64 floor (as in lanes.ts).
 */
function rescore(h: i32): i32 {
  for (let i = 0; i < reqDimCount; i++) {
    const d = load<i32>(reqDims + (<usize>i << 2));
    if (reqOf(d) > load<f64>(colF(freeF, d, h))) return -1;
  }
  if (bounded) return combine(boundedScore(h), 0, 0); // its slack into boundSlack
  if (!quickFit) return combine(fitScore(h), 0, 0);
  const capCpu = load<f64>(colF(allocF, DIM_CPU, h));
  const capMem = load<f64>(colF(allocF, DIM_MEMORY, h));
  if (capCpu == 0 || capMem == 0) return combine(fitScore(h), 0, 0); // a dimension fitScore skips
  const usedCpu = load<f64>(colF(nzUsedF, 0, h)) + nzCpu;
  const usedMem = load<f64>(colF(nzUsedF, 1, h)) + nzMem;
  const cpu = usedCpu > capCpu ? 0 : <i32>(((capCpu - usedCpu) * 100) / capCpu);
  const mem = usedMem > capMem ? 0 : <i32>(((capMem - usedMem) * 100) / capMem);
  // equal weights (kube-scheduler's default 1, 1): ⌊w·(cpu + mem) / 2w⌋ = (cpu + mem) >> 1, no division
  if (quickCpuWeight == quickMemWeight) return combine((cpu + mem) >> 1, 0, 0);
  return combine((cpu * quickCpuWeight + mem * quickMemWeight) / (quickCpuWeight + quickMemWeight), 0, 0);
}
