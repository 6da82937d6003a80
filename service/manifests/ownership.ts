// Which controller in the input a pod belongs to, so that existing pods count toward their
// controller's replicas: owner references first, then the names and labels controllers give
// their pods (a ReplicaSet named `<deploy>-<pod-template-hash>`, the job-name label, a
// StatefulSet pod's own-name label). ReplicaSets owned by a Deployment in the input are
// attributed to it, so a `kubectl get all -o json` dump is counted once.

import { POD_TEMPLATE_HASH, type ControllerRecord } from './controller-record.js';
import type { OwnerRef } from './meta.js';
import type { PodRecord } from './pod.js';

const JOB_NAME_LABELS = ['batch.kubernetes.io/job-name', 'job-name'];
const STS_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

const key = (kind: string, ns: string, name: string): string => `${kind}\u0000${ns}\u0000${name}`;
const uidMatches = (ref: OwnerRef, c: ControllerRecord): boolean => !ref.uid || !c.uid || ref.uid === c.uid;

export class Ownership {
  private readonly byKey = new Map<string, ControllerRecord>();
  /** ReplicaSet → the Deployment in the input that owns it. */
  readonly parentOf = new Map<ControllerRecord, ControllerRecord>();

  constructor(controllers: readonly ControllerRecord[]) {
    for (const c of controllers) this.byKey.set(key(c.kind, c.namespace, c.name), c);
    for (const c of controllers) {
      if (c.kind !== 'ReplicaSet') continue;
      const d = this.deploymentOfReplicaSet(c.namespace, c.name, c.owner, c.shape.labels.get(POD_TEMPLATE_HASH));
      if (d) this.parentOf.set(c, d);
    }
  }

  get(kind: string, ns: string, name: string): ControllerRecord | undefined {
    return this.byKey.get(key(kind, ns, name));
  }

  /** The Deployment owning ReplicaSet `rsName`: by owner reference, else by the `<deploy>-<hash>` name. */
  private deploymentOfReplicaSet(
    ns: string,
    rsName: string,
    ref: OwnerRef | undefined,
    hash: string | undefined,
  ): ControllerRecord | undefined {
    if (ref) {
      if (ref.kind !== 'Deployment') return undefined;
      const d = this.get('Deployment', ns, ref.name);
      return d && uidMatches(ref, d) ? d : undefined;
    }
    if (hash && rsName.endsWith(`-${hash}`)) return this.get('Deployment', ns, rsName.slice(0, -hash.length - 1));
    return undefined;
  }

  /** The controller in the input that a pod counts toward (a Deployment rather than its ReplicaSet). */
  controllerOfPod(p: PodRecord): ControllerRecord | undefined {
    const ns = p.namespace;
    const ref = p.owner;
    if (ref) {
      if (ref.kind === 'ReplicaSet') {
        const rs = this.get('ReplicaSet', ns, ref.name);
        if (rs) return uidMatches(ref, rs) ? (this.parentOf.get(rs) ?? rs) : undefined;
        // the ReplicaSet is not in the input, its Deployment may be
        const hash = p.labels.get(POD_TEMPLATE_HASH);
        const cut = hash && ref.name.endsWith(`-${hash}`) ? ref.name.length - hash.length - 1 : ref.name.lastIndexOf('-');
        return cut > 0 ? this.get('Deployment', ns, ref.name.slice(0, cut)) : undefined;
      }
      const c = this.get(ref.kind, ns, ref.name);
      return c && c.kind !== 'ReplicaSet' && uidMatches(ref, c) ? c : undefined;
    }
    // no owner reference: the labels controllers put on their pods
    const hash = p.labels.get(POD_TEMPLATE_HASH);
    if (hash) {
      const at = p.name.lastIndexOf(`-${hash}-`);
      if (at > 0) return this.get('Deployment', ns, p.name.slice(0, at));
    }
    for (const l of JOB_NAME_LABELS) {
      const j = p.labels.get(l);
      if (j) return this.get('Job', ns, j);
    }
    if (p.labels.get(STS_POD_NAME_LABEL) === p.name) {
      const m = /^(.*)-\d+$/.exec(p.name);
      if (m) return this.get('StatefulSet', ns, m[1]!);
    }
    return undefined;
  }
}
