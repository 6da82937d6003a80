// The questions asked without placing anything: the extender's filter and prioritize (one
// evaluation as columns, memoized while nothing changes), its preempt check (would it fit with
// these victims gone?), its bind check, and explain (where would it go, and why not elsewhere).

import type { Strategy, WorkloadTemplate } from '../../model/types.js';
import type { Assessment, Compiled, Explanation, HostExplanation } from './api.js';
import type { Catalog } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import { type Backend, type HostVerdict, MAX_NODE_SCORE, R_ABSENT, R_FAILOVER, type VerdictColumns } from './contract.js';
import type { FailoverGuard } from './failover-guard.js';
import { workloadKey } from './failover-plans.js';
import { allReasonTexts, hostReasonTexts } from './messages.js';
import type { Residents } from './residents.js';
import { filterHistogram } from './rules/filter-stages.js';
import { hostGrade } from './rules/preemption.js';
import type { Wording } from './wording.js';

/** Why a workload cannot go to one host: refused at admission, or by the host's filters. */
export interface Refusal {
  stage: 'admission' | 'host';
  text: string;
}

export interface ColumnAssessment {
  cls: number;
  /** Changes whenever a backend call may have changed an answer: equal cls and version, equal columns. */
  version: number;
  /** Admission failure: the workload fits nowhere, whatever the host. */
  rejected: string | undefined;
  columns: VerdictColumns;
  /** The highest `fit` this class can score: 100 for the strategy, plus 100 × BalancedAllocation's weight beside it. */
  fitMax: number;
  /** The class's scoring strategy (the engine's default, or its namespace policy's). */
  strategy: Strategy;
}

export class Assessor {
  /** The last assessColumns() answer (copied columns), reused while the backend did not change. */
  private lastAssessed: {
    version: number;
    cls: number;
    admission: string | undefined;
    columns: VerdictColumns;
    /** Failover admission patched R_FAILOVER into the columns (refusal() cannot read them then). */
    guarded: boolean;
  } | null = null;

  constructor(
    private readonly catalog: Catalog,
    private readonly compiler: ClassCompiler,
    private readonly residents: Residents,
    private readonly wording: Wording,
    private readonly backend: Backend,
    /** Counts backend calls that may change an evaluation's answer (see versioned.ts). */
    private readonly version: () => number,
    /** NodeResourcesBalancedAllocation's weight beside the strategy (EngineConfig.balancedWeight). */
    private readonly balancedWeight: number,
    /** Failover admission (namespace HA): hosts it refuses get R_FAILOVER. */
    private readonly guard: FailoverGuard,
  ) {}

  /**
   * Filter and score one workload over every host without committing — the extender's filter and
   * prioritize. `verdict(name)` gives a host's verdict, or undefined for a host placer does not know.
   */
  assess(t: WorkloadTemplate): Assessment {
    const a = this.assessColumns(t);
    const n = a.columns.n;
    // copies: the columns may be views the next backend call overwrites
    const reasons = a.columns.reasons.slice(0, n);
    const fit = a.columns.fit.slice(0, n);
    const total = a.columns.total.slice(0, n);
    const who = workloadKey({ t, j: 0 });
    return {
      rejected: a.rejected,
      verdict: (name) => {
        const slot = this.catalog.hostSlot(name);
        if (slot < 0 || slot >= n) return undefined;
        const r = reasons[slot];
        if (r === 0) return { feasible: true, reasons: [], grade: null, fit: fit[slot], total: total[slot] };
        const f = this.wording.hostFailure(a.cls, slot, r, who);
        return { feasible: false, reasons: [...f.texts], grade: f.grade, fit: 0, total: -1 };
      },
    };
  }

  /**
   * assess() as columns indexed by host slot: the admission verdict and one evaluation (copies,
   * kept while nothing changes). The extender asks twice per pod (filter, then prioritize) and
   * often for pods of one class in a row: while no backend call changed anything, the last answer holds.
   */
  assessColumns(t: WorkloadTemplate): ColumnAssessment {
    const c = this.compiler.prepare(t);
    let a = this.lastAssessed;
    if (!a || a.cls !== c.cls || a.version !== this.version()) {
      const f = this.backend.admit(c.cls);
      const admission = f ? this.wording.failureMessage(c.cls, f) : undefined;
      const cols = this.backend.evaluateColumns(c.cls);
      const n = cols.n;
      const columns = { n, reasons: cols.reasons.slice(0, n), fit: cols.fit.slice(0, n), total: cols.total.slice(0, n) };
      const guarded = this.guard.active();
      if (guarded) this.refuseForFailover(t, c.cls, columns);
      a = { version: this.version(), cls: c.cls, admission, columns, guarded };
      this.lastAssessed = a;
    }
    const fitMax = MAX_NODE_SCORE * (1 + (c.strategy === 'BalancedAllocation' ? 0 : this.balancedWeight));
    return { cls: c.cls, version: a.version, rejected: c.rejected ?? a.admission, columns: a.columns, fitMax, strategy: c.strategy };
  }

  /** Feasible hosts where failover admission refuses the workload get R_FAILOVER and no score. */
  private refuseForFailover(t: WorkloadTemplate, cls: number, columns: VerdictColumns): void {
    for (const slot of this.guard.checkEach(t, cls, columns.reasons, columns.n)) {
      columns.reasons[slot] = R_FAILOVER;
      columns.fit[slot] = 0;
      columns.total[slot] = -1;
    }
  }

  /**
   * Would one workload fit on host `slot` now — admission (the template's own, quota,
   * reservation) and every filter? null when it would, else why.
   */
  refusal(c: Compiled, slot: number): Refusal | null {
    if (c.rejected) return { stage: 'admission', text: c.rejected };
    // the extender binds a pod right after judging it: while nothing changed, that assessment holds
    const a = this.lastAssessed;
    if (a && a.cls === c.cls && a.version === this.version() && !a.guarded) {
      if (a.admission !== undefined) return { stage: 'admission', text: a.admission };
      return this.hostRefusal(c.cls, slot, slot < a.columns.n ? a.columns.reasons[slot] : R_ABSENT);
    }
    const f = this.backend.admit(c.cls);
    if (f) return { stage: 'admission', text: this.wording.failureMessage(c.cls, f) };
    const cols = this.backend.evaluateColumns(c.cls);
    return this.hostRefusal(c.cls, slot, slot < cols.n ? cols.reasons[slot] : R_ABSENT);
  }

  private hostRefusal(cls: number, slot: number, reasons: number): Refusal | null {
    return reasons === 0 ? null : { stage: 'host', text: this.wording.hostFailure(cls, slot, reasons).text };
  }

  /**
   * Would the workload fit on `hostName` if the tracked workloads `victims` (keys
   * `kind/namespace/name`) were gone? The extender's preempt check. Nothing changes: the victims
   * are released for the question and committed back. Returns null when it would fit, else the reason.
   */
  fitsAfterEvicting(t: WorkloadTemplate, hostName: string, victims: readonly string[]): string | null {
    const slot = this.catalog.hostSlot(hostName);
    if (slot < 0) return `host ${JSON.stringify(hostName)} is not known to placer`;
    const released: { cls: number; slot: number }[] = [];
    for (const key of victims) {
      const [kind, namespace, ...rest] = key.split('/');
      const p = this.residents.placed(kind, namespace, rest.join('/'));
      if (!p) continue;
      this.backend.release(p.cls, p.slot);
      released.push(p);
    }
    try {
      return this.refusal(this.compiler.prepare(t), slot)?.text ?? null;
    } finally {
      for (const p of released) this.backend.commit(p.cls, p.slot);
    }
  }

  /** Where a placement would go now and why every other host was rejected, without committing. */
  explain(t: WorkloadTemplate, instance = 0): Explanation {
    const c = this.compiler.prepare(t);
    const workload = `${t.kind} ${t.namespace}/${t.instances[instance]?.name ?? '?'}`;
    if (c.rejected) return { workload, admission: c.rejected, hosts: [], selected: null, message: c.rejected };
    const admission = this.backend.admit(c.cls);
    const verdicts = this.backend.evaluate(c.cls);
    const naming = this.wording.naming(c.cls);
    const hosts: HostExplanation[] = [];
    let best = -1;
    verdicts.forEach((v, slot) => {
      const h = this.catalog.hosts[slot];
      if (!h?.present) return;
      const blocking = this.wording.blockingTaints(c.cls, slot);
      hosts.push({
        host: h.obj.name,
        feasible: v.reasons === 0,
        reasons: hostReasonTexts(v.reasons, blocking[0] ?? -1, naming),
        allReasons: allReasonTexts(v.reasons, blocking, naming),
        grade: v.reasons === 0 ? null : hostGrade(v.reasons),
        score: v.total,
        fit: v.fit,
        affinity: v.affinityRaw,
        taints: v.taintRaw,
      });
      if (v.reasons === 0 && (best < 0 || v.total > verdicts[best].total)) best = slot;
    });
    const admissionText = admission ? this.wording.failureMessage(c.cls, admission) : null;
    let message: string | null = admissionText;
    if (!admission && best < 0) {
      const histogram = filterHistogram(verdicts, (slot) => this.wording.blockingTaints(c.cls, slot)[0] ?? -1);
      message = this.wording.failureMessage(c.cls, histogram);
    }
    return { workload, admission: admissionText, hosts, selected: admission || best < 0 ? null : this.catalog.hostName(best), message };
  }

  /** Per-host filter verdicts for a class. */
  evaluate(cls: number): HostVerdict[] {
    return this.backend.evaluate(cls);
  }
}
