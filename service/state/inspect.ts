// Reads over the state, for the native API, the web console and Kubernetes mode: the placements
// placer holds, the namespaces it knows, and explain — where a workload would go now and why every
// other host is rejected. Nothing here changes the state.

import type { Explanation } from '../../core-wasm/src/engine.js';
import { InputError } from '../../model/errors.js';
import type { SourceRef, WorkloadTemplate } from '../../model/types.js';
import { manifestWarnings, parseManifests, resolveInput, type Manifest } from '../manifests/index.js';
import type { StateCore } from './core.js';
import { conflict, notFound, refuseUnknownKinds, type StateRefusal } from './errors.js';
import type { Held } from './held.js';
import { entriesOf } from './infra.js';
import type { PendingWorkload } from './pending.js';

/** Whether placer knows the namespace: it held something there since start-up, or holds an object in it. */
export function knowsNamespace(core: StateCore, namespace: string): boolean {
  return core.held.seenNamespace(namespace) || core.infra.inNamespace(namespace);
}

/** The NotFound of a namespace placer does not know. */
export function unknownNamespace(namespace: string): StateRefusal {
  return notFound(`namespace ${JSON.stringify(namespace)} not found: placer holds nothing in it`, { name: namespace, kind: 'namespaces' });
}

/** Namespaces placer holds placements or objects in (what GET /v1/namespaces lists). */
export function listedNamespace(core: StateCore, namespace: string): boolean {
  return core.held.inNamespaceCount(namespace) > 0 || core.infra.inNamespace(namespace);
}

/** Every placement, sorted by namespace, kind, name; optionally one namespace's. */
export function placements(core: StateCore, namespace?: string): Held[] {
  const out: Held[] = [];
  for (const h of namespace === undefined ? core.held.values() : core.held.inNamespace(namespace)) out.push(h);
  return out.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.kind, b.kind) || cmp(a.name, b.name));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Where each workload of `manifests` would go now, and why every other host is rejected — the
 * CLI's --explain, against the service's cluster. Workloads only (an infrastructure object is
 * 422: explaining against hosts or quotas that are not applied would answer another question);
 * they resolve against the applied VirtualMachineClasses and PriorityClasses. Nothing changes.
 */
export interface Explained {
  items: { template: WorkloadTemplate; name: string; explanation: Explanation }[];
  /** What the manifests held and explain did not use (service/manifests/warnings.ts). */
  warnings: string[];
}

export function explain(core: StateCore, manifests: readonly Manifest[], strict = false): Explained {
  const parsed = parseManifests(manifests);
  const found = manifestWarnings(manifests, parsed.ignored);
  if (strict) refuseUnknownKinds(found);
  const warnings = found.map((w) => w.text);
  const infra = entriesOf(parsed, manifests);
  if (infra.length > 0) {
    const e = infra[0];
    const object = `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}`;
    throw new InputError(
      (e.model as { source?: SourceRef }).source,
      'kind',
      `${e.kind} is infrastructure: explain takes workloads (Pod, Deployment, ReplicaSet, StatefulSet, Job, VirtualMachine); apply infrastructure with POST /v1/apply`,
      object,
    );
  }
  const input = resolveInput(
    {
      hosts: [],
      quotas: [],
      policies: [],
      priorityClasses: core.infra.models('PriorityClass'),
      vmClasses: core.infra.models('VirtualMachineClass'),
      workloads: parsed.workloads,
      vms: parsed.vms,
      ignored: [],
    },
    { cpuMhzPerCore: core.opts.cpuMhzPerCore },
  );
  if (input.workloads.length === 0)
    throw new InputError(
      undefined,
      '',
      'there is no workload to explain: send a Pod, Deployment, ReplicaSet, StatefulSet, Job or VirtualMachine',
    );
  // The first instance placer does not hold: the one the next placement would be about.
  const items = input.workloads.map((t) => {
    const j = Math.max(
      0,
      t.instances.findIndex((inst) => !core.held.has(t.kind, t.namespace, inst.name)),
    );
    return { template: t, name: t.instances[j].name, explanation: core.engine.explain(t, j) };
  });
  return { items, warnings };
}

/** explain() for a pending workload, by name; NotFound when it is not pending, Conflict when placed. */
export function explainPending(
  core: StateCore,
  kind: string,
  namespace: string,
  name: string,
): { pending: PendingWorkload; explanation: Explanation } {
  const p = core.pending.get(kind, namespace, name);
  if (!p) {
    const h = core.held.get(kind, namespace, name);
    if (h)
      throw conflict(`${kind} ${namespace}/${name} is placed on host ${h.host}: explain answers for workloads that are pending`, {
        name,
        kind,
      });
    throw notFound(`${kind} ${namespace}/${name} is not pending: placer holds no failed placement of it`, { name, kind });
  }
  return { pending: p, explanation: core.engine.explain(p.template, p.instance) };
}
