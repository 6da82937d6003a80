// Resource names and ResourceList fields: Kubernetes' naming rules (standard, hugepages,
// extended) and the per-value API validation (non-negative, integer extended resources).
// Values stay exact Quantities here (nano units); they become model amounts at the end.

import type { ResourceMap } from '../../model/types.js';
import type { Field } from './fields.js';
import { nanoToAmount, quantityString, type Quantity } from '../../model/quantity.js';

/** resource name -> value × 1e9. Sums are kept in nano so rounding happens once, at the end, as in Kubernetes. */
export type NanoList = Map<string, bigint>;

export const isHugePages = (name: string): boolean => name.startsWith('hugepages-');

/** IsNativeResource: unprefixed, or in the kubernetes.io domain. */
export const isNativeResource = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');

/** IsExtendedResourceName: domain-prefixed, outside kubernetes.io, not a quota `requests.` key. */
export const isExtendedResource = (name: string): boolean =>
  !isNativeResource(name) &&
  !name.startsWith('requests.') &&
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);

/** IsOvercommitAllowed: requests may be below limits (not for hugepages or extended resources). */
export const isOvercommitAllowed = (name: string): boolean => isNativeResource(name) && !isHugePages(name);

const STANDARD_CONTAINER = new Set(['cpu', 'memory', 'ephemeral-storage']);
export const isStandardContainerResource = (name: string): boolean => STANDARD_CONTAINER.has(name) || isHugePages(name);

/** Pod-level `spec.resources` supports only these (PodLevelResources). */
export const isSupportedPodLevelResource = (name: string): boolean => name === 'cpu' || name === 'memory' || isHugePages(name);

/** Quota resources that count objects and so must be whole numbers. */
const INTEGER_QUOTA_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);

export interface ReadListOptions {
  /** Extra name check (container / pod-level rules). */
  checkName?: (name: string, f: Field) => void;
  /** Names whose values must be whole numbers (`must be an integer`). */
  isInteger?: (name: string) => boolean;
}

/** A ResourceList field: each value a Quantity ≥ 0 (`must be greater than or equal to 0`). */
export function readResourceList(f: Field, opts: ReadListOptions = {}): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [name, vf] of f.entries()) {
    opts.checkName?.(name, vf);
    const q = vf.quantity();
    if (q.nano < 0n) vf.invalid('must be greater than or equal to 0', quantityString(q));
    if (opts.isInteger?.(name) && q.nano % 1_000_000_000n !== 0n) vf.invalid('must be an integer', quantityString(q));
    out.set(name, q);
  }
  return out;
}

/** Container requests/limits: standard names or fully-qualified extended ones; extended are integers. */
export function readContainerResourceList(f: Field): Map<string, Quantity> {
  return readResourceList(f, {
    checkName: (name, vf) => {
      if (!name.includes('/')) {
        if (!isStandardContainerResource(name)) vf.invalid('must be a standard resource for containers', name);
      } else if (!isNativeResource(name) && !isExtendedResource(name)) {
        vf.invalid("doesn't follow extended resource name standard", name);
      }
    },
    isInteger: isExtendedResource,
  });
}

/** Pod-level `spec.resources.{requests,limits}`: cpu, memory, hugepages-* only. */
export function readPodLevelResourceList(f: Field): Map<string, Quantity> {
  return readResourceList(f, {
    checkName: (name, vf) => {
      if (!isSupportedPodLevelResource(name)) vf.unsupported(['cpu', 'memory', 'hugepages-<size>'], name);
    },
  });
}

/** Node capacity/allocatable, quota hard, reservations: any name; object counts must be whole. */
export function readAnyResourceList(f: Field): Map<string, Quantity> {
  return readResourceList(f, {
    isInteger: (n) => INTEGER_QUOTA_RESOURCES.has(n) || n.startsWith('count/') || isExtendedResource(n),
  });
}

export function toNano(list: Map<string, Quantity>): NanoList {
  const out: NanoList = new Map();
  for (const [k, q] of list) out.set(k, q.nano);
  return out;
}

/** Model amounts: cpu-like keys in millicores, everything else in units (rounded up once). */
export function toAmounts(list: NanoList): ResourceMap {
  const out: ResourceMap = new Map();
  for (const [k, nano] of list) out.set(k, nanoToAmount(k, nano));
  return out;
}

export function quantitiesToAmounts(list: Map<string, Quantity>): ResourceMap {
  return toAmounts(toNano(list));
}
