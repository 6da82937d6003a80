// The native API's changes over the state: releasing a placement, removing a host, a quota or a
// namespace policy, cordoning, and the moves (docs/operations.md) — drain, rebalance, namespace
// moves, consolidation — planned by the engine and, unless it is a dry run, executed: the engine
// moves the placements, and the store records every move (and a drain's cordons) in one transaction.

import type { ConsolidateOptions, PlanReport } from '../../core-wasm/src/engine.js';
import type { HostObj } from '../../model/types.js';
import { parseSelectorString } from '../manifests/labels.js';
import { type PlanDoc, namespaceUsageDoc, planDoc } from '../placement/plans.js';
import type { StateCore } from './core.js';
import { badRequest, conflict, notFound, StateRefusal } from './errors.js';
import type { Held } from './held.js';
import type { PendingWorkload } from './pending.js';
import { syncEngine, type InfraEntry } from './infra.js';
import { knowsNamespace, unknownNamespace } from './inspect.js';
import { withUnschedulable } from './manifest-text.js';

/** The host's entry; NotFound when placer has no such host. */
function requireHost(core: StateCore, name: string): InfraEntry {
  const e = core.infra.host(name);
  if (!e) throw notFound(`host ${JSON.stringify(name)} not found`, { name, kind: 'hosts' });
  return e;
}

/** Release a workload placer holds; NotFound when it holds none. What it frees is offered to the pending ones. */
export function release(core: StateCore, kind: string, namespace: string, name: string): Held {
  const h = core.held.get(kind, namespace, name);
  if (!h) {
    if (!knowsNamespace(core, namespace)) throw unknownNamespace(namespace);
    throw notFound(`${kind} ${namespace}/${name} not found: placer does not hold it`, { name, kind });
  }
  core.store.commit({ deletePlacements: [{ kind, namespace, name }] });
  core.engine.release(kind, namespace, name);
  core.untrack(h);
  core.pending.mark();
  return h;
}

/**
 * Remove a workload: release it when placer holds it, withdraw the request when it is pending
 * (it is never tried again). NotFound when it is neither.
 */
export function remove(core: StateCore, kind: string, namespace: string, name: string): { held: Held } | { withdrawn: PendingWorkload } {
  const p = core.pending.get(kind, namespace, name);
  if (!p || core.held.get(kind, namespace, name)) return { held: release(core, kind, namespace, name) };
  core.store.commit({ deletePending: [{ kind, namespace, name }] });
  core.pending.forget(kind, namespace, name);
  return { withdrawn: p };
}

/** Remove a host that holds nothing; NotFound / Conflict otherwise. */
export function removeHost(core: StateCore, name: string): void {
  const entry = requireHost(core, name);
  const n = core.held.heldOn(name);
  if (n > 0) throw conflict(`host ${name} holds ${n} workload(s); release or move them before removing the host`, { name, kind: 'hosts' });
  const change = { removed: [entry] };
  core.transact((undo) => {
    syncEngine(core.engine, core.infra, change, undo);
    core.store.commit({ deleteObjects: [{ kind: 'Node', namespace: '', name }] });
  });
  core.infra.update(change);
}

/**
 * Delete a namespace's ResourceQuota or NamespacePolicy (a namespace torn down after its CI run):
 * gone from the store and the engine in one step; its placements stay. A namespace nothing names
 * any more — no quota, policy or placed workload — is freed from the engine (core-wasm/src/catalog.ts).
 * What the quota or reservation held back is offered to the pending workloads.
 */
export function removeObject(core: StateCore, kind: 'ResourceQuota' | 'NamespacePolicy', namespace: string, name: string): void {
  const entry = core.infra.get(kind, namespace, name);
  if (!entry) throw notFound(`${kind} ${namespace}/${name} not found`, { name, kind });
  const change = { removed: [entry] };
  core.transact((undo) => {
    syncEngine(core.engine, core.infra, change, undo);
    core.store.commit({ deleteObjects: [{ kind, namespace, name }] });
  });
  core.infra.update(change);
  core.pending.mark();
}

/** Cordon or uncordon a host (spec.unschedulable), kept in the store. */
export function setUnschedulable(core: StateCore, name: string, on: boolean): void {
  const e = requireHost(core, name);
  const manifest = withUnschedulable(e.manifest, name, on);
  if (manifest === e.manifest) return;
  const change = { changed: [{ ...e, manifest, model: { ...(e.model as HostObj), unschedulable: on } }] };
  core.transact((undo) => {
    syncEngine(core.engine, core.infra, change, undo);
    core.store.commit({ putObjects: [{ kind: 'Node', namespace: '', name, manifest }] });
    core.infra.update(change);
  });
  if (!on) core.pending.mark();
}

/**
 * Drain hosts (maintenance mode): the move plan; unless `dryRun`, executed — the placements move
 * and the Nodes are cordoned in one store transaction. A plan that leaves something behind
 * executes only with `allowPartial`; otherwise it is a 409 Conflict and nothing changes.
 */
export function drain(core: StateCore, hosts: readonly string[], dryRun: boolean, allowPartial: boolean): PlanDoc {
  if (hosts.length === 0) throw badRequest('no host to drain: name at least one');
  for (const h of hosts) requireHost(core, h);
  const report = core.engine.drain(hosts, { execute: !dryRun, allowPartial });
  settle(core, report, dryRun, `draining ${hosts.join(', ')}`, hosts);
  return planDoc('DrainPlan', report, dryRun, { hosts: [...hosts] });
}

/** Rebalance: at most `maxMoves` moves lowering the imbalance of `resource` (default: cpu or memory, the scarcer). */
export function rebalance(core: StateCore, dryRun: boolean, maxMoves: number, resource?: string): PlanDoc {
  const dims = core.engine.dimensionNames();
  if (resource !== undefined && !dims.includes(resource)) {
    throw badRequest(`unknown resource ${JSON.stringify(resource)}: the hosts have ${dims.join(', ')}`);
  }
  const report = core.engine.rebalance({ execute: !dryRun, maxMoves, ...(resource !== undefined && { resource }) });
  settle(core, report, dryRun, 'rebalancing', []);
  return planDoc('RebalancePlan', report, dryRun);
}

/** Move a namespace onto the hosts matching a selector (kubectl -l syntax), all or nothing. */
export function moveNamespace(core: StateCore, namespace: string, selector: string, dryRun: boolean): PlanDoc {
  if (!knowsNamespace(core, namespace)) throw unknownNamespace(namespace);
  let requirements;
  try {
    requirements = parseSelectorString(selector);
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  const report = core.engine.moveNamespace(namespace, requirements, { execute: !dryRun });
  settle(core, report, dryRun, `moving namespace ${namespace}`, []);
  return planDoc('NamespaceMovePlan', report, dryRun, { namespace, selector, usage: namespaceUsageDoc(core.engine, namespace, report) });
}

/**
 * Consolidate: the moves that free the most hosts; unless `dryRun`, executed — the placements move
 * and the standby hosts are cordoned in one store transaction. Pinned workloads stay by design: a
 * plan that names them still executes.
 */
export function consolidate(core: StateCore, opts: Omit<ConsolidateOptions, 'execute'>, dryRun: boolean): PlanDoc {
  for (const ns of opts.excludeNamespaces ?? []) {
    if (knowsNamespace(core, ns)) continue;
    const message = `namespace ${JSON.stringify(ns)} not found: placer holds nothing in it, so there is nothing to exclude (a typo would let the namespace meant move)`;
    throw new StateRefusal('BadRequest', `excludeNamespaces: ${message}`, {
      causes: [{ reason: 'FieldValueNotFound', message, field: 'excludeNamespaces' }],
    });
  }
  const report = core.engine.consolidate({ ...opts, execute: !dryRun });
  settle(core, report, dryRun, 'consolidating', report.executed ? report.standby : []);
  return planDoc('ConsolidatePlan', report, dryRun);
}

/** Record an executed plan in the store (or refuse one that could not execute); `cordoned`: the hosts it cordons. */
function settle(core: StateCore, report: PlanReport, dryRun: boolean, what: string, cordoned: readonly string[]): void {
  if (!dryRun && !report.executed && report.unmovable.length > 0) {
    throw conflict(
      `${what} would leave ${report.unmovable.length} workload(s) where they are; nothing was changed (a drain executes partially only with allowPartial=true)`,
      {
        causes: report.unmovable.map((u) => ({
          reason: 'Unmovable',
          message: u.reason,
          field: `${u.template.kind} ${u.template.namespace}/${u.template.instances[u.instance].name}`,
        })),
      },
    );
  }
  if (!report.executed) return;
  core.transact((undo) => {
    undo.push(report.undo!);
    const moved = report.moves.map((m) => {
      const before = core.held.get(m.template.kind, m.template.namespace, m.template.instances[m.instance].name);
      if (!before)
        throw new Error(
          `placer state: the engine moved ${m.template.kind} ${m.template.namespace}/${m.template.instances[m.instance].name}, which the service does not hold`,
        );
      return { before, after: { ...before, host: m.to } };
    });
    // the engine cordoned them already: the store and the table follow
    const nodes = cordoned.map((name) => {
      const e = core.infra.host(name)!;
      return { ...e, manifest: withUnschedulable(e.manifest, name, true), model: core.engine.hostObj(name)! };
    });
    core.store.commit({
      // a move is a delete and an insert in one transaction (the store never upserts a placement)
      deletePlacements: moved.map((m) => ({ kind: m.before.kind, namespace: m.before.namespace, name: m.before.name })),
      putPlacements: moved.map((m) => ({ ...m.after })),
      putObjects: nodes.map((n) => ({ kind: n.kind, namespace: n.namespace, name: n.name, manifest: n.manifest })),
    });
    for (const m of moved) {
      core.untrack(m.before);
      core.track(m.after);
    }
    core.infra.update({ changed: nodes });
  });
  // a move frees room where it left (a pending workload's anti-affinity or spread may allow it now)
  if (report.moves.length > 0) core.pending.mark();
}
