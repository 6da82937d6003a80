// Reasons and failures in kube-scheduler's words, for one class: the message of a failed batch
// item (quota, reservation, the "0/N hosts are available" histogram, a gang), why one host
// rejects it (first failing stage; memoized per kind and reason mask, or first blocking taint),
// and its blocking taints in the Node's order. Engines hand back bitmasks and ids; text is made
// here, only when asked (messages.ts holds the phrases).

import type { HostFailure } from './api.js';
import type { Catalog } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import { type Failure, R_ABSENT, R_FAILOVER, R_TAINT, R_UNSCHEDULABLE } from './contract.js';
import { type Naming, fitErrorMessage, hostReasonTexts, quotaMessage, reservationMessage } from './messages.js';
import { hostGrade } from './rules/preemption.js';
import { quotaDelta } from './rules/quota.js';
import { blocks } from './rules/taints.js';

export class Wording {
  /** Host failure texts by workload kind and reason mask (or first blocking taint). */
  private readonly failureMemo: Map<number, HostFailure>[] = [];
  /** Whether a taint blocks, by constraint (the tolerations are part of it) and taint id. */
  private readonly taintBlockMemo: Map<number, boolean>[] = [];
  /** The first blocking taint, per constraint and host slot, until the hosts change: id + 2 (0 = not known yet). */
  private firstTaintMemo: Int32Array[] = [];
  private firstTaintEpoch = -1;
  /**
   * The words of the failover refusal placer last found on a host (failover-guard.ts), by slot,
   * as said of workload `who` (`Kind namespace/name`) when given.
   */
  failoverText: (slot: number, who?: string) => string | undefined = () => undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly compiler: ClassCompiler,
  ) {}

  /** Why a batch item of class `cls` was not placed; gangs are named by `gangNames`. */
  failureMessage(cls: number, f: Failure, gangNames: readonly string[] = []): string {
    const n = this.naming(cls);
    const spec = this.compiler.classes[cls].spec;
    if (f.kind === 'gang') {
      const name = gangNames[f.gang] ?? `gang ${f.gang}`;
      if (!f.cause) return `gang ${name} has fewer members than its minMember ${f.needed}: nothing was placed`;
      return `gang ${name}: only ${f.placed} of the ${f.needed} members it needs could be placed, so none were: ${this.failureMessage(cls, f.cause, gangNames)}`;
    }
    if (f.kind === 'filter') return fitErrorMessage(f, n);
    if (f.kind === 'failover') return f.text;
    if (f.kind === 'quota') return quotaMessage(f, (e) => quotaDelta(spec, this.catalog.entries[e]) ?? 0n, n);
    return reservationMessage(f, (d) => BigInt(spec.req[d]), n);
  }

  /**
   * Why an infeasible host (reasons ≠ 0) rejects a workload of class `cls`, as kube-scheduler
   * reports it (first failing stage), and the grade. Memoized per kind and reason mask. `who`
   * (`Kind namespace/name`) is the workload asking, which a failover refusal may name.
   */
  hostFailure(cls: number, slot: number, reasons: number, who?: string): HostFailure {
    if (reasons === R_FAILOVER) {
      // only the failover admission refuses the host: its words name the namespace and the failure
      const text = this.failoverText(slot, who);
      if (text !== undefined) return { texts: [text], text, grade: hostGrade(reasons) };
    }
    const taintFirst = (reasons & (R_ABSENT | R_UNSCHEDULABLE | R_TAINT)) === R_TAINT;
    const taint = taintFirst ? this.firstBlockingTaint(cls, slot) : -1;
    const key = taintFirst ? -2 - taint : reasons;
    const kind = this.compiler.classes[cls].spec.kind;
    const memo = (this.failureMemo[kind] ??= new Map());
    let f = memo.get(key);
    if (!f) {
      const texts = hostReasonTexts(reasons, taint, this.naming(cls));
      f = { texts, text: texts.join(', '), grade: hostGrade(reasons) };
      memo.set(key, f);
    }
    return f;
  }

  /** The first of the host's taints (Node order) the class does not tolerate, NoSchedule/NoExecute; −1 if none. */
  firstBlockingTaint(cls: number, slot: number): number {
    if (this.firstTaintEpoch !== this.catalog.hostsEpoch) {
      this.firstTaintMemo = [];
      this.firstTaintEpoch = this.catalog.hostsEpoch;
    }
    const k = this.compiler.classes[cls].spec.constraint;
    let memo = this.firstTaintMemo[k];
    if (!memo || memo.length <= slot) {
      const grown = new Int32Array(this.catalog.hosts.length);
      if (memo) grown.set(memo);
      this.firstTaintMemo[k] = memo = grown;
    }
    if (memo[slot] === 0) {
      const first = (this.catalog.hosts[slot].taintIds ?? []).find((id) => this.taintBlocks(k, id)) ?? -1;
      memo[slot] = first + 2;
    }
    return memo[slot] - 2;
  }

  /** The host's untolerated NoSchedule/NoExecute taints in the Node's order. */
  blockingTaints(cls: number, slot: number): number[] {
    const k = this.compiler.classes[cls].spec.constraint;
    return (this.catalog.hosts[slot].taintIds ?? []).filter((id) => this.taintBlocks(k, id));
  }

  /** Whether taint `id` blocks workloads under constraint `k` (rules/taints.ts), memoized. */
  private taintBlocks(k: number, id: number): boolean {
    const memo = (this.taintBlockMemo[k] ??= new Map());
    let b = memo.get(id);
    if (b === undefined) {
      b = blocks(this.compiler.constraints[k].tolerations, this.catalog.taintSpecs[id]);
      memo.set(id, b);
    }
    return b;
  }

  /** How messages name the ids of class `cls`'s failures. */
  naming(cls: number): Naming {
    const t = this.compiler.classes[cls].template;
    const catalog = this.catalog;
    return {
      dimName: (d) => catalog.dims.names[d],
      taint: (id) => catalog.taint(id),
      quotaName: (q) => catalog.quotas[q].obj.name,
      entryKey: (e) => catalog.entryKeys[e],
      entryHard: (e) => catalog.entries[e].hard,
      workloadKind: t.kind,
    };
  }
}
