// Pod controllers (Deployment, ReplicaSet, StatefulSet, Job) expanded into the pods they would
// create, named the way the real controllers name them:
//
//   Deployment web   → ReplicaSet web-<pod-template-hash> → pods web-<hash>-<5 chars>
//   ReplicaSet web-x → pods web-x-<5 chars>
//   StatefulSet db   → pods db-0, db-1, ... (from spec.ordinals.start)
//   Job batch        → pods batch-<5 chars>; Indexed: batch-<index>-<5 chars>
//
// Kubernetes draws the 5 characters at random and hashes the template with spew; we hash with
// FNV-32a (templates: canonical JSON; pods: generateName + index) and render with the same safe
// alphabet, so the same input always gives the same names.
//
// Pods already in the input that belong to a controller (ownerReferences; for Deployments also
// the ReplicaSet name `<deploy>-<hash>` / the `pod-template-hash` label; for Jobs the job-name
// label) count toward its replicas, so a `kubectl get all -o json` dump is not counted twice.
// ReplicaSets owned by a Deployment in the input are not expanded on their own. The controllers
// come read (controller-record.ts); ownership.ts says which one a pod belongs to.
//
// Every replica carries the template's inter-pod affinity and topology spread terms, with
// matchLabelKeys / mismatchLabelKeys merged against the labels the replica gets (for a
// Deployment, the template's labels plus pod-template-hash), as the API server merges them when
// the controller creates the pod. Labels other controllers add pod by pod (a StatefulSet pod's
// name, a Job's completion index) are not part of the template, so they are not merged.

import type { WorkloadInstance, WorkloadTemplate } from '../../model/types.js';
import { POD_TEMPLATE_HASH, type ControllerRecord } from './controller-record.js';
import { childPath } from './fields.js';
import type { ObjectReader } from './meta.js';
import { generateNames, MAX_GENERATED_NAME_LENGTH, templateHash } from './names.js';
import { setOrigin } from './origin.js';
import { Ownership } from './ownership.js';
import { constraintsFor, isTerminal, POD_GROUP_LABEL, shapeKey, type PodRecord, type PodShape } from './pod.js';

const JOB_INDEX_LABEL = 'batch.kubernetes.io/job-completion-index';

function instanceOf(p: PodRecord): WorkloadInstance {
  return { name: p.name, ...(p.uid !== undefined && { uid: p.uid }), ...(p.nodeName !== undefined && { boundHost: p.nodeName }) };
}

/** Job: podGenerateNameWithIndex keeps `-<index>-` when cutting the name to 58 characters. */
function jobIndexBase(job: string, index: number): string {
  const append = `-${index}-`;
  const base = job + append;
  return base.length > MAX_GENERATED_NAME_LENGTH ? job.slice(0, MAX_GENERATED_NAME_LENGTH - append.length) + append : base;
}

function podIndex(p: PodRecord): number | undefined {
  const v = p.labels.get(JOB_INDEX_LABEL);
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

interface Expansion {
  /** New pod names to create. */
  names: string[];
  /** Labels the controller adds to its pods' template. */
  extraLabels?: Map<string, string>;
}

function expandDeployment(d: ControllerRecord, active: number, ownedSets: ControllerRecord[], taken: Set<string>): Expansion {
  // reuse the name of an existing ReplicaSet with the same template, as the controller would
  const same = ownedSets.find((rs) => rs.templateJson === d.templateJson);
  const hash = same
    ? (same.shape.labels.get(POD_TEMPLATE_HASH) ?? same.name.slice(d.name.length + 1))
    : templateHash(d.templateJson, d.collisionCount);
  const rsName = same?.name ?? `${d.name}-${hash}`;
  const count = Math.max(0, d.replicas - active);
  return {
    names: generateNames(`${rsName}-`, count, taken, (i) => `${rsName}/${i}`),
    extraLabels: new Map([[POD_TEMPLATE_HASH, hash]]),
  };
}

function expandStatefulSet(s: ControllerRecord, taken: Set<string>): Expansion {
  const names: string[] = [];
  for (let ord = s.ordinalsStart; ord < s.ordinalsStart + s.replicas; ord++) {
    const name = `${s.name}-${ord}`;
    if (!taken.has(name)) {
      taken.add(name);
      names.push(name);
    }
  }
  return { names };
}

function expandJob(j: ControllerRecord, activePods: PodRecord[], succeededPods: PodRecord[], taken: Set<string>): Expansion {
  const spec = j.job!;
  if (spec.inactive) return { names: [] };
  const active = activePods.length;
  if (spec.indexed) {
    const completions = spec.completions!;
    const done = new Set(spec.completedIndexes);
    for (const p of succeededPods) {
      const i = podIndex(p);
      if (i !== undefined) done.add(i);
    }
    const running = new Set(activePods.map(podIndex).filter((i): i is number => i !== undefined));
    const want = Math.max(0, Math.min(spec.parallelism, completions - done.size) - active);
    const names: string[] = [];
    for (let idx = 0; idx < completions && names.length < want; idx++) {
      if (done.has(idx) || running.has(idx)) continue;
      const base = jobIndexBase(j.name, idx);
      names.push(...generateNames(base, 1, taken, () => base));
    }
    return { names };
  }
  const succeeded = Math.max(spec.statusSucceeded, succeededPods.length);
  const wantActive =
    spec.completions === undefined
      ? succeeded > 0
        ? active
        : spec.parallelism // work queue: once one succeeds, no new pods
      : Math.max(0, Math.min(spec.completions - succeeded, spec.parallelism));
  const count = Math.max(0, wantActive - active);
  return { names: generateNames(`${j.name}-`, count, taken, (i) => `${j.name}/${i}`) };
}

function newTemplate(
  shape: PodShape,
  namespace: string,
  owner: string | undefined,
  r: ObjectReader,
  specPath: string,
  labels = shape.labels,
): WorkloadTemplate {
  const metadataPath = specPath === 'spec' ? 'metadata' : `${specPath.slice(0, -'.spec'.length)}.metadata`;
  const t: WorkloadTemplate = {
    kind: 'Pod',
    namespace,
    ...(owner !== undefined && { owner }),
    instances: [],
    ...shape,
    labels,
    source: r.source,
  };
  return setOrigin(t, {
    object: r.label,
    fields: {
      priorityClassName: `${specPath}.priorityClassName`,
      priority: `${specPath}.priority`,
      podGroupLabel: childPath(`${metadataPath}.labels`, POD_GROUP_LABEL),
    },
  });
}

/**
 * Pods and controllers → WorkloadTemplates, in input order. Identical pods of one owner share a
 * template; a controller's new replicas join the template of its existing pods when the shapes
 * are equal. Terminal pods are not placed (Jobs count their Succeeded pods as completions).
 */
export function expandWorkloads(pods: readonly PodRecord[], controllers: readonly ControllerRecord[]): WorkloadTemplate[] {
  const own = new Ownership(controllers);
  const taken = new Map<string, Set<string>>();
  const takenIn = (ns: string): Set<string> => {
    let s = taken.get(ns);
    if (!s) taken.set(ns, (s = new Set()));
    return s;
  };
  for (const p of pods) takenIn(p.namespace).add(p.name);

  const podsOf = new Map<ControllerRecord, PodRecord[]>();
  const claimed = new Set<PodRecord>();
  for (const p of pods) {
    const c = own.controllerOfPod(p);
    if (!c) continue;
    claimed.add(p);
    const list = podsOf.get(c) ?? [];
    list.push(p);
    podsOf.set(c, list);
  }
  const setsOf = new Map<ControllerRecord, ControllerRecord[]>();
  for (const [rs, d] of own.parentOf) {
    if (!setsOf.has(d)) setsOf.set(d, []);
    setsOf.get(d)!.push(rs);
  }

  // templates by (namespace, owner, shape), in order of first appearance
  const groups = new Map<string, WorkloadTemplate>();
  const groupFor = (groupKey: string, make: () => WorkloadTemplate): WorkloadTemplate => {
    let t = groups.get(groupKey);
    if (!t) groups.set(groupKey, (t = make()));
    return t;
  };
  const addOwnedPod = (p: PodRecord, owner: string): void => {
    groupFor(`${p.namespace}\u0000${owner}\u0000${shapeKey(p.shape)}`, () =>
      newTemplate(p.shape, p.namespace, owner, p.reader, 'spec'),
    ).instances.push(instanceOf(p));
  };

  type Entry = { order: number; pod?: PodRecord; ctrl?: ControllerRecord };
  const entries: Entry[] = [...pods.map((pod) => ({ order: pod.order, pod })), ...controllers.map((ctrl) => ({ order: ctrl.order, ctrl }))];
  entries.sort((a, b) => a.order - b.order);

  for (const e of entries) {
    if (e.pod) {
      const p = e.pod;
      if (claimed.has(p) || isTerminal(p)) continue;
      if (p.owner) addOwnedPod(p, `${p.owner.kind}/${p.owner.name}`);
      else groupFor(`\u0001${p.order}`, () => newTemplate(p.shape, p.namespace, undefined, p.reader, 'spec')).instances.push(instanceOf(p));
      continue;
    }
    const c = e.ctrl!;
    if (own.parentOf.has(c)) continue; // expanded by its Deployment
    const owner = `${c.kind}/${c.name}`;
    const mine = podsOf.get(c) ?? [];
    const active = mine.filter((p) => !isTerminal(p));
    const taken = takenIn(c.namespace);
    const exp =
      c.kind === 'Deployment'
        ? expandDeployment(c, active.length, setsOf.get(c) ?? [], taken)
        : c.kind === 'StatefulSet'
          ? expandStatefulSet(c, taken)
          : c.kind === 'Job'
            ? expandJob(
                c,
                active,
                mine.filter((p) => p.phase === 'Succeeded'),
                taken,
              )
            : { names: generateNames(`${c.name}-`, Math.max(0, c.replicas - active.length), taken, (i) => `${c.name}/${i}`) };
    const labels = exp.extraLabels ? new Map([...c.shape.labels, ...exp.extraLabels]) : c.shape.labels;
    const shape: PodShape = exp.extraLabels ? { ...c.shape, labels, ...constraintsFor(c.constraints, labels) } : c.shape;
    const group = groupFor(`${c.namespace}\u0000${owner}\u0000${shapeKey(shape)}`, () =>
      newTemplate(shape, c.namespace, owner, c.reader, 'spec.template.spec', labels),
    );
    for (const p of active) addOwnedPod(p, owner);
    for (const name of exp.names) group.instances.push({ name });
  }
  return [...groups.values()].filter((t) => t.instances.length > 0);
}
