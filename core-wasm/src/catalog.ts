// The catalog: everything the engine knows by name and the ids the backends know it by — hosts
// (slots), resource dimensions, label columns and values, taints, namespaces — and the
// cluster-wide objects placement reads: ResourceQuotas, NamespacePolicies, PriorityClasses,
// PodDisruptionBudgets. Interning is first-seen, so the same input always gets the same ids; a
// new dimension, label column or taint is pushed to the backend the moment it is interned. A
// namespace lives while a class, a ResourceQuota or a NamespacePolicy names it: the compiler's
// collection frees the others (freeNamespace), and their ids and ledger rows are reused.

import { InputError } from '../../model/errors.js';
import { parseInt64 } from '../../model/selectors.js';
import type {
  HostObj,
  NamespacePolicyObj,
  PodDisruptionBudgetObj,
  PriorityClassObj,
  QuotaObj,
  WorkloadTemplate,
} from '../../model/types.js';
import { UnknownHostError } from './api.js';
import { type Backend, type ConstraintSpec, DIM_PODS, Effect, MAX_AMOUNT, MAX_DIMS, type QuotaEntrySpec } from './contract.js';
import { quotaKeySource } from './rules/quota.js';
import { heldCapacity } from './rules/reservation.js';
import type { TaintSpec } from './rules/taints.js';
import { formatAmount } from '../../model/quantity.js';
import { CapacityError, Dimensions, LabelColumns, ReusingInterner, TaintTable } from './vocab.js';

/** kubelet's default --max-pods, for a Node manifest written without `pods` allocatable. */
const DEFAULT_POD_SLOTS = 110n;
/** The label column of matchFields' metadata.name (not a label a Node can carry). */
export const HOST_NAME_KEY = '\0metadata.name';
/** The taint a cordoned host is treated as carrying (NodeUnschedulable): always taint id 0. */
const UNSCHEDULABLE_TAINT_KEY = 'node.kubernetes.io/unschedulable';
const MAX_HOST_TAINTS = 16;

export const EFFECTS: Record<string, Effect> = {
  '': Effect.Any,
  NoSchedule: Effect.NoSchedule,
  PreferNoSchedule: Effect.PreferNoSchedule,
  NoExecute: Effect.NoExecute,
};

export interface HostRecord {
  obj: HostObj;
  present: boolean;
  /** Interned ids of obj.taints, in the Node's order (set by pushHost). */
  taintIds?: number[];
}

export interface QuotaRecord {
  obj: QuotaObj;
  entries: number[];
}

export class Catalog {
  readonly dims = new Dimensions();
  readonly labelCols = new LabelColumns();
  /**
   * Label values of hosts and constraint programs (0 = label absent), taint keys and values of
   * host taints and tolerations: a value only a freed constraint program used is freed with it
   * (retainVocabulary) and its id reused, so distinct node selectors ever used do not accumulate.
   */
  readonly labelValues = new ReusingInterner(1);
  readonly taintKeys = new ReusingInterner();
  readonly taintValues = new ReusingInterner();
  private readonly taints = new TaintTable();
  /** Taint id → its interned key, value and effect, as the backends see it. */
  readonly taintSpecs: TaintSpec[] = [];
  readonly namespaces = new ReusingInterner();
  /** Namespaces that may have lost what kept them (a class, a quota, a policy): collection looks at them. */
  readonly namespaceCandidates = new Set<number>();
  readonly hosts: HostRecord[] = [];
  private readonly hostSlots = new Map<string, number>();
  quotas: QuotaRecord[] = [];
  entries: QuotaEntrySpec[] = [];
  /** The hard key of each quota entry, as written (requests.cpu, pods, …). */
  entryKeys: string[] = [];
  policies = new Map<string, NamespacePolicyObj>();
  priorityClasses = new Map<string, PriorityClassObj>();
  globalDefault: PriorityClassObj | undefined;
  pdbs: PodDisruptionBudgetObj[] = [];
  /** Changes whenever hosts are added, updated or removed: cached name → slot lookups expire. */
  hostsEpoch = 0;

  constructor(private readonly backend: Backend) {}

  /** Taint 0 is the one a cordoned host is treated as carrying; call once the backend is configured. */
  init(): void {
    this.internTaint(UNSCHEDULABLE_TAINT_KEY, '', 'NoSchedule');
  }

  // ---------------------------------------------------------------- hosts

  upsertHosts(objs: readonly HostObj[]): void {
    for (const obj of objs) {
      let slot = this.hostSlots.get(obj.name);
      if (slot === undefined) {
        slot = this.hosts.length;
        this.hostSlots.set(obj.name, slot);
        this.hosts.push({ obj, present: true });
      } else {
        this.hosts[slot] = { obj, present: true };
      }
      this.pushHost(slot);
      for (let col = 0; col < this.labelCols.size; col++) this.pushLabel(slot, col);
    }
    this.hostsEpoch++;
  }

  /** Remove a host that holds nothing; throws when it still holds workloads. */
  removeHost(name: string): void {
    const slot = this.hostSlots.get(name);
    if (slot === undefined || !this.hosts[slot].present) return;
    this.backend.removeHost(slot);
    this.hosts[slot].present = false;
    this.hostsEpoch++;
  }

  hostNames(): string[] {
    return this.hosts.filter((h) => h.present).map((h) => h.obj.name);
  }

  hostObj(name: string): HostObj | undefined {
    const slot = this.hostSlot(name);
    return slot < 0 ? undefined : this.hosts[slot].obj;
  }

  /** The slot of a present host, or −1 (unknown or removed). */
  hostSlot(name: string): number {
    const slot = this.hostSlots.get(name);
    return slot === undefined || !this.hosts[slot].present ? -1 : slot;
  }

  /** The slot of a present host; an UnknownHostError otherwise. */
  presentSlot(name: string): number {
    const slot = this.hostSlot(name);
    if (slot < 0) throw new UnknownHostError(name);
    return slot;
  }

  /** The host instance `j` of a template runs on; an InputError naming its nodeName field otherwise. */
  boundSlot(t: WorkloadTemplate, j: number, hostName: string): number {
    const slot = this.hostSlot(hostName);
    if (slot < 0) {
      const field = t.kind === 'Pod' ? 'spec.nodeName' : 'status.nodeName';
      throw new InputError(
        t.source,
        field,
        `host ${JSON.stringify(hostName)} is not among the hosts`,
        `${t.kind} ${t.namespace}/${t.instances[j].name}`,
      );
    }
    return slot;
  }

  hostName(slot: number): string {
    return this.hosts[slot].obj.name;
  }

  /** A host's allocatable in dimension d (a Node without `pods` gets the kubelet's default). */
  allocatableOf(slot: number, d: number): bigint {
    return this.hosts[slot].obj.allocatable.get(this.dims.names[d]) ?? (d === DIM_PODS ? DEFAULT_POD_SLOTS : 0n);
  }

  /** Cordon or uncordon a host (plans cordon the hosts they drain, and restore them). */
  setCordon(slot: number, on: boolean): void {
    const h = this.hosts[slot];
    if (h.obj.unschedulable === on) return;
    h.obj = { ...h.obj, unschedulable: on };
    this.pushHost(slot);
  }

  /**
   * Show the backend host `slot` with `held` (by dimension) taken off its allocatable, or as it is
   * (null): a batch places around the room held for failover (failover-batch.ts).
   */
  holdRoom(slot: number, held: ArrayLike<number> | null): void {
    this.pushHost(slot, held);
  }

  private pushHost(slot: number, held: ArrayLike<number> | null = null): void {
    const { obj } = this.hosts[slot];
    const alloc = new Array<number>(MAX_DIMS).fill(0);
    for (let d = 0; d < this.dims.count; d++) {
      const name = this.dims.names[d];
      alloc[d] = this.amount(this.allocatableOf(slot, d), obj.source, `status.allocatable[${name}]`, `Node ${obj.name}`);
      if (held) alloc[d] = Math.max(0, alloc[d] - held[d]);
    }
    if (obj.taints.length > MAX_HOST_TAINTS) {
      throw new InputError(obj.source, 'spec.taints', `placer supports at most ${MAX_HOST_TAINTS} taints per host`, `Node ${obj.name}`);
    }
    const taints = obj.taints.map((t, i) => {
      try {
        return this.internTaint(t.key, t.value, t.effect);
      } catch (err) {
        // the taint vocabulary is bounded (one 128-bit set per host), not freed: name the Node
        if (err instanceof CapacityError) throw new InputError(obj.source, `spec.taints[${i}]`, err.message, `Node ${obj.name}`);
        throw err;
      }
    });
    this.hosts[slot].taintIds = taints;
    this.backend.setHost(slot, alloc, obj.unschedulable, taints);
  }

  private pushLabel(slot: number, col: number): void {
    const h = this.hosts[slot];
    if (!h.present) return;
    const key = this.labelCols.name(col);
    const value = key === HOST_NAME_KEY ? h.obj.name : h.obj.labels.get(key);
    this.backend.setHostLabel(slot, col, value === undefined ? 0 : this.internValue(value));
  }

  // ---------------------------------------------------------------- vocabulary

  /** An amount as the backends hold it: an integer from 0 to 2^53 − 1, exact in a double. */
  amount(v: bigint, source: HostObj['source'], field: string, object: string): number {
    if (v < 0n || v > BigInt(MAX_AMOUNT)) {
      throw new InputError(source, field, `placer supports amounts from 0 to ${MAX_AMOUNT} (2^53−1) per host or workload`, object);
    }
    return Number(v);
  }

  /** A label value's id; a new one is told to the backend with its int64 reading (for Gt/Lt). */
  internValue(v: string): number {
    const before = this.labelValues.size;
    const id = this.labelValues.intern(v);
    if (this.labelValues.size > before) this.backend.defineLabelValue(id, parseInt64(v));
    return id;
  }

  /**
   * Free the label values, taint keys and taint values that neither a host (its labels in a
   * column, its taints; a removed host's too, as its slot keeps them) nor one of `constraints` (the
   * live programs) uses. A reused value id is defined anew (internValue), so it carries nothing of
   * the value before; taints themselves are host-side and bounded (TaintTable), never freed.
   */
  retainVocabulary(constraints: Iterable<ConstraintSpec>): void {
    const values = new Set<number>();
    const keys = new Set<number>();
    const tvalues = new Set<number>();
    for (const h of this.hosts) {
      for (let col = 0; col < this.labelCols.size; col++) {
        const key = this.labelCols.name(col);
        const v = key === HOST_NAME_KEY ? h.obj.name : h.obj.labels.get(key);
        const id = v === undefined ? undefined : this.labelValues.get(v);
        if (id !== undefined) values.add(id);
      }
    }
    for (const t of this.taintSpecs) {
      keys.add(t.key);
      tvalues.add(t.value);
    }
    for (const c of constraints) {
      for (const r of [...c.selector, ...(c.required ?? []).flat(), ...c.preferred.flatMap((p) => p.reqs)])
        for (const v of r.values) values.add(v);
      for (const t of c.tolerations) {
        keys.add(t.key);
        tvalues.add(t.value);
      }
    }
    for (const [id] of this.labelValues.entries()) if (!values.has(id)) this.labelValues.free(id);
    for (const [id] of this.taintKeys.entries()) if (!keys.has(id)) this.taintKeys.free(id);
    for (const [id] of this.taintValues.entries()) if (!tvalues.has(id)) this.taintValues.free(id);
  }

  /** A label key's column; a new column is filled in for every host. */
  column(key: string): number {
    const before = this.labelCols.size;
    const col = this.labelCols.intern(key);
    if (this.labelCols.size > before) for (let slot = 0; slot < this.hosts.length; slot++) this.pushLabel(slot, col);
    return col;
  }

  /** A resource's dimension; a new extended resource gives every host its allocatable in it. */
  dimension(name: string): number {
    const before = this.dims.count;
    const d = this.dims.intern(name);
    if (this.dims.count > before) for (let slot = 0; slot < this.hosts.length; slot++) if (this.hosts[slot].present) this.pushHost(slot);
    return d;
  }

  internTaint(key: string, value: string, effect: string): number {
    const name = `${key}\0${value}\0${effect}`;
    const before = this.taints.size;
    const id = this.taints.intern(name);
    if (this.taints.size > before) {
      const spec: TaintSpec = { key: this.taintKeys.intern(key), value: this.taintValues.intern(value), effect: EFFECTS[effect] };
      this.taintSpecs[id] = spec;
      this.backend.defineTaint(id, spec.key, spec.value, spec.effect);
    }
    return id;
  }

  /** A taint id as the Node spells it. */
  taint(id: number): { key: string; value: string; effect: string } {
    const [key, value, effect] = this.taints.name(id).split('\0');
    return { key, value, effect };
  }

  // ---------------------------------------------------------------- quotas, policies, priority classes

  /** Replace the ResourceQuotas: records and entries (the keys that concern pods and VMs), sorted by namespace and name. */
  setQuotas(objs: readonly QuotaObj[]): void {
    for (const q of this.quotas) this.namespaceCandidate(q.obj.namespace);
    const sorted = [...objs].sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
    this.quotas = [];
    this.entries = [];
    this.entryKeys = [];
    sorted.forEach((obj, q) => {
      this.namespaces.intern(obj.namespace); // a namespace with a quota is known, whatever runs in it
      const rec: QuotaRecord = { obj, entries: [] };
      for (const key of [...obj.hard.keys()].sort()) {
        const src = quotaKeySource(key);
        if (!src) continue;
        const dim = src.resource === undefined ? 0 : this.dimension(src.resource);
        rec.entries.push(this.entries.length);
        this.entries.push({ quota: q, source: src.source, dim, hard: obj.hard.get(key)! });
        this.entryKeys.push(key);
      }
      this.quotas.push(rec);
    });
    this.backend.setQuotas(this.entries, this.quotas.length);
  }

  /** Replace the NamespacePolicies; every namespace that had or has one gets its reservation anew. */
  setPolicies(objs: readonly NamespacePolicyObj[]): void {
    const byNs = new Map<string, NamespacePolicyObj>();
    for (const p of objs) byNs.set(p.namespace, p);
    const old = this.policies;
    this.policies = byNs;
    for (const ns of new Set([...old.keys(), ...byNs.keys()])) {
      const id = this.namespaces.intern(ns);
      this.backend.setReservation(id, this.reservationOf(ns));
      this.namespaceCandidates.add(id);
    }
  }

  /** Note that a namespace may have lost what kept it. */
  namespaceCandidate(ns: string): void {
    const id = this.namespaces.get(ns);
    if (id !== undefined) this.namespaceCandidates.add(id);
  }

  /**
   * Free namespace `id` when no ResourceQuota or NamespacePolicy names it (the caller knows no live
   * class does, so nothing of it is placed): its ledger rows are cleared and the id is reused.
   */
  freeNamespace(id: number): boolean {
    const ns = this.namespaces.name(id);
    if (ns === undefined || this.policies.has(ns) || this.quotas.some((q) => q.obj.namespace === ns)) return false;
    this.backend.freeNamespace(id);
    this.namespaces.free(id);
    return true;
  }

  setPriorityClasses(pcs: readonly PriorityClassObj[]): void {
    this.priorityClasses = new Map(pcs.map((p) => [p.name, p]));
    this.globalDefault = pcs.find((p) => p.globalDefault);
  }

  reservationOf(ns: string): bigint[] {
    const r = new Array<bigint>(MAX_DIMS).fill(0n);
    for (const [name, v] of this.policies.get(ns)?.reservation ?? []) r[this.dimension(name)] = v;
    return r;
  }

  /**
   * Reservations must be honourable (rules/reservation.ts): Σ_n max(R_n, used_n) ≤ the capacity of
   * the schedulable hosts, in every dimension. Throws an InputError naming a policy that reserves it.
   */
  checkReservations(): void {
    const ledger = this.backend.ledger(this.namespaces.extent);
    const capacity = this.schedulableCapacity();
    const namespaces = this.namespaces.entries();
    for (let d = 0; d < this.dims.count; d++) {
      const held = heldCapacity(
        namespaces.map(([id, ns]) => ({ reserved: this.reservationOf(ns)[d], used: ledger.nsUsed[id]?.[d] ?? 0n })),
      );
      if (held <= capacity[d]) continue;
      const culprit = [...this.policies.values()].filter((p) => this.reservationOf(p.namespace)[d] > 0n).pop();
      if (!culprit) continue; // usage alone exceeds capacity (overcommitted input): not a reservation problem
      const name = this.dims.names[d];
      throw new InputError(
        culprit.source,
        `spec.reservation[${name}]`,
        `reservations cannot be honoured: namespaces would hold ${formatAmount(name, held)} ${name} (reservation or usage, whichever is larger, summed) but the schedulable hosts have ${formatAmount(name, capacity[d])}`,
        `NamespacePolicy ${culprit.namespace}/${culprit.name}`,
      );
    }
  }

  private schedulableCapacity(): bigint[] {
    const cap = new Array<bigint>(MAX_DIMS).fill(0n);
    this.hosts.forEach((h, slot) => {
      if (!h.present || h.obj.unschedulable) return;
      for (let d = 0; d < this.dims.count; d++) cap[d] += this.allocatableOf(slot, d);
    });
    return cap;
  }
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
