// Manifests → ParsedInput: dispatch by group and kind, reject duplicates, expand controllers and
// guest clusters, attach PodGroup gangs. Nothing is half-applied: the first bad object throws an
// InputError and no result is returned.

import { InputError } from '../../model/errors.js';
import type { ParsedInput } from '../../model/types.js';
import { readController, type ControllerRecord } from './controller-record.js';
import { expandWorkloads } from './controllers.js';
import { readPodDisruptionBudget } from './disruption.js';
import {
  expandGuestClusters,
  readCapiCluster,
  readKubeadmControlPlane,
  readMachineDeployment,
  readTanzuKubernetesCluster,
  readVSphereMachineTemplate,
  type GuestClusterInput,
} from './guestcluster.js';
import type { Manifest } from './load.js';
import { controllerOf, describeSource, knownKind, readObject, splitApiVersion, type ObjectReader } from './meta.js';
import { readNamespace } from './namespace.js';
import { readNode } from './node.js';
import { isTerminal, readPod, type PodRecord } from './pod.js';
import { assignPodGroups, readPodGroup, type PodGroupRecord } from './podgroup.js';
import { checkOnePolicyPerNamespace, readNamespacePolicy } from './policy.js';
import { checkSingleGlobalDefault, readPriorityClass } from './priority.js';
import { readResourceQuota } from './quota.js';
import { readVirtualMachine, readVirtualMachineClass } from './vm.js';

export function emptyParsedInput(): ParsedInput {
  return {
    hosts: [],
    quotas: [],
    policies: [],
    priorityClasses: [],
    vmClasses: [],
    pdbs: [],
    namespaces: [],
    workloads: [],
    vms: [],
    ignored: [],
  };
}

/** Same kind, namespace and name twice is an error naming both places. */
class DuplicateCheck {
  private readonly seen = new Map<string, ObjectReader>();

  check(r: ObjectReader): void {
    const id = `${splitApiVersion(r.apiVersion).group}\u0000${r.kind}\u0000${r.meta.namespace ?? ''}\u0000${r.meta.name}`;
    const first = this.seen.get(id);
    if (first) {
      throw new InputError(r.source, '', `duplicate object: ${r.label} is already defined in ${describeSource(first.source)}`, r.label);
    }
    this.seen.set(id, r);
  }
}

/** Why an object of a kind placer does not read is ignored (warnings.ts tells unknown kinds apart). */
export const UNREAD = 'placer does not read this kind';
const TERMINAL = 'Succeeded or Failed pods hold no capacity';

export function parseManifests(manifests: readonly Manifest[]): ParsedInput {
  const out = emptyParsedInput();
  const dups = new DuplicateCheck();
  const pods: PodRecord[] = [];
  const controllers: ControllerRecord[] = [];
  const podGroups: PodGroupRecord[] = [];
  const guests: GuestClusterInput = { tkcs: [], clusters: [], machineSets: [], templates: [] };
  manifests.forEach((m, order) => {
    const kind = knownKind(m);
    if (!kind) {
      out.ignored.push({ kind: m.kind, apiVersion: m.apiVersion, name: ignoredName(m), source: m.source, why: UNREAD });
      return;
    }
    const r = readObject(m, kind);
    dups.check(r);
    switch (kind) {
      case 'Node':
        out.hosts.push(readNode(r));
        break;
      case 'Pod': {
        const pod = readPod(r, order, controllerOf(r.meta));
        pods.push(pod);
        // kept for controller bookkeeping (a Job's Succeeded pods), but nothing to place
        if (isTerminal(pod))
          out.ignored.push({
            kind: 'Pod',
            apiVersion: m.apiVersion,
            name: `${pod.namespace}/${pod.name}`,
            source: m.source,
            why: TERMINAL,
          });
        break;
      }
      case 'Deployment':
      case 'ReplicaSet':
      case 'StatefulSet':
      case 'Job':
        controllers.push(readController(r, order));
        break;
      case 'ResourceQuota':
        out.quotas.push(readResourceQuota(r));
        break;
      case 'NamespacePolicy':
        out.policies.push(readNamespacePolicy(r));
        break;
      case 'PriorityClass':
        out.priorityClasses.push(readPriorityClass(r));
        break;
      case 'VirtualMachine':
        out.vms.push(readVirtualMachine(r));
        break;
      case 'VirtualMachineClass':
        out.vmClasses.push(readVirtualMachineClass(r));
        break;
      case 'Namespace':
        out.namespaces!.push(readNamespace(r));
        break;
      case 'PodDisruptionBudget':
        out.pdbs!.push(readPodDisruptionBudget(r));
        break;
      case 'PodGroup':
        podGroups.push(readPodGroup(r));
        break;
      case 'TanzuKubernetesCluster':
        guests.tkcs.push(readTanzuKubernetesCluster(r, order));
        break;
      case 'Cluster':
        guests.clusters.push(readCapiCluster(r, order));
        break;
      case 'KubeadmControlPlane':
        guests.machineSets.push(readKubeadmControlPlane(r));
        break;
      case 'MachineDeployment':
        guests.machineSets.push(readMachineDeployment(r));
        break;
      case 'VSphereMachineTemplate':
        guests.templates.push(readVSphereMachineTemplate(r));
        break;
    }
  });
  checkOnePolicyPerNamespace(out.policies);
  checkSingleGlobalDefault(out.priorityClasses);
  checkWorkloadCount(pods.length, controllers);
  out.workloads = expandWorkloads(pods, controllers);
  assignPodGroups(out.workloads, podGroups);
  const expanded = expandGuestClusters(guests, out.vms);
  out.vms.push(...expanded.vms);
  out.ignored.push(...expanded.ignored);
  return out;
}

/** The most pods one input may expand to: a replica count near int32's limit would exhaust memory, not place. */
export const MAX_WORKLOADS = 10_000_000;

/** Refuses, at the controller that crosses it, an input whose controllers would expand past MAX_WORKLOADS pods. */
function checkWorkloadCount(pods: number, controllers: readonly ControllerRecord[]): void {
  let total = pods;
  for (const c of controllers) {
    total += c.job ? c.job.parallelism : c.replicas;
    if (total <= MAX_WORKLOADS) continue;
    const field = c.job ? 'spec.parallelism' : 'spec.replicas';
    c.reader.root
      .get(field)
      .fail(
        `Invalid value: ${c.job ? c.job.parallelism : c.replicas}: the input would hold more than ${MAX_WORKLOADS.toLocaleString('en-US')} workloads, the most placer expands in one run`,
      );
  }
}

function ignoredName(m: Manifest): string {
  const md = m.obj.metadata as Record<string, unknown> | undefined;
  const name = typeof md?.name === 'string' ? md.name : typeof md?.generateName === 'string' ? md.generateName : '';
  const ns = typeof md?.namespace === 'string' && md.namespace ? md.namespace : undefined;
  return ns === undefined ? name : `${ns}/${name}`;
}
