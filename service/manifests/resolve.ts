// ParsedInput → ClusterInput: VirtualMachines (guest-cluster VMs included) become
// WorkloadTemplates through their class (the rule is documented at the top of vm.ts) and every
// PriorityClass reference is checked, as the Priority admission plugin does. The built-in
// system-* classes exist in every cluster and are added when the input does not declare them.
// PodDisruptionBudgets and Namespaces pass through.

import { InputError } from '../../model/errors.js';
import type { ClusterInput, ParsedInput, PriorityClassObj, VMClassObj, VMObj, WorkloadTemplate } from '../../model/types.js';
import { originOf } from './origin.js';
import { withBuiltInPriorityClasses } from './priority.js';
import { vmToWorkload } from './vm.js';

export interface ResolveOptions {
  /** Host core frequency, to turn VM reservations in MHz into millicores. */
  cpuMhzPerCore: number;
}

function classIndex(classes: readonly VMClassObj[]): (ns: string, name: string) => VMClassObj | undefined {
  const byKey = new Map<string, VMClassObj>();
  for (const c of classes) byKey.set(`${c.namespace ?? ''}\u0000${c.name}`, c);
  // the VM's namespace first, then cluster-scoped (v1alpha1) classes
  return (ns, name) => byKey.get(`${ns}\u0000${name}`) ?? byKey.get(`\u0000${name}`);
}

function resolveVm(vm: VMObj, find: ReturnType<typeof classIndex>, opts: ResolveOptions): WorkloadTemplate {
  const origin = originOf(vm);
  const object = origin?.object ?? `VirtualMachine ${vm.namespace}/${vm.name}`;
  const field = origin?.fields.className ?? 'spec.className';
  if (!vm.className) {
    if (vm.size.cpu === undefined || vm.size.memory === undefined) {
      throw new InputError(
        vm.source,
        field,
        'Required value: a VirtualMachineClass is required unless spec.resources.size.cpu and spec.resources.size.memory are both set',
        object,
      );
    }
    return vmToWorkload(vm, undefined, opts.cpuMhzPerCore);
  }
  const cls = find(vm.namespace, vm.className);
  if (!cls) {
    throw new InputError(
      vm.source,
      field,
      `no VirtualMachineClass with name ${vm.className} was found in namespace ${vm.namespace} or cluster-wide`,
      object,
    );
  }
  return vmToWorkload(vm, cls, opts.cpuMhzPerCore);
}

/**
 * One VirtualMachine against `classes` (Kubernetes mode resolves each VM as it changes).
 * undefined: the VM names a class that is not among them.
 */
export function resolveVirtualMachine(vm: VMObj, classes: readonly VMClassObj[], opts: ResolveOptions): WorkloadTemplate | undefined {
  const find = classIndex(classes);
  if (vm.className && !find(vm.namespace, vm.className)) return undefined;
  return resolveVm(vm, find, opts);
}

function checkPriority(t: WorkloadTemplate, classes: ReadonlyMap<string, PriorityClassObj>): void {
  if (t.priorityClassName === undefined) return;
  const origin = originOf(t);
  const object = origin?.object;
  const pc = classes.get(t.priorityClassName);
  if (!pc) {
    throw new InputError(
      t.source,
      origin?.fields.priorityClassName ?? 'spec.priorityClassName',
      `no PriorityClass with name ${t.priorityClassName} was found`,
      object,
    );
  }
  if (t.priority !== undefined && t.priority !== pc.value) {
    throw new InputError(
      t.source,
      origin?.fields.priority ?? 'spec.priority',
      `the integer value of priority (${t.priority}) must not be provided in pod spec; priority admission controller computed ${pc.value} from the given PriorityClass name`,
      object,
    );
  }
}

export function resolveInput(parsed: ParsedInput, opts: ResolveOptions): ClusterInput {
  if (!Number.isSafeInteger(opts.cpuMhzPerCore) || opts.cpuMhzPerCore <= 0) {
    throw new InputError(undefined, 'cpuMhzPerCore', `Invalid value: ${opts.cpuMhzPerCore}: must be a positive integer (MHz)`);
  }
  const priorityClasses = withBuiltInPriorityClasses(parsed.priorityClasses);
  const byName = new Map(priorityClasses.map((p) => [p.name, p]));

  const find = classIndex(parsed.vmClasses);
  const workloads = [...parsed.workloads, ...parsed.vms.map((vm) => resolveVm(vm, find, opts))];
  for (const t of workloads) checkPriority(t, byName);
  for (const p of parsed.policies) {
    const name = p.placement.priorityClassName;
    if (name !== undefined && !byName.has(name)) {
      throw new InputError(
        p.source,
        'spec.placement.priorityClassName',
        `no PriorityClass with name ${name} was found`,
        `NamespacePolicy ${p.namespace}/${p.name}`,
      );
    }
  }
  return {
    hosts: parsed.hosts,
    quotas: parsed.quotas,
    policies: parsed.policies,
    priorityClasses,
    vmClasses: parsed.vmClasses,
    pdbs: parsed.pdbs ?? [],
    namespaces: parsed.namespaces ?? [],
    workloads,
  };
}
