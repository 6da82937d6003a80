// Judging a pod against the nodes of an extender request: filter and score every node in request
// order from the engine's columns (one assessment per pod, no call into the backend per node),
// with the messages kube-scheduler shows for the nodes that fail, and whether preemption could
// help them (FailedNodes) or not (FailedAndUnresolvableNodes).

import { R_FAILOVER, R_TAINT } from '../../../core-wasm/src/contract.js';
import { workloadKey } from '../../../core-wasm/src/failover-plans.js';
import type { HostFailure } from '../../../core-wasm/src/engine.js';
import type { Strategy, WorkloadTemplate } from '../../../model/types.js';
import type { PlacerState } from '../../state/state.js';
import { type Judged, judged } from './extender-wire.js';

/** The highest prioritize score (kube-scheduler's MaxExtenderPriority). */
const MAX_EXTENDER_PRIORITY = 10;

/**
 * How prioritize scores the feasible hosts of an assessment: only what kube-scheduler does not
 * score itself. Its NodeResourcesFit and NodeResourcesBalancedAllocation score every node from the
 * pods bound there, as placer's profile does (`--config` reads the same file): placer adds
 * the share of the host that placements kube-scheduler does not see hold (VirtualMachines), in
 * the strategy's direction — LeastAllocated and the spreading strategies 10 − round(10 × share),
 * MostAllocated round(10 × share). Without such placements every host scores alike (10 or 0).
 * A class whose strategy is not the profile's (a NamespacePolicy's) is scored by placer's whole
 * resource score (fit, strategy plus BalancedAllocation) scaled to 0..10: kube-scheduler does not
 * score that strategy. Returns the score of a slot's host by name, or undefined for the fit scale.
 */
function unseenScorer(state: PlacerState, strategy: Strategy): ((name: string) => number) | undefined {
  if (strategy !== state.strategy) return undefined;
  const most = strategy === 'MostAllocated';
  if (state.unseenEmpty) return most ? () => 0 : () => MAX_EXTENDER_PRIORITY;
  return (name) => {
    const k = Math.round(state.unseenShare(name) * MAX_EXTENDER_PRIORITY);
    return most ? k : MAX_EXTENDER_PRIORITY - k;
  };
}

/** Why a node placer does not know fails. */
function unknownHostMessage(name: string): string {
  return `placer: placer does not know host ${JSON.stringify(name)}; apply its Node through POST /v1/apply, or configure the extender with nodeCacheCapable: false so that kube-scheduler sends full Node objects`;
}

const prefixedFailure = new WeakMap<HostFailure, string>();

function fail(j: Judged, i: number, message: string, resolvable: boolean): void {
  j.failIdx.push(i);
  j.failMsg.push(message);
  j.failResolvable.push(resolvable);
}

/** What a judgement depends on besides the nodes: the same pod template against an unchanged engine. */
interface JudgedKey {
  t: WorkloadTemplate;
  engine: object;
  epoch: number;
  cls: number;
  version: number;
  rejected: string | undefined;
}

const sameKey = (a: JudgedKey, b: JudgedKey): boolean =>
  a.t === b.t && a.engine === b.engine && a.epoch === b.epoch && a.cls === b.cls && a.version === b.version && a.rejected === b.rejected;

/**
 * The last judgements, reused while their key holds. kube-scheduler calls prioritize right after
 * filter for the same pod: over a known list (`last`: the same list, its host slots) or with
 * exactly the nodes the filter passed (`passed`: the filter's verdicts of those nodes, in its
 * order, the very names array PassedMemo hands prioritize). While the pod's template and the
 * engine's assessment (same engine, class and backend version: nothing changed since) are the
 * same, so is the judgement. `key` is the last judge() call's, for rememberPassed.
 */
export interface JudgedMemo {
  last: (JudgedKey & { names: readonly string[]; slots: Int32Array; j: Judged }) | null;
  passed?: (JudgedKey & { names: readonly string[]; j: Judged }) | null;
  key?: JudgedKey | undefined;
}

/**
 * After a filter judged `j` and answered the nodes that passed as `names` (in list order): their
 * judgement alone, for the prioritize that follows with exactly those names.
 */
export function rememberPassed(memo: JudgedMemo, names: readonly string[], j: Judged): void {
  memo.passed = null;
  const key = memo.key;
  if (key === undefined) return;
  const p = judged(names.length);
  let k = 0;
  for (let i = 0; i < j.n; i++) {
    if (!j.pass[i]) continue;
    if (k === names.length) return;
    p.pass[k] = 1;
    p.score[k++] = j.score[i];
  }
  if (k === names.length) memo.passed = { ...key, names, j: p };
}

/**
 * Filter + score every node of the request for one pod, in request order; with `choose`, also
 * placer's own choice among the passing nodes (Judged.chosen). A memo serves one extender, whose
 * calls all ask for the choice or all do not.
 */
export function judge(
  state: PlacerState,
  t: WorkloadTemplate,
  names: readonly string[],
  slots: Int32Array | null,
  bad: ReadonlyMap<string, string>,
  memo?: JudgedMemo,
  choose = false,
): Judged {
  const n = names.length;
  const inst = t.instances[0];
  if (memo) memo.key = undefined;
  const held = state.heldPod(t.namespace, inst.name);
  if (held && (held.uid === null || inst.uid === undefined || held.uid === inst.uid)) {
    // already bound by placer (a retry after bind): only its host fits
    const j = judged(n);
    const message = `placer: pod ${t.namespace}/${inst.name} is already bound to host ${held.host}`;
    for (let i = 0; i < n; i++) {
      if (names[i] === held.host) {
        j.pass[i] = 1;
        j.score[i] = MAX_EXTENDER_PRIORITY;
        if (j.chosen < 0) j.chosen = i;
      } else fail(j, i, message, false);
    }
    return j;
  }
  const engine = state.engine;
  // The columns are views over the engine's memory: nothing below calls into the backend.
  const a = engine.assessColumns(t);
  const rejected = a.rejected === undefined ? undefined : `placer: ${a.rejected}`;
  const key: JudgedKey = { t, engine, epoch: engine.hostsEpoch, cls: a.cls, version: a.version, rejected };
  if (memo && bad.size === 0) {
    memo.key = key;
    const p = memo.passed;
    if (p && p.names === names && sameKey(p, key)) return p.j;
  }
  const memoize = memo !== undefined && slots !== null && bad.size === 0;
  if (memoize) {
    const m = memo.last;
    if (m && m.names === names && m.slots === slots && sameKey(m, key)) return m.j;
  }
  const j = judged(n);
  const { reasons, fit } = a.columns;
  const hosts = a.columns.n;
  const unseen = unseenScorer(state, a.strategy);
  const scoreOf = (i: number, slot: number): number =>
    unseen ? unseen(names[i]) : Math.trunc((fit[slot] * MAX_EXTENDER_PRIORITY) / a.fitMax);
  // placer's own choice, as its batch engine makes it: the highest total, ties to the lowest slot
  const { total } = a.columns;
  let bestSlot = -1;
  const consider = choose
    ? (i: number, slot: number): void => {
        if (bestSlot < 0 || total[slot] > total[bestSlot] || (total[slot] === total[bestSlot] && slot < bestSlot)) {
          bestSlot = slot;
          j.chosen = i;
        }
      }
    : undefined;
  // consecutive failing hosts often fail alike (taint messages and failover refusals depend on the
  // host: looked up each time)
  let lastReasons = -1;
  let lastFailure: HostFailure | undefined;
  if (slots && bad.size === 0 && rejected === undefined) {
    // the common case in a tight loop: known list, admitted pod
    const { pass, score } = j;
    for (let i = 0; i < n; i++) {
      const slot = slots[i];
      if (slot >= 0 && slot < hosts && reasons[slot] === 0) {
        pass[i] = 1;
        score[i] = scoreOf(i, slot);
        consider?.(i, slot);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (j.pass[i]) continue;
    if (bad.size > 0) {
      const b = bad.get(names[i]);
      if (b !== undefined) {
        fail(j, i, `placer: ${b}`, false);
        continue;
      }
    }
    if (rejected !== undefined) {
      fail(j, i, rejected, false);
      continue;
    }
    const slot = slots ? slots[i] : engine.hostSlot(names[i]);
    if (slot < 0 || slot >= hosts) {
      fail(j, i, unknownHostMessage(names[i]), false);
      continue;
    }
    const r = reasons[slot];
    if (r === 0) {
      j.pass[i] = 1;
      j.score[i] = scoreOf(i, slot);
      consider?.(i, slot);
      continue;
    }
    let f = lastFailure;
    if (r !== lastReasons || (r & (R_TAINT | R_FAILOVER)) !== 0)
      f = engine.hostFailure(a.cls, slot, r, r === R_FAILOVER ? workloadKey({ t, j: 0 }) : undefined);
    lastReasons = r;
    lastFailure = f;
    let message = prefixedFailure.get(f!);
    if (message === undefined) prefixedFailure.set(f!, (message = `placer: ${f!.text}`));
    fail(j, i, message, f!.grade === 'Unschedulable');
  }
  if (memoize) memo.last = { ...key, names, slots, j };
  return j;
}
