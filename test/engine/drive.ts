// Drive a backend through a Scenario and collect everything observable, so two backends can be
// compared value for value.

import type { Backend, BatchResult, Failure, HostVerdict, Ledger } from '../../core-wasm/src/contract.js';
import type { Engine } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../model/types.js';
import type { Scenario } from './arbitraries.js';

export interface Observed {
  before: Ledger;
  evaluations: HostVerdict[][];
  /** evaluateColumns() per class, copied out of the backend's views. */
  columns: { reasons: number[]; fit: number[]; total: number[] }[];
  admissions: (Failure | null)[];
  batch: BatchResult;
  after: Ledger;
  afterRelease: Ledger;
}

export function setup(b: Backend, s: Scenario): void {
  b.configure(s.config);
  s.taints.forEach((t, id) => b.defineTaint(id, t.key, t.value, t.effect));
  s.labelNumbers.forEach((n, id) => id > 0 && b.defineLabelValue(id, n));
  s.hosts.forEach((h, slot) => {
    b.setHost(slot, h.alloc, h.unschedulable, h.taints);
    h.labels.forEach((v, col) => b.setHostLabel(slot, col, v));
  });
  for (const slot of s.removed) b.removeHost(slot);
  s.constraints.forEach((k, id) => b.defineConstraint(id, k));
  s.classes.forEach((c, id) => b.defineClass(id, c));
  b.setQuotas(s.entries, s.quotaCount);
  s.reservations.forEach((r, ns) => b.setReservation(ns, r));
  for (const [counter, slot, n] of s.backfill) b.addCounter(counter, slot, n);
  b.setPdbs(s.pdbDesired);
  for (const p of s.bound) if (!s.removed.includes(p.slot)) b.commit(p.cls, p.slot, p.count);
}

export function drive(b: Backend, s: Scenario): Observed {
  setup(b, s);
  const before = b.ledger(s.namespaces);
  const evaluations = s.classes.map((_, id) => b.evaluate(id));
  const columns = s.classes.map((_, id) => {
    const c = b.evaluateColumns(id);
    return {
      reasons: Array.from(c.reasons.subarray(0, c.n)),
      fit: Array.from(c.fit.subarray(0, c.n)),
      total: Array.from(c.total.subarray(0, c.n)),
    };
  });
  const admissions = s.classes.map((_, id) => b.admit(id));
  const batch = b.placeBatch(s.batch, s.gangs);
  const after = b.ledger(s.namespaces);
  // Release every instance the batch placed: the ledgers must return to `before`.
  let p = 0;
  for (const it of s.batch) {
    for (let j = 0; j < it.count; j++) if (batch.hostOf[p + j] >= 0) b.release(it.cls, batch.hostOf[p + j]);
    p += it.count;
  }
  // Workloads placed before the batch and evicted by it come back.
  for (const e of batch.evictions) if (e.instance < 0) b.commit(e.cls, e.slot);
  const afterRelease = b.ledger(s.namespaces);
  return { before, evaluations, columns, admissions, batch, after, afterRelease };
}

/** `count` workloads of class `cls` on host `slot` (a gang's batch members one by one). */
export interface Resident {
  cls: number;
  slot: number;
  count: number;
  gang?: number;
}

/** Set up the scenario and place its batch: the cluster to move workloads around in. */
export function populate(b: Backend, s: Scenario): { batch: BatchResult; residents: Resident[] } {
  setup(b, s);
  const batch = b.placeBatch(s.batch, s.gangs);
  const residents: Resident[] = s.bound.filter((p) => !s.removed.includes(p.slot)).map((p) => ({ ...p }));
  for (const e of batch.evictions) {
    if (e.instance >= 0) continue;
    const r = residents.find((x) => x.cls === e.cls && x.slot === e.slot && x.count > 0)!;
    r.count--;
  }
  let p = 0;
  for (const it of s.batch) {
    for (let k = 0; k < it.count; k++) {
      const slot = batch.hostOf[p + k];
      if (slot >= 0) residents.push({ cls: it.cls, slot, count: 1, ...(it.gang === undefined ? {} : { gang: it.gang }) });
    }
    p += it.count;
  }
  return { batch, residents: residents.filter((r) => r.count > 0) };
}

/** What the engine answers for each probe, host by host: rejection, reasons, fit and total scores. */
export function probeColumns(e: Engine, probes: readonly WorkloadTemplate[]) {
  return probes.map((p) => {
    const a = e.assessColumns(p);
    const n = a.columns.n;
    return {
      rejected: a.rejected,
      reasons: [...a.columns.reasons.slice(0, n)],
      fit: [...a.columns.fit.slice(0, n)],
      total: [...a.columns.total.slice(0, n)],
    };
  });
}
