// Judging a pod against the nodes of an extender request: filter and score every node in request
// order from the engine's columns (one assessment per pod, no call into the backend per node),
// with the messages kube-scheduler shows for the nodes that fail, and whether preemption could
// help them (FailedNodes) or not (FailedAndUnresolvableNodes).

import { R_TAINT } from '../../../core-wasm/src/contract.js';
import type { HostFailure } from '../../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../../model/types.js';
import type { PlacerState } from '../../state/state.js';
import { type Judged, judged } from './extender-wire.js';

/** The highest prioritize score (kube-scheduler's MaxExtenderPriority). */
const MAX_EXTENDER_PRIORITY = 10;

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

/**
 * The last judgement over a known list. kube-scheduler calls prioritize right after filter for the
 * same pod and list: while the pod's template, the list's host slots and the engine's assessment
 * (same engine, class and backend version: nothing changed since) are the same, so is the judgement.
 */
export interface JudgedMemo {
  last: {
    t: WorkloadTemplate;
    names: readonly string[];
    slots: Int32Array;
    engine: object;
    epoch: number;
    cls: number;
    version: number;
    rejected: string | undefined;
    j: Judged;
  } | null;
}

/** Filter + score every node of the request for one pod, in request order. */
export function judge(
  state: PlacerState,
  t: WorkloadTemplate,
  names: readonly string[],
  slots: Int32Array | null,
  bad: ReadonlyMap<string, string>,
  memo?: JudgedMemo,
): Judged {
  const n = names.length;
  const inst = t.instances[0];
  const held = state.heldPod(t.namespace, inst.name);
  if (held && (held.uid === null || inst.uid === undefined || held.uid === inst.uid)) {
    // already bound by placer (a retry after bind): only its host fits
    const j = judged(n);
    const message = `placer: pod ${t.namespace}/${inst.name} is already bound to host ${held.host}`;
    for (let i = 0; i < n; i++) {
      if (names[i] === held.host) {
        j.pass[i] = 1;
        j.score[i] = MAX_EXTENDER_PRIORITY;
      } else fail(j, i, message, false);
    }
    return j;
  }
  const engine = state.engine;
  // The columns are views over the engine's memory: nothing below calls into the backend.
  const a = engine.assessColumns(t);
  const rejected = a.rejected === undefined ? undefined : `placer: ${a.rejected}`;
  const memoize = memo !== undefined && slots !== null && bad.size === 0;
  if (memoize) {
    const m = memo.last;
    if (
      m &&
      m.t === t &&
      m.names === names &&
      m.slots === slots &&
      m.engine === engine &&
      m.epoch === engine.hostsEpoch &&
      m.cls === a.cls &&
      m.version === a.version &&
      m.rejected === rejected
    )
      return m.j;
  }
  const j = judged(n);
  const { reasons, fit } = a.columns;
  const hosts = a.columns.n;
  // consecutive failing hosts often fail alike (taint messages depend on the host: looked up each time)
  let lastReasons = -1;
  let lastFailure: HostFailure | undefined;
  if (slots && bad.size === 0 && rejected === undefined) {
    // the common case in a tight loop: known list, admitted pod
    const { pass, score } = j;
    for (let i = 0; i < n; i++) {
      const slot = slots[i];
      if (slot >= 0 && slot < hosts && reasons[slot] === 0) {
        pass[i] = 1;
        score[i] = Math.trunc((fit[slot] * MAX_EXTENDER_PRIORITY) / a.fitMax);
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
      j.score[i] = Math.trunc((fit[slot] * MAX_EXTENDER_PRIORITY) / a.fitMax);
      continue;
    }
    let f = lastFailure;
    if (r !== lastReasons || (r & R_TAINT) !== 0) f = engine.hostFailure(a.cls, slot, r);
    lastReasons = r;
    lastFailure = f;
    let message = prefixedFailure.get(f!);
    if (message === undefined) prefixedFailure.set(f!, (message = `placer: ${f!.text}`));
    fail(j, i, message, f!.grade === 'Unschedulable');
  }
  if (memoize) memo.last = { t, names, slots, engine, epoch: engine.hostsEpoch, cls: a.cls, version: a.version, rejected, j };
  return j;
}
