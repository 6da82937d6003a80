// The tests' hands on the real cluster: create objects from the fixtures' builders (their
// namespace first), change them as users and controllers do (merge patches; the status
// subresource for a pod's phase), delete them at once (no kubelet here finishes a graceful deletion).

import type { ControlPlane } from './controlplane.js';
import type { Kube, Obj } from './kube.js';
import { collectionOf, createNode, pathOf, type NodeSpec } from './objects.js';

export class Cluster {
  private readonly namespaces = new Set<string>(['default', 'kube-system', 'placer-system']);
  readonly k: Kube;

  constructor(readonly cp: ControlPlane) {
    this.k = cp.admin;
  }

  async namespace(name: string): Promise<void> {
    if (this.namespaces.has(name)) return;
    const r = await this.k.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    if (r.code !== 201 && r.code !== 409) throw new Error(`creating namespace ${name}: ${r.code} ${JSON.stringify(r.body)}`);
    this.namespaces.add(name);
  }

  /** Create a fixture's object (its namespace first); the API server's copy, with its uid. */
  async create(o: Obj): Promise<Obj> {
    const md = o.metadata as Obj;
    if (typeof md.namespace === 'string') await this.namespace(md.namespace);
    const created = await this.k.create(collectionOf(String(o.apiVersion), String(o.kind), md.namespace as string | undefined), o);
    // a pod's status is the kubelet's: set it through the status subresource, as one would
    const phase = (o.status as Obj | undefined)?.phase;
    if (o.kind === 'Pod' && typeof phase === 'string') return this.podPhase(created, phase);
    return created;
  }

  node(name: string, s: NodeSpec = {}): Promise<Obj> {
    return createNode(this.k, name, s);
  }

  /** A JSON merge patch of the object `o` names. */
  patch(o: Obj, patch: Obj): Promise<Obj> {
    return this.k.patch(pathOf(o), patch);
  }

  podPhase(pod: Obj, phase: string): Promise<Obj> {
    return this.k.patch(`${pathOf(pod)}/status`, { status: { phase } });
  }

  /** Delete at once (grace period 0). */
  remove(o: Obj): Promise<void> {
    return this.k.remove(pathOf(o));
  }
}
