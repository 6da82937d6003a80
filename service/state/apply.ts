// apply: upsert infrastructure objects and place workloads, as POST /v1/apply and --bootstrap do.
// Every instance is one of three: already held by placer (shown as existing), already running on
// a host (bound as it is), or to place; placement may preempt, and what it evicts leaves the store
// in the same commit. The answer is the CLI's PlacementResult; what could not be placed is
// pending (pending.ts), written in the same commit, and retried when a change may help (retry.ts).

import type { EvictionReport, Outcome } from '../../core-wasm/src/engine.js';
import { InputError } from '../../model/errors.js';
import type { ClusterInput, ParsedInput, WorkloadTemplate } from '../../model/types.js';
import { manifestWarnings, parseManifests, resolveInput, type Manifest } from '../manifests/index.js';
import { checkOnePolicyPerNamespace } from '../manifests/policy.js';
import { checkSingleGlobalDefault } from '../manifests/priority.js';
import { buildResult, type PlacementResult } from '../placement/result.js';
import type { StateCore } from './core.js';
import { conflict, refuseUnknownKinds } from './errors.js';
import { heldOf, type Held } from './held.js';
import { entriesOf, syncEngine, type InfraEntry, type InfraTable } from './infra.js';
import { shapeOf } from './shapes.js';
import { storedPending, type PendingWorkload } from './pending.js';
import type { ObjectKey, StoredPlacement } from './store.js';

export interface ApplyOutcome {
  result: PlacementResult;
  /** Workload instances placed by this call / not placed / already held or already running. */
  placed: number;
  unplaced: number;
  existing: number;
}

const wkey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** One template's instances: where placer holds them, and which to bind as running or to place (indexes). */
interface Split {
  t: WorkloadTemplate;
  heldHost: (string | null)[];
  bind: number[];
  place: number[];
}

const subset = (t: WorkloadTemplate, idx: number[]): WorkloadTemplate => ({ ...t, instances: idx.map((j) => t.instances[j]) });

export interface ApplyOptions {
  /** Answer what would happen and change nothing: no store write, the engine and the pending list as they were. */
  dryRun?: boolean;
  /** fieldValidation=Strict: objects of a kind nobody defines are refused (400), not warned about. */
  strict?: boolean;
  /** This request's packing effort (`?packingEffort=`) instead of the engine's default. */
  packingEffort?: number;
}

/** Carries a dry run's answer out of core.transact, whose undo then puts the engine back as it was. */
class DryRunRollback extends Error {
  constructor(readonly outcome: ApplyOutcome) {
    super('dry run');
  }
}

/**
 * Upsert the infrastructure objects of `manifests` and place their workloads. Everything is
 * validated before anything changes; on any error nothing has changed. A dry run goes the same
 * way up to the commit, answers what the commit would have made, and is undone like a failure:
 * the store is never written, and every engine change is reverted by its undo (a host the dry run
 * added leaves an absent, empty slot, as after a failed apply; it returns to that slot, so no
 * decision depends on it). test/service/dry-run.test.ts holds the ledger to this.
 */
export function applyManifests(core: StateCore, manifests: readonly Manifest[], opts: ApplyOptions = {}): ApplyOutcome {
  try {
    return applyOrRollBack(core, manifests, opts);
  } catch (err) {
    if (err instanceof DryRunRollback) return err.outcome;
    throw err;
  }
}

function applyOrRollBack(core: StateCore, manifests: readonly Manifest[], opts: ApplyOptions): ApplyOutcome {
  const dryRun = opts.dryRun === true;
  const parsed = parseManifests(manifests);
  const found = manifestWarnings(manifests, parsed.ignored);
  if (opts.strict) refuseUnknownKinds(found);
  const warnings = found.map((w) => w.text);
  // what the request changes, and the infrastructure with it: validated as one
  const changed = entriesOf(parsed, manifests).filter((e) => core.infra.get(e.kind, e.namespace, e.name)?.manifest !== e.manifest);
  const input = resolveMerged(core, core.infra.with({ changed }), parsed);
  for (const t of input.workloads) core.dropIgnored(t);
  const splits = splitInstances(core, input);

  return core.transact((undo) => {
    const e = core.engine;
    syncEngine(e, core.infra, { changed }, undo);
    const toBind = splits.filter((s) => s.bind.length > 0).map((s) => subset(s.t, s.bind));
    for (const t of toBind) {
      t.instances.forEach((inst) => {
        e.bind(t, t.instances.indexOf(inst), inst.boundHost!);
        undo.push(() => e.release(t.kind, t.namespace, inst.name));
      });
    }
    if (changed.some((c) => c.kind === 'NamespacePolicy' || c.kind === 'Node') || toBind.length > 0) e.checkReservations();

    const placing = splits.filter((s) => s.place.length > 0);
    const { outcomes, evictions: evicted } = e.place(
      placing.map((s) => subset(s.t, s.place)),
      opts.packingEffort === undefined ? {} : { packingEffort: opts.packingEffort },
    );
    // Preemption may have evicted workloads placer held: they leave the store with this commit,
    // and come back if anything below fails.
    for (const ev of evicted) undo.push(() => e.bind(ev.template, ev.instance, ev.host));
    const placedHost = new Map<Split, (string | null)[]>();
    placing.forEach((s, k) => {
      const o = outcomes[k];
      placedHost.set(s, o.hosts);
      o.hosts.forEach((host, n) => {
        if (host !== null) undo.push(() => e.release(s.t.kind, s.t.namespace, s.t.instances[s.place[n]].name));
      });
    });
    const failures = new Map(placing.map((s, k) => [s, outcomes[k].failure]));
    const out = answer(core, splits, placedHost, failures, evicted, warnings);
    if (dryRun) throw new DryRunRollback(out);
    // the desired state: what stays pending is written with the placements, before the answer
    const pending = pendingOf(
      core,
      out.result,
      splits.map((s) => s.t),
      evicted,
    );
    commit(core, changed, splits, placedHost, evicted, pending);
    return out;
  });
}

/** The request's workloads resolved against the infrastructure as it would be, checked as a whole. */
function resolveMerged(core: StateCore, merged: InfraTable, parsed: ParsedInput): ClusterInput {
  const mergedParsed: ParsedInput = {
    hosts: merged.models('Node'),
    quotas: merged.models('ResourceQuota'),
    policies: merged.models('NamespacePolicy'),
    priorityClasses: merged.models('PriorityClass'),
    vmClasses: merged.models('VirtualMachineClass'),
    pdbs: merged.models('PodDisruptionBudget'),
    namespaces: merged.models('Namespace'),
    workloads: parsed.workloads,
    vms: parsed.vms,
    ignored: [],
  };
  checkOnePolicyPerNamespace(mergedParsed.policies);
  checkSingleGlobalDefault(mergedParsed.priorityClasses);
  return resolveInput(mergedParsed, { cpuMhzPerCore: core.opts.cpuMhzPerCore });
}

/** Split every instance: already held by placer, already running (bind), or to place. */
function splitInstances(core: StateCore, input: ClusterInput): Split[] {
  const hostNames = new Set(input.hosts.map((h) => h.name));
  return input.workloads.map((t) => {
    const s: Split = { t, heldHost: t.instances.map(() => null), bind: [], place: [] };
    t.instances.forEach((inst, j) => {
      const h = core.held.get(t.kind, t.namespace, inst.name);
      if (h) {
        if (inst.boundHost !== undefined && inst.boundHost !== h.host) {
          throw conflict(
            `${t.kind} ${t.namespace}/${inst.name} runs on host ${h.host} according to placer, not on ${inst.boundHost}; release it first`,
            { kind: t.kind, name: inst.name },
          );
        }
        s.heldHost[j] = h.host;
      } else if (inst.boundHost !== undefined) {
        if (!hostNames.has(inst.boundHost)) {
          const field = t.kind === 'Pod' ? 'spec.nodeName' : 'status.nodeName';
          throw new InputError(
            t.source,
            field,
            `host ${JSON.stringify(inst.boundHost)} is not among the hosts`,
            `${t.kind} ${t.namespace}/${inst.name}`,
          );
        }
        s.bind.push(j);
      } else s.place.push(j);
    });
    return s;
  });
}

/** The store in one transaction — the objects, the new placements, the evicted ones gone — and then the tables. */
function commit(
  core: StateCore,
  changed: readonly InfraEntry[],
  splits: readonly Split[],
  placedHost: ReadonlyMap<Split, (string | null)[]>,
  evicted: readonly EvictionReport[],
  pending: PendingChange,
): void {
  const evictedNow = new Set(evicted.map((ev) => wkey(ev.template.kind, ev.template.namespace, ev.template.instances[ev.instance].name)));
  const newHeld: Held[] = [];
  for (const s of splits) {
    if (s.bind.length === 0 && s.place.length === 0) continue;
    const shape = shapeOf(s.t, core.engine.compile(s.t).priority);
    const hold = (j: number, host: string, origin: 'existing' | 'apply') => {
      const inst = s.t.instances[j];
      newHeld.push(heldOf(s.t, inst.name, inst.uid ?? null, host, origin, shape));
    };
    for (const j of s.bind) {
      // A running workload this very request's preemption evicted is not held any more.
      if (evictedNow.has(wkey(s.t.kind, s.t.namespace, s.t.instances[j].name))) continue;
      hold(j, s.t.instances[j].boundHost!, 'existing');
    }
    placedHost.get(s)?.forEach((host, n) => host !== null && hold(s.place[n], host, 'apply'));
  }
  const evictedKeys = evicted.map((ev) => ({
    kind: ev.template.kind,
    namespace: ev.template.namespace,
    name: ev.template.instances[ev.instance].name,
  }));
  core.store.commit({
    putObjects: changed.map((c) => ({ kind: c.kind, namespace: c.namespace, name: c.name, manifest: c.manifest })),
    putPlacements: newHeld.map((h): StoredPlacement => ({ ...h })),
    deletePlacements: evictedKeys,
    putPending: pending.record.map(storedPending),
    deletePending: pending.forget,
  });

  // committed: the in-memory indexes follow
  core.infra.update({ changed });
  for (const k of evictedKeys) {
    const h = core.held.get(k.kind, k.namespace, k.name);
    if (h) core.untrack(h);
  }
  for (const h of newHeld) core.track(h);
  // what the changed infrastructure may help is tried again (before this request's own pending
  // join the list: they were just tried against it)
  markHelped(core, changed);
  for (const k of pending.forget) core.pending.forget(k.kind, k.namespace, k.name);
  for (const p of pending.record) core.pending.record(p);
}

/**
 * Mark the pending workloads an infrastructure change may help: a ResourceQuota's own namespace;
 * anything else (hosts, reservations, policies, priority classes, budgets) every namespace.
 */
function markHelped(core: StateCore, changed: readonly InfraEntry[]): void {
  if (changed.length === 0) return;
  if (changed.every((c) => c.kind === 'ResourceQuota')) for (const ns of new Set(changed.map((c) => c.namespace))) core.pending.mark(ns);
  else core.pending.mark();
}

/** The answer: every instance of the request where it is now, and the workloads held before that preemption evicted (unplaced). */
function answer(
  core: StateCore,
  splits: readonly Split[],
  placedHost: ReadonlyMap<Split, (string | null)[]>,
  failures: ReadonlyMap<Split, Outcome['failure']>,
  evicted: readonly EvictionReport[],
  warnings: string[],
): ApplyOutcome {
  let placed = 0;
  let unplaced = 0;
  let existing = 0;
  const evictedBy = new Map(
    evicted.map((ev) => [wkey(ev.template.kind, ev.template.namespace, ev.template.instances[ev.instance].name), ev.by]),
  );
  const display: Outcome[] = splits.map((s) => {
    const hosts: (string | null)[] = s.t.instances.map((inst, j) => s.heldHost[j] ?? inst.boundHost ?? null);
    const placedFlags = s.t.instances.map(() => false);
    const ph = placedHost.get(s);
    s.place.forEach((j, n) => {
      hosts[j] = ph?.[n] ?? null;
      placedFlags[j] = hosts[j] !== null;
      if (hosts[j] !== null) placed++;
      else unplaced++;
    });
    existing += s.t.instances.length - s.place.length;
    // Preemption evicted some of what this request brought (running workloads): unplaced now.
    const preemptedBy = s.t.instances.map((inst) => evictedBy.get(wkey(s.t.kind, s.t.namespace, inst.name)) ?? null);
    preemptedBy.forEach((by, j) => {
      if (by === null) return;
      hosts[j] = null;
      evictedBy.delete(wkey(s.t.kind, s.t.namespace, s.t.instances[j].name));
    });
    const instances = s.t.instances.map((inst, j) => (s.heldHost[j] !== null ? { ...inst, boundHost: s.heldHost[j]! } : inst));
    return { template: { ...s.t, instances }, hosts, placed: placedFlags, failure: failures.get(s) ?? null, preemptedBy };
  });
  const result = buildResult(core.engine, display, core.opts.strategy);
  // Workloads placer held from earlier requests and evicted now are reported too.
  for (const ev of evicted) {
    const t = ev.template;
    const name = t.instances[ev.instance].name;
    if (!evictedBy.has(wkey(t.kind, t.namespace, name))) continue;
    result.unplaced.push({ namespace: t.namespace, kind: t.kind, name, reason: `preempted by ${ev.by}`, grade: 'Unschedulable' });
  }
  result.summary.unplaced = result.unplaced.length;
  if (warnings.length > 0) result.warnings = warnings;
  return { result, placed, unplaced: unplaced + evicted.length, existing };
}

/** What an apply changes in the pending list: what it placed is forgotten, what it could not place recorded. */
interface PendingChange {
  forget: ObjectKey[];
  record: PendingWorkload[];
}

/** The pending list follows every apply: what it could not place is recorded, what it placed forgotten. */
function pendingOf(
  core: StateCore,
  result: PlacementResult,
  templates: readonly WorkloadTemplate[],
  evicted: readonly EvictionReport[],
): PendingChange {
  const forget: ObjectKey[] = [];
  for (const p of result.placements)
    if (core.pending.get(p.kind, p.namespace, p.name)) forget.push({ kind: p.kind, namespace: p.namespace, name: p.name });
  const record: PendingWorkload[] = [];
  if (result.unplaced.length === 0) return { forget, record };
  const where = new Map<string, { t: WorkloadTemplate; j: number }>();
  for (const t of templates) t.instances.forEach((inst, j) => where.set(wkey(t.kind, t.namespace, inst.name), { t, j }));
  for (const ev of evicted)
    where.set(wkey(ev.template.kind, ev.template.namespace, ev.template.instances[ev.instance].name), { t: ev.template, j: ev.instance });
  const shapes = new Map<WorkloadTemplate, { shape: string; priority: number }>();
  const now = new Date().toISOString();
  for (const u of result.unplaced) {
    const w = where.get(wkey(u.kind, u.namespace, u.name));
    if (!w) continue;
    let s = shapes.get(w.t);
    if (!s) {
      const priority = core.engine.compile(w.t).priority;
      s = { shape: shapeOf(w.t, priority), priority };
      shapes.set(w.t, s);
    }
    const before = core.pending.get(u.kind, u.namespace, u.name);
    record.push({
      namespace: u.namespace,
      kind: u.kind,
      name: u.name,
      owner: u.owner ?? null,
      uid: w.t.instances[w.j].uid ?? null,
      reason: u.reason,
      grade: u.grade,
      since: before?.since ?? now,
      lastAttempt: now,
      attempts: (before?.attempts ?? 0) + 1,
      template: w.t,
      instance: w.j,
      shape: s.shape,
      priority: s.priority,
    });
  }
  return { forget, record };
}
