// vm-operator VirtualMachine and VirtualMachineClass (vmoperator.vmware.com v1alpha1..v1alpha6).
//
// ## How a VirtualMachine becomes a placement request
//
// The same rule is applied by the CLI, the native API and the scheduler extender.
//
// 1. Class. `spec.className` (or, when empty, `spec.class.name`, v1alpha5+) names a
//    VirtualMachineClass, looked up in the VM's namespace first, then among cluster-scoped
//    (v1alpha1) classes. A name that matches neither is an error at `spec.className`. A v1alpha6
//    VM may have no class when it gives both `spec.resources.size.cpu` and `.memory`.
// 2. Size (what the guest sees).
//      vCPUs  = spec.resources.size.cpu    ?? class spec.hardware.cpus
//      memory = spec.resources.size.memory ?? class spec.hardware.memory
//    (a class without `hardware` falls back to its `configSpec.numCPUs` / `configSpec.memoryMB`).
// 3. Requests — what the VM occupies on a host and charges to quota:
//      cpu    = VM spec.resources.requests.cpu, in MHz, converted to millicores as
//               ceil(MHz × 1000 / cpuMhzPerCore)
//               ?? class spec.policies.resources.requests.cpu (cores, e.g. 2000m = 2 cores)
//               ?? vCPUs × 1000m
//      memory = VM spec.resources.requests.memory ?? class spec.policies.resources.requests.memory
//               ?? memory size
//      nvidia.com/gpu = number of class spec.hardware.devices.vgpuDevices, when > 0
//    `pods` is not part of the request: the engine counts one workload slot per VM, as for a pod.
//    A class without reservation policies (a "best-effort" class) therefore reserves its whole
//    size: the host must be able to hold the VM at full size.
// 4. Limits = VM spec.resources.limits ?? class spec.policies.resources.limits ?? the size, per
//    resource (cpu limits in MHz are converted like requests; `-1`, "unlimited", falls through
//    to the next source). vGPUs appear in limits too, equal to the request.
// 5. nonZeroRequests = requests (a VM always has both); missingRequests/missingLimits are empty;
//    a VM is never BestEffort nor Terminating.
// 6. Placement. `status.nodeName` (v1alpha5+) or `status.host` (v1alpha1..4) means the VM already
//    runs on that host: it consumes capacity and quota there. Every power state counts: a
//    powered-off VM keeps its reservation in quota and its slot on the host.
// 7. Affinity. `spec.affinity` (v1alpha2+) becomes podAffinity / podAntiAffinity: the mapping is
//    documented in vmaffinity.ts. A VM has no node selector, tolerations or topology spread.

import { InputError } from '../../model/errors.js';
import type { VMClassObj, VMObj, WorkloadTemplate } from '../../model/types.js';
import type { Field } from './fields.js';
import { splitApiVersion, type ObjectReader } from './meta.js';
import { emptyInterPod } from './interpod.js';
import { originOf, setOrigin } from './origin.js';
import { milliValue, value, type Quantity } from '../../model/quantity.js';
import { readVMAffinity } from './vmaffinity.js';

const VERSION_ORDER = ['v1alpha1', 'v1alpha2', 'v1alpha3', 'v1alpha4', 'v1alpha5', 'v1alpha6'];
const versionIndex = (apiVersion: string): number => VERSION_ORDER.indexOf(splitApiVersion(apiVersion).version);

const POWER_STATES = ['PoweredOn', 'PoweredOff', 'Suspended'] as const;
const V1ALPHA1_POWER_STATES = ['poweredOn', 'poweredOff', 'suspended'] as const;

const MIB = 1024n * 1024n;
const MILLI_SUFFIX = /^-?[0-9]+(\.[0-9]+)?m$/;
const WHOLE_CPU_MESSAGE =
  "CPU must be a whole number without the 'm' (milli) suffix: use '4' for 4 vCPUs or '2000' for 2000 MHz, not '4000m' or '2000m'";

/** v1alpha6 CPU quantities are whole numbers (vCPUs or MHz); the CRD's CEL rule rejects `m`. */
function wholeCpu(f: Field): bigint | undefined {
  if (!f.isSet) return undefined;
  if (typeof f.value === 'string' && MILLI_SUFFIX.test(f.value.trim())) f.invalid(WHOLE_CPU_MESSAGE);
  return value(f.quantity());
}

function optBytes(f: Field): bigint | undefined {
  return f.isSet ? value(f.quantity()) : undefined;
}

/** A limit of -1 (or any negative value) means "no ceiling": dropped. */
const dropUnlimited = (v: bigint | undefined): bigint | undefined => (v !== undefined && v < 0n ? undefined : v);

export function readVirtualMachine(r: ObjectReader): VMObj {
  const spec = r.root.at('spec');
  const status = r.root.at('status');
  const v = versionIndex(r.apiVersion);
  const res = spec.at('resources');
  if (res.isSet && v < 5) res.fail('field not declared in schema (spec.resources is served from vmoperator.vmware.com/v1alpha6)');

  const size = res.at('size');
  const sizeCpu = wholeCpu(size.at('cpu'));
  if (sizeCpu !== undefined && sizeCpu <= 0n) size.at('cpu').invalid('must be greater than 0');
  const req = res.at('requests');
  const lim = res.at('limits');

  const classNameField = spec.at('className');
  let className = classNameField.optString() ?? '';
  let classField = 'spec.className';
  if (!className && v >= 4) {
    className = spec.get('class.name').optString() ?? '';
    if (className) classField = 'spec.class.name';
  }

  const psField = spec.at('powerState');
  let powerState: string | undefined;
  if (v === 0) {
    const ps = psField.optEnum(V1ALPHA1_POWER_STATES);
    powerState = ps && ps[0]!.toUpperCase() + ps.slice(1); // normalised to the v1alpha2+ spelling
  } else {
    powerState = psField.optEnum(POWER_STATES);
  }

  const primaryHost = v >= 4 ? 'nodeName' : 'host';
  const boundHost = status.at(primaryHost).optString() || status.at(primaryHost === 'host' ? 'nodeName' : 'host').optString() || undefined;
  const affinity = readVMAffinity(spec.at('affinity'), v >= 1);

  const vm: VMObj = {
    name: r.meta.name,
    namespace: r.meta.namespace!,
    ...(r.meta.uid !== undefined && { uid: r.meta.uid }),
    apiVersion: r.apiVersion,
    className,
    size: definedOnly({ cpu: sizeCpu, memory: optBytes(size.at('memory')) }),
    requestsMHz: definedOnly({ cpu: wholeCpu(req.at('cpu')), memory: optBytes(req.at('memory')) }),
    limitsMHz: definedOnly({ cpu: dropUnlimited(wholeCpu(lim.at('cpu'))), memory: dropUnlimited(optBytes(lim.at('memory'))) }),
    ...(boundHost !== undefined && { boundHost }),
    ...(powerState !== undefined && { powerState }),
    labels: r.meta.labels,
    ...affinity,
    source: r.source,
  };
  return setOrigin(vm, { object: r.label, fields: { className: classField } });
}

function definedOnly<T extends Record<string, bigint | undefined>>(o: T): { [K in keyof T]?: bigint } {
  const out: { [K in keyof T]?: bigint } = {};
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export function readVirtualMachineClass(r: ObjectReader): VMClassObj {
  const spec = r.root.at('spec');
  const hw = spec.at('hardware');
  const cfg = spec.at('configSpec');
  const cpusField = hw.at('cpus');
  const cpus = cpusField.optBigInt() ?? cfg.at('numCPUs').optBigInt() ?? 0n;
  if (cpus < 0n) cpusField.invalid('must be greater than or equal to 0');
  const memory = hw.at('memory').isSet ? value(hw.at('memory').quantity()) : (cfg.at('memoryMB').optBigInt() ?? 0n) * MIB;
  const pr = spec.get('policies.resources');
  const cpuOf = (f: Field): bigint | undefined => (f.isSet ? milliValue(nonNegative(f)) : undefined);
  const memOf = (f: Field): bigint | undefined => (f.isSet ? value(nonNegative(f)) : undefined);
  const limitQ = (f: Field): Quantity | undefined => (f.isSet ? f.quantity() : undefined);
  const limCpu = limitQ(pr.get('limits.cpu'));
  const limMem = limitQ(pr.get('limits.memory'));
  return {
    name: r.meta.name,
    ...(r.meta.namespace !== undefined && { namespace: r.meta.namespace }),
    cpus,
    memory,
    reservation: definedOnly({ cpu: cpuOf(pr.get('requests.cpu')), memory: memOf(pr.get('requests.memory')) }),
    limit: definedOnly({
      cpu: limCpu && limCpu.nano >= 0n ? milliValue(limCpu) : undefined,
      memory: limMem && limMem.nano >= 0n ? value(limMem) : undefined,
    }),
    vgpus: hw.get('devices.vgpuDevices').items().length,
    source: r.source,
  };
}

function nonNegative(f: Field): Quantity {
  const q = f.quantity();
  if (q.nano < 0n) f.invalid('must be greater than or equal to 0');
  return q;
}

/** MHz → millicores on a host whose cores run at `cpuMhzPerCore`: ceil(MHz × 1000 / cpuMhzPerCore). */
export function mhzToMillicores(mhz: bigint, cpuMhzPerCore: number): bigint {
  const per = BigInt(cpuMhzPerCore);
  return (mhz * 1000n + per - 1n) / per;
}

export const GPU_RESOURCE = 'nvidia.com/gpu';

/** The documented rule above, for one VM and its class (undefined for a class-less v1alpha6 VM). */
export function vmToWorkload(vm: VMObj, cls: VMClassObj | undefined, cpuMhzPerCore: number): WorkloadTemplate {
  const vcpus = vm.size.cpu ?? cls?.cpus ?? 0n;
  const memorySize = vm.size.memory ?? cls?.memory ?? 0n;
  if (vcpus <= 0n || memorySize <= 0n) {
    const what = vcpus <= 0n ? 'vCPUs (spec.hardware.cpus)' : 'memory (spec.hardware.memory)';
    const origin = originOf(vm);
    throw new InputError(
      vm.source,
      cls ? (origin?.fields.className ?? 'spec.className') : 'spec.resources.size',
      cls
        ? `VirtualMachineClass ${cls.name} declares no ${what}`
        : 'Required value: spec.resources.size.cpu and spec.resources.size.memory are required without a class',
      origin?.object ?? `VirtualMachine ${vm.namespace}/${vm.name}`,
    );
  }
  const mhz = (v: bigint | undefined): bigint | undefined => (v === undefined ? undefined : mhzToMillicores(v, cpuMhzPerCore));
  const requests = new Map<string, bigint>([
    ['cpu', mhz(vm.requestsMHz.cpu) ?? cls?.reservation.cpu ?? vcpus * 1000n],
    ['memory', vm.requestsMHz.memory ?? cls?.reservation.memory ?? memorySize],
  ]);
  const limits = new Map<string, bigint>([
    ['cpu', mhz(vm.limitsMHz.cpu) ?? cls?.limit.cpu ?? vcpus * 1000n],
    ['memory', vm.limitsMHz.memory ?? cls?.limit.memory ?? memorySize],
  ]);
  if (cls && cls.vgpus > 0) {
    requests.set(GPU_RESOURCE, BigInt(cls.vgpus));
    limits.set(GPU_RESOURCE, BigInt(cls.vgpus));
  }
  return {
    kind: 'VirtualMachine',
    namespace: vm.namespace,
    ...(vm.owner !== undefined && { owner: vm.owner }),
    instances: [
      { name: vm.name, ...(vm.uid !== undefined && { uid: vm.uid }), ...(vm.boundHost !== undefined && { boundHost: vm.boundHost }) },
    ],
    requests,
    limits,
    nonZeroRequests: { cpu: requests.get('cpu')!, memory: requests.get('memory')! },
    missingRequests: { cpu: [], memory: [] },
    missingLimits: { cpu: [], memory: [] },
    bestEffort: false,
    terminating: false,
    nodeSelector: new Map(),
    requiredAffinity: null,
    preferredAffinity: [],
    tolerations: [],
    labels: vm.labels,
    podAffinity: vm.podAffinity ?? emptyInterPod(),
    podAntiAffinity: vm.podAntiAffinity ?? emptyInterPod(),
    topologySpread: [],
    ...(vm.gang !== undefined && { gang: vm.gang }),
    source: vm.source,
  };
}
