// Reads over the state, for the native API, the web console and Kubernetes mode: the placements
// placer holds, the namespaces it knows, and explain — where a workload would go now and why every
// other host is rejected. Nothing here changes the state.

import type { Explanation } from '../../core-wasm/src/engine.js';
import { InputError } from '../../model/errors.js';
import type { SourceRef, WorkloadTemplate } from '../../model/types.js';
import { manifestWarnings, parseManifests, resolveInput, type Manifest } from '../manifests/index.js';
import type { CapacityReportDoc } from '../placement/api-types.js';
import { capacityDoc, shapeTemplate } from '../placement/capacity.js';
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
 * The workloads of `manifests`, resolved against the applied VirtualMachineClasses and
 * PriorityClasses, for a question that places nothing (explain, capacity). Workloads only: an
 * infrastructure object is 422 — answering against hosts or quotas that are not applied would
 * answer another question.
 */
export function workloadsOf(
  core: StateCore,
  manifests: readonly Manifest[],
  question: string,
  strict = false,
): { workloads: WorkloadTemplate[]; warnings: string[] } {
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
      `${e.kind} is infrastructure: ${question} takes workloads (Pod, Deployment, ReplicaSet, StatefulSet, Job, VirtualMachine); apply infrastructure with POST /v1/apply`,
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
      `there is no workload to ${question}: send a Pod, Deployment, ReplicaSet, StatefulSet, Job or VirtualMachine`,
    );
  return { workloads: input.workloads, warnings };
}

export interface Explained {
  items: { template: WorkloadTemplate; name: string; explanation: Explanation }[];
  /** What the manifests held and explain did not use (service/manifests/warnings.ts). */
  warnings: string[];
}

/**
 * Where each workload of `manifests` would go now, and why every other host is rejected — the
 * CLI's --explain, against the service's cluster. Nothing changes.
 */
export function explain(core: StateCore, manifests: readonly Manifest[], strict = false): Explained {
  const { workloads, warnings } = workloadsOf(core, manifests, 'explain', strict);
  // The first instance placer does not hold: the one the next placement would be about.
  const items = workloads.map((t) => {
    const j = Math.max(
      0,
      t.instances.findIndex((inst) => !core.held.has(t.kind, t.namespace, inst.name)),
    );
    return { template: t, name: t.instances[j].name, explanation: core.engine.explain(t, j) };
  });
  return { items, warnings };
}

/** Every namespace placer holds objects or placements in, sorted. */
function allNamespaces(core: StateCore): string[] {
  const names = new Set(core.infra.namespaces());
  for (const n of core.engine.namespaceUsage()) if (listedNamespace(core, n.namespace)) names.add(n.namespace);
  return [...names].sort();
}

/** A capacity question: workload manifests, or a shape of requests in one namespace or every listed one. */
export interface CapacityQuestion {
  manifests?: readonly Manifest[];
  shape?: Record<string, string>;
  /** With a shape: the namespace (default `default`), or every namespace placer holds objects or placements in. */
  namespace?: string;
  allNamespaces?: boolean;
  zoneKey?: string;
  /** With manifests: refuse objects of kinds placer does not read (fieldValidation=Strict). */
  strict?: boolean;
}

/**
 * How many more replicas of each workload fit now (core-wasm/src/capacity.ts), against the
 * service's cluster, and what the manifests held that capacity did not use. Nothing changes.
 */
export function capacity(core: StateCore, q: CapacityQuestion): { report: CapacityReportDoc; warnings: string[] } {
  if (q.shape) {
    const namespaces = q.allNamespaces ? allNamespaces(core) : [q.namespace ?? 'default'];
    const templates = namespaces.map((ns) => shapeTemplate(q.shape!, ns));
    return { report: capacityDoc(core.engine, templates, q.shape, q.zoneKey), warnings: [] };
  }
  const { workloads, warnings } = workloadsOf(core, q.manifests ?? [], 'capacity', q.strict);
  return { report: capacityDoc(core.engine, workloads, q.shape, q.zoneKey), warnings };
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
