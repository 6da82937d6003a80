// Kubernetes manifests of a batch plan: the NodeList, ResourceQuotas, NamespacePolicies,
// Deployments, bare Pods, VirtualMachines and their classes — what a user would feed
// `placer place` or POST to /v1/apply. Written as JSON `List` files (any mix is accepted).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchPlan, HostSpec, RequestSpec, VmClass, WorkItem } from './generators.js';

type Obj = Record<string, unknown>;

const cpuQ = (m: number) => (m % 1000 === 0 ? String(m / 1000) : `${m}m`);
const bytesQ = (b: number) => String(b);

export function nodeObject(h: HostSpec): Obj {
  const alloc: Record<string, string> = {
    cpu: cpuQ(h.cpu),
    memory: bytesQ(h.memory),
    pods: String(h.pods),
    'ephemeral-storage': '1900000000000',
    ...(h.gpu > 0 && { 'nvidia.com/gpu': String(h.gpu) }),
    ...Object.fromEntries(Object.entries(h.extra ?? {}).map(([k, v]) => [k, String(v)])),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: h.name, labels: h.labels },
    spec: { ...(h.taints.length > 0 && { taints: h.taints }), ...(h.unschedulable && { unschedulable: true }) },
    status: { capacity: alloc, allocatable: alloc },
  };
}

export function nodeList(hosts: readonly HostSpec[]): Obj {
  return { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: '1' }, items: hosts.map(nodeObject) };
}

function resources(r: RequestSpec): Obj {
  return {
    requests: { cpu: cpuQ(r.cpu), memory: bytesQ(r.memory), ...(r.gpu > 0 && { 'nvidia.com/gpu': String(r.gpu) }) },
    ...(r.gpu > 0 && { limits: { 'nvidia.com/gpu': String(r.gpu) } }),
  };
}

export function podSpec(r: RequestSpec, gpu = false): Obj {
  return {
    containers: [{ name: 'app', image: 'registry.example.com/app:1.0', resources: resources(r) }],
    ...(gpu && { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] }),
  };
}

export function deployment(ns: string, name: string, it: WorkItem): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas: it.count,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: podSpec(it.req, it.gpu) },
    },
  };
}

export function pod(ns: string, name: string, r: RequestSpec): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app: name } }, spec: podSpec(r) };
}

export function vmClass(ns: string, c: VmClass): Obj {
  return {
    apiVersion: 'vmoperator.vmware.com/v1alpha3',
    kind: 'VirtualMachineClass',
    metadata: { name: c.name, namespace: ns },
    spec: { hardware: { cpus: c.cpus, memory: bytesQ(c.memory) } },
  };
}

export function vm(ns: string, name: string, className: string): Obj {
  return {
    apiVersion: 'vmoperator.vmware.com/v1alpha3',
    kind: 'VirtualMachine',
    metadata: { name, namespace: ns },
    spec: { className, imageName: 'ubuntu-24.04', powerState: 'PoweredOn' },
  };
}

export function quota(ns: string, q: BatchPlan['quotas'][number]): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'compute', namespace: ns },
    spec: {
      hard: {
        'requests.cpu': cpuQ(q.cpu),
        'requests.memory': bytesQ(q.memory),
        pods: String(q.pods),
        'count/virtualmachines.vmoperator.vmware.com': String(q.vms),
      },
    },
  };
}

export function namespacePolicy(ns: string, r: BatchPlan['reservations'][number]): Obj {
  return {
    apiVersion: 'placer.dev/v1alpha1',
    kind: 'NamespacePolicy',
    metadata: { name: 'policy', namespace: ns },
    spec: { reservation: { cpu: cpuQ(r.cpu), memory: bytesQ(r.memory) } },
  };
}

export const list = (items: Obj[]): Obj => ({ apiVersion: 'v1', kind: 'List', items });

/**
 * Namespace objects of a plan: quota, policy, VM classes, then its workloads. Items with more
 * than one instance become Deployments (pods) or that many VirtualMachines; single items become
 * bare Pods / one VM.
 */
export function namespaceObjects(plan: BatchPlan, ns: number, from = 0, to = plan.items.length): Obj[] {
  const name = plan.namespaces[ns];
  const out: Obj[] = [];
  if (from === 0) {
    out.push(quota(name, plan.quotas[ns]));
    const r = plan.reservations.find((x) => x.ns === ns);
    if (r) out.push(namespacePolicy(name, r));
    const classes = new Map<string, VmClass>();
    for (const it of plan.items) if (it.ns === ns && it.vmClass) classes.set(it.vmClass.name, it.vmClass);
    for (const c of classes.values()) out.push(vmClass(name, c));
  }
  for (let i = from; i < to; i++) {
    const it = plan.items[i];
    if (it.ns !== ns) continue;
    const base = `w${String(i).padStart(7, '0')}`;
    if (it.req.kind === 'VirtualMachine') {
      for (let k = 0; k < it.count; k++) out.push(vm(name, it.count === 1 ? base : `${base}-${k}`, it.vmClass!.name));
    } else if (it.count === 1) out.push(pod(name, base, it.req));
    else out.push(deployment(name, base, it));
  }
  return out;
}

/** Write a plan as manifests under `dir`: nodes.json and one ns-<name>.json per namespace. */
export function writePlan(dir: string, plan: BatchPlan): { files: number; bytes: number } {
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  const write = (file: string, o: Obj) => {
    const text = JSON.stringify(o);
    bytes += text.length;
    writeFileSync(join(dir, file), text);
  };
  write('nodes.json', nodeList(plan.hosts));
  plan.namespaces.forEach((name, ns) => write(`ns-${name}.json`, list(namespaceObjects(plan, ns))));
  return { files: plan.namespaces.length + 1, bytes };
}
