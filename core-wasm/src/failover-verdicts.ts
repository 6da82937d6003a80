// Failover admission's verdicts per (class, host), kept for the extender's filter (failover-guard.ts
// checkEach): a protected workload without terms is admitted on host X, with no replan, when its
// insertion into X's own restart plan leaves every other workload in place (rules/failover-insert.ts)
// and every plan using X keeps room for it. That answer reads
//   - X's free room, the plans' use of X and X's own plan (its workloads, its use, where it starts);
//   - the free room of the hosts X's plan scans up to where the workload goes, and the class's
//     filter reasons there (resource and spread bits aside: a restart ignores them).
// Each slot carries the tick of its last change (free room, a plan's use of it, its own plan:
// SlotEpochs, bumped by failover-guard.ts and failover-cache.ts); an admission is kept with the
// tick it was found at and the slots its scan read, and holds while none of them changed since
// and the class's reasons are as they were. So a filter after a bind or a release re-checks only
// the hosts whose plans or room that change touched, not all of them.

import * as abi from './contract.js';
import * as rules from './rules/failover.js';

// Local copies: the loops read them per slot, and a re-exported binding can be a getter under some loaders.
const R_ABSENT = abi.R_ABSENT;
const RESTART_IGNORED = rules.RESTART_IGNORED;
/** Classes whose verdicts are kept (the most recently asked). */
const KEPT_CLASSES = 16;

/** Per slot, the tick of its last change as admission sees it. */
export class SlotEpochs {
  private tick = 1;
  epoch = new Uint32Array(0);

  /** Forget every slot's history; `n` slots. The tick goes on, so no kept verdict survives it. */
  reset(n: number): void {
    this.tick++;
    this.epoch = new Uint32Array(n).fill(this.tick);
  }

  /** Slot `s` changed. */
  changed(s: number): void {
    if (s < this.epoch.length) this.epoch[s] = ++this.tick;
  }

  now(): number {
    return this.tick;
  }
}

/** One class's kept admissions. */
export class ClassVerdicts {
  /** The tick each slot's admission was found at (0: none kept). */
  readonly stamp: Uint32Array;
  /** The slots its scan read: cyclically from `from` to `to`. */
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** The reasons (RESTART_IGNORED bits off) the admissions were found with. */
  readonly reasons: Uint32Array;
  /** The array they were last compared with (arrays given here are never changed: the same array, the same reasons). */
  seen: ArrayLike<number> | null = null;

  constructor(
    /** The class's spec: a class id freed and defined again is another class. */
    readonly spec: object,
    n: number,
  ) {
    this.stamp = new Uint32Array(n);
    this.from = new Int32Array(n);
    this.to = new Int32Array(n);
    this.reasons = new Uint32Array(n);
  }
}

export class VerdictCache {
  private readonly byClass = new Map<number, ClassVerdicts>();
  private policiesOf: unknown = null;

  constructor(private readonly epochs: SlotEpochs) {}

  /** Forget every kept verdict. */
  clear(): void {
    this.byClass.clear();
  }

  /**
   * The kept verdicts of class `cls` (spec `spec`, filter reasons `reasons` by slot, an array never
   * changed once given), valid under the protected namespaces `policies`; kept verdicts found with
   * other reasons are dropped.
   */
  of(cls: number, spec: object, reasons: ArrayLike<number>, n: number, policies: unknown): ClassVerdicts {
    if (this.policiesOf !== policies) {
      this.byClass.clear();
      this.policiesOf = policies;
    }
    let v = this.byClass.get(cls);
    if (v && (v.spec !== spec || v.stamp.length !== n)) v = undefined;
    if (v)
      this.byClass.delete(cls); // re-inserted below: the most recently asked last
    else v = new ClassVerdicts(spec, n);
    if (v.seen !== reasons) {
      const r = v.reasons;
      let same = true;
      for (let s = 0; s < n; s++) {
        const m = ((reasons[s] ?? R_ABSENT) & ~RESTART_IGNORED) >>> 0;
        if (r[s] !== m) {
          r[s] = m;
          same = false;
        }
      }
      if (!same) v.stamp.fill(0);
      v.seen = reasons;
    }
    this.byClass.set(cls, v);
    if (this.byClass.size > KEPT_CLASSES) this.byClass.delete(this.byClass.keys().next().value!);
    return v;
  }

  /** Slot `x`'s admission in `v` still holds: nothing it read changed since it was found. */
  holds(v: ClassVerdicts, x: number): boolean {
    const stamp = v.stamp[x];
    if (stamp === 0) return false;
    const epoch = this.epochs.epoch;
    if (epoch[x] > stamp) return false;
    const n = epoch.length;
    for (let s = v.from[x]; ; s = s + 1 === n ? 0 : s + 1) {
      if (epoch[s] > stamp) return false;
      if (s === v.to[x]) return true;
    }
  }

  /** Keep slot `x`'s admission, found now by a scan from slot `from` to slot `to`. */
  keep(v: ClassVerdicts, x: number, from: number, to: number): void {
    v.stamp[x] = this.epochs.now();
    v.from[x] = from;
    v.to[x] = to;
  }
}
