// An independent checker at the level of Kubernetes objects: given the resolved input and a
// PlacementResult, recompute usage from scratch and verify every promise — each workload appears
// exactly once, no host is overcommitted by what placer placed, no quota exceeded, the reservation
// invariant holds, taints / node selectors / required affinity (with namespace policy defaults)
// are satisfied. A test oracle: it re-implements those rules on purpose and shares no code with
// the engine.

import type { ClusterInput, HostObj, NodeSelectorRequirement, WorkloadTemplate } from '../../model/types.js';
import type { PlanDoc } from '../../service/placement/plans.js';
import type { PlacementResult } from '../../service/placement/result.js';

function matches(h: HostObj, r: NodeSelectorRequirement, field = false): boolean {
  const v = field ? h.name : h.labels.get(r.key);
  switch (r.operator) {
    case 'In':
      return v !== undefined && r.values.includes(v);
    case 'NotIn':
      return v === undefined || !r.values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt':
      if (v === undefined || !/^[+-]?\d+$/.test(v)) return false;
      return r.operator === 'Gt' ? BigInt(v) > BigInt(r.values[0]) : BigInt(v) < BigInt(r.values[0]);
  }
}

export function checkResult(input: ClusterInput, result: PlacementResult): void {
  const fail = (m: string): never => {
    throw new Error(`model checker: ${m}`);
  };
  const byKey = new Map<string, WorkloadTemplate>();
  let total = 0;
  for (const t of input.workloads) {
    for (const i of t.instances) {
      byKey.set(`${t.kind}/${t.namespace}/${i.name}`, t);
      total++;
    }
  }
  const seen = new Set<string>();
  for (const e of [...result.placements, ...result.unplaced]) {
    const k = `${e.kind}/${e.namespace}/${e.name}`;
    if (!byKey.has(k)) fail(`unknown workload ${k}`);
    if (seen.has(k)) fail(`workload ${k} reported twice`);
    seen.add(k);
  }
  if (seen.size !== total) fail(`${total} workloads in, ${seen.size} reported`);

  const hosts = new Map(input.hosts.map((h) => [h.name, h]));
  const policies = new Map(input.policies.map((p) => [p.namespace, p]));
  const used = new Map<string, Map<string, bigint>>();
  const nsUsed = new Map<string, Map<string, bigint>>();
  const add = (m: Map<string, Map<string, bigint>>, k: string, r: string, v: bigint) => {
    const row = m.get(k) ?? new Map<string, bigint>();
    row.set(r, (row.get(r) ?? 0n) + v);
    m.set(k, row);
  };
  const charge = (t: WorkloadTemplate, hostName: string) => {
    for (const [r, v] of t.requests) {
      add(used, hostName, r, v);
      add(nsUsed, t.namespace, r, v);
    }
    add(used, hostName, 'pods', 1n);
    add(nsUsed, t.namespace, 'pods', 1n);
  };
  const freshHosts = new Map<string, Set<string>>(); // host → resources charged by fresh placements
  for (const p of result.placements) {
    const t = byKey.get(`${p.kind}/${p.namespace}/${p.name}`)!;
    const h = hosts.get(p.host) ?? fail(`placed on unknown host ${p.host}`);
    charge(t, p.host);
    if (p.existing) continue;
    const res = freshHosts.get(p.host) ?? new Set(['pods']);
    for (const [r, v] of t.requests) if (v > 0n) res.add(r);
    freshHosts.set(p.host, res);
    // Hard constraints, with the namespace policy's defaults merged in.
    const pol = policies.get(t.namespace);
    const tolerations = [...t.tolerations, ...(pol?.placement.tolerations ?? [])];
    const tolerated = (key: string, value: string, effect: string) =>
      tolerations.some(
        (tol) =>
          (tol.effect === '' || tol.effect === effect) &&
          (tol.key === '' || tol.key === key) &&
          (tol.operator === 'Exists' || tol.value === value),
      );
    if (h.unschedulable && !tolerated('node.kubernetes.io/unschedulable', '', 'NoSchedule')) fail(`${p.name} placed on cordoned ${h.name}`);
    for (const taint of h.taints)
      if (taint.effect !== 'PreferNoSchedule' && !tolerated(taint.key, taint.value, taint.effect))
        fail(`${p.name} placed on ${h.name} despite taint ${taint.key}`);
    const selector = new Map([...t.nodeSelector, ...(pol?.placement.nodeSelector ?? [])]);
    for (const [k, v] of selector) if (h.labels.get(k) !== v) fail(`${p.name} on ${h.name}: nodeSelector ${k}=${v} not met`);
    if (
      t.requiredAffinity &&
      !t.requiredAffinity.some(
        (term) =>
          term.matchExpressions.length + term.matchFields.length > 0 &&
          term.matchExpressions.every((r) => matches(h, r)) &&
          term.matchFields.every((r) => matches(h, r, true)),
      )
    ) {
      fail(`${p.name} on ${h.name}: required node affinity not met`);
    }
  }
  for (const [name, resources] of freshHosts) {
    const h = hosts.get(name)!;
    for (const r of resources) {
      const alloc = h.allocatable.get(r) ?? (r === 'pods' ? 110n : 0n);
      const u = used.get(name)?.get(r) ?? 0n;
      if (u > alloc) fail(`host ${name} overcommitted in ${r}: ${u} > ${alloc}`);
    }
  }
  // Quotas (unscoped, as in the examples): every tracked key within hard.
  for (const q of input.quotas) {
    if (q.scopes.length || q.scopeSelector.length) continue;
    const ns = q.namespace;
    for (const [key, hard] of q.hard) {
      let u = 0n;
      for (const p of result.placements) {
        if (p.namespace !== ns) continue;
        const t = byKey.get(`${p.kind}/${p.namespace}/${p.name}`)!;
        if (key === 'pods' || key === 'count/pods') u += t.kind === 'Pod' ? 1n : 0n;
        else if (key === 'count/virtualmachines.vmoperator.vmware.com') u += t.kind === 'VirtualMachine' ? 1n : 0n;
        else if (key.startsWith('requests.')) u += t.requests.get(key.slice(9)) ?? 0n;
        else if (key.startsWith('limits.')) u += t.limits.get(key.slice(7)) ?? 0n;
        else if (['cpu', 'memory', 'ephemeral-storage'].includes(key)) u += t.requests.get(key) ?? 0n;
      }
      if (u > hard) fail(`quota ${ns}/${q.name} ${key}: ${u} > ${hard}`);
    }
  }
  // Reservation invariant: F ≥ Σ_n max(0, R_n − used_n) in every reserved resource.
  const resources = new Set(input.policies.flatMap((p) => [...p.reservation.keys()]));
  for (const r of resources) {
    let free = 0n;
    for (const h of input.hosts) {
      if (h.unschedulable) continue;
      const f = (h.allocatable.get(r) ?? 0n) - (used.get(h.name)?.get(r) ?? 0n);
      if (f > 0n) free += f;
    }
    let unused = 0n;
    for (const p of input.policies) {
      const u = (p.reservation.get(r) ?? 0n) - (nsUsed.get(p.namespace)?.get(r) ?? 0n);
      if (u > 0n) unused += u;
    }
    if (free < unused) fail(`reservation invariant broken in ${r}: free ${free} < unused reservations ${unused}`);
  }
}

/**
 * The cluster a plan leaves: the placement with the plan's moves applied (moved workloads count as
 * placed by placer, so the checker checks them).
 */
export function applyPlan(base: PlacementResult, plan: PlanDoc): PlacementResult {
  const to = new Map(plan.moves.map((m) => [`${m.kind}/${m.namespace}/${m.name}`, m.to]));
  return {
    ...base,
    placements: base.placements.map((p) => {
      const t = to.get(`${p.kind}/${p.namespace}/${p.name}`);
      if (t === undefined) return p;
      const { existing: _, ...moved } = p;
      return { ...moved, host: t };
    }),
  };
}

/** The input with `hosts` cordoned (what a drain or a consolidation's standby leaves). */
export const cordoned = (input: ClusterInput, hosts: readonly string[]): ClusterInput => ({
  ...input,
  hosts: input.hosts.map((h) => (hosts.includes(h.name) ? { ...h, unschedulable: true } : h)),
});
