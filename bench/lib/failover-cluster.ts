// The failover suite's cluster (issue 23), as engine model objects and as the manifests a real
// `placer serve` is given, from one generator: ten namespaces team-0..9 of which team-0..4 are
// protected against one host failure, and `perHost` Deployments of distinct shapes with replica r
// of Deployment d bound to host (r + d) mod H — so every host runs one replica of each.

import type { NamespacePolicyObj, WorkloadTemplate } from '../../model/types.js';
import { pod, policy } from '../../test/fixtures/model.js';
import { zonedHosts } from './model-hosts.js';

export const NAMESPACES = 10;

type Obj = Record<string, unknown>;

/** Deployment d's namespace and requests. */
function shape(d: number): { ns: string; cpu: string; memory: string } {
  return { ns: `team-${d % NAMESPACES}`, cpu: `${100 + ((d * 37) % 400)}m`, memory: `${256 + ((d * 53) % 1024)}Mi` };
}

/** team-0..4 protected against one host failure; team-5..9 not. */
export function policies(protect: boolean): NamespacePolicyObj[] {
  return protect ? Array.from({ length: NAMESPACES / 2 }, (_, i) => policy(`team-${i}`, { failover: { hosts: 1 } })) : [];
}

/** The workloads running on hosts `names`, as engine templates (bound). */
export function running(names: readonly string[], perHost: number): WorkloadTemplate[] {
  return Array.from({ length: perHost }, (_, d) => {
    const s = shape(d);
    const t = pod(`app-${d}`).ns(s.ns).req({ cpu: s.cpu, memory: s.memory }).replicas(names.length).obj();
    t.instances.forEach((inst, r) => (inst.boundHost = names[(r + d) % names.length]));
    return t;
  });
}

/** The hosts of zonedHosts(n) as v1.Node manifests. */
export function nodeManifests(n: number): Obj[] {
  return zonedHosts(n).map((h) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: h.name, labels: Object.fromEntries(h.labels) },
    // the model keeps cpu in millicores, the rest in units
    status: { allocatable: Object.fromEntries([...h.allocatable].map(([k, v]) => [k, k === 'cpu' ? `${v}m` : String(v)])) },
  }));
}

/** The same workloads as running() as bound Pod manifests (spec.nodeName), in chunks of at most `chunk`. */
export function runningPods(names: readonly string[], perHost: number, chunk: number): Obj[][] {
  const chunks: Obj[][] = [[]];
  for (let d = 0; d < perHost; d++) {
    const s = shape(d);
    for (let r = 0; r < names.length; r++) {
      if (chunks[chunks.length - 1].length === chunk) chunks.push([]);
      chunks[chunks.length - 1].push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `app-${d}-${r}`, namespace: s.ns },
        spec: {
          nodeName: names[(r + d) % names.length],
          containers: [{ name: 'app', image: 'registry.example.com/app:1.0', resources: { requests: { cpu: s.cpu, memory: s.memory } } }],
        },
      });
    }
  }
  return chunks;
}

/** policies(true) as NamespacePolicy manifests. */
export function policyManifests(): Obj[] {
  return Array.from({ length: NAMESPACES / 2 }, (_, i) => ({
    apiVersion: 'placer.dev/v1alpha1',
    kind: 'NamespacePolicy',
    metadata: { name: 'ha', namespace: `team-${i}` },
    spec: { failover: { hostFailuresToTolerate: 1 } },
  }));
}
