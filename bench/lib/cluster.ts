// A benchmark cluster driven through the numeric Backend contract (core-wasm/src/contract.ts)
// directly: hosts, label and taint vocabulary, constraints, quotas, reservations and classes are
// defined once (untimed), then suites time `evaluate(cls)` and `placeBatch(items)` alone — the
// honest "in the core" measurement, with no manifest parsing or name interning in the figure.
// The same calls build the same cluster on every backend, so comparisons use identical data.

import {
  type Backend,
  type BatchItem,
  type ClassSpec,
  type ConstraintSpec,
  DEFAULT_BALANCED_WEIGHT,
  DIM_CPU,
  DIM_MEMORY,
  DIM_PODS,
  Effect,
  Kind,
  MAX_DIMS,
  OrderPolicy,
  QuotaSource,
  type QuotaEntrySpec,
  type ScoringResource,
  SelectorOp,
  Strategy,
  TolerationOp,
} from '../../core-wasm/src/contract.js';
import { ReferenceBackend } from '../../core-wasm/src/reference/backend.js';
import { WasmBackend } from '../../core-wasm/src/wasm/backend.js';
import type { BatchPlan, HostSpec, RequestSpec, TaintSpec } from './generators.js';
import { GPU_TAINT, Mi } from './generators.js';

export type BackendKind = 'wasm' | 'wasm-scalar' | 'reference';

export function makeBackend(kind: BackendKind): Backend {
  if (kind === 'reference') return new ReferenceBackend();
  return new WasmBackend(kind === 'wasm' ? 'simd' : 'scalar');
}

export const DIM_EPHEMERAL = 2;
export const DIM_GPU = 4;
const EPHEMERAL_PER_HOST = 1_900_000_000_000;
/** kube-scheduler's non-zero defaults for scoring (100m, 200Mi). */
const NZ_CPU = 100;
const NZ_MEM = 200 * Mi;

const EFFECTS: Record<TaintSpec['effect'], Effect> = {
  NoSchedule: Effect.NoSchedule,
  PreferNoSchedule: Effect.PreferNoSchedule,
  NoExecute: Effect.NoExecute,
};

export interface ConstraintOptions {
  /** nodeSelector: label key → value. */
  selector?: Record<string, string>;
  /** Tolerations (operator Equal, or Exists when value is undefined). */
  tolerations?: { key: string; value?: string; effect?: TaintSpec['effect'] }[];
}

export interface QuotaOptions {
  ns: number;
  cpu?: number;
  memory?: number;
  pods?: number;
  vms?: number;
}

export interface ClassOptions {
  ns: number;
  req: RequestSpec;
  strategy: Strategy;
  priority?: number;
  constraint?: number;
}

export interface ClusterOptions {
  /** Resources of the strategy score (default cpu=1, memory=1, like kube-scheduler). */
  scoring?: ScoringResource[];
  /** NodeResourcesBalancedAllocation's weight beside the strategy (default 1: placer's and kube-scheduler's default profile). */
  balancedWeight?: number;
  order?: OrderPolicy;
}

export class BenchCluster {
  readonly backend: Backend;
  readonly dimNames = ['cpu', 'memory', 'ephemeral-storage', 'pods', 'nvidia.com/gpu'];
  hosts: HostSpec[] = [];
  private readonly cols = new Map<string, number>();
  private readonly values = new Map<string, number>();
  private readonly taintKeys = new Map<string, number>();
  private readonly taintValues = new Map<string, number>();
  private readonly taints = new Map<string, number>();
  private readonly constraints = new Map<string, number>();
  private readonly classIds = new Map<string, number>();
  private quotaOf = new Map<number, number>();
  private nextClass = 0;

  constructor(
    kind: BackendKind,
    readonly opts: ClusterOptions = {},
  ) {
    this.backend = makeBackend(kind);
    this.backend.configure({
      scoring: opts.scoring ?? [
        { dim: DIM_CPU, weight: 1 },
        { dim: DIM_MEMORY, weight: 1 },
      ],
      balanced: [
        { dim: DIM_CPU, weight: 1 },
        { dim: DIM_MEMORY, weight: 1 },
      ],
      balancedWeight: opts.balancedWeight ?? DEFAULT_BALANCED_WEIGHT,
      shape: [
        { utilization: 0, score: 0 },
        { utilization: 100, score: 10 },
      ],
      order: opts.order ?? OrderPolicy.Interleave,
    });
    // Taint 0 is the one a cordoned host carries (NodeUnschedulable), as the Engine defines it.
    this.taint({ key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' });
    this.constraint({}); // constraint 0: none
  }

  /** Dimension of an extended resource (interned on first use; hosts added later carry it). */
  dim(name: string): number {
    let d = this.dimNames.indexOf(name);
    if (d < 0) {
      if (this.hosts.length > 0) throw new Error('bench: intern extended resources before adding hosts');
      if (this.dimNames.length >= MAX_DIMS) throw new Error('bench: too many dimensions');
      d = this.dimNames.push(name) - 1;
    }
    return d;
  }

  private intern(m: Map<string, number>, v: string, first = 0): number {
    let id = m.get(v);
    if (id === undefined) {
      id = m.size + first;
      m.set(v, id);
    }
    return id;
  }

  private value(v: string): number {
    const before = this.values.size;
    const id = this.intern(this.values, v, 1); // 0 = label absent
    if (this.values.size > before) this.backend.defineLabelValue(id, /^[+-]?\d+$/.test(v) ? BigInt(v) : null);
    return id;
  }

  private taint(t: TaintSpec): number {
    const key = `${t.key}\0${t.value}\0${t.effect}`;
    const before = this.taints.size;
    const id = this.intern(this.taints, key);
    if (this.taints.size > before)
      this.backend.defineTaint(id, this.intern(this.taintKeys, t.key), this.intern(this.taintValues, t.value), EFFECTS[t.effect]);
    return id;
  }

  alloc(h: HostSpec): number[] {
    const a = new Array<number>(MAX_DIMS).fill(0);
    a[DIM_CPU] = h.cpu;
    a[DIM_MEMORY] = h.memory;
    a[DIM_EPHEMERAL] = EPHEMERAL_PER_HOST;
    a[DIM_PODS] = h.pods;
    a[DIM_GPU] = h.gpu;
    for (const [name, v] of Object.entries(h.extra ?? {})) a[this.dim(name)] = v;
    return a;
  }

  addHosts(hosts: readonly HostSpec[]): void {
    for (const h of hosts) for (const name of Object.keys(h.extra ?? {})) this.dim(name);
    // Label columns first (every key but the hostname, which no bench constraint uses).
    for (const h of hosts) for (const k of Object.keys(h.labels)) if (k !== 'kubernetes.io/hostname') this.intern(this.cols, k);
    for (const h of hosts) {
      const slot = this.hosts.length;
      this.hosts.push(h);
      this.backend.setHost(
        slot,
        this.alloc(h),
        h.unschedulable,
        h.taints.map((t) => this.taint(t)),
      );
      for (const [k, col] of this.cols) {
        const v = h.labels[k];
        this.backend.setHostLabel(slot, col, v === undefined ? 0 : this.value(v));
      }
    }
  }

  constraint(o: ConstraintOptions): number {
    const key = JSON.stringify([Object.entries(o.selector ?? {}).sort(), o.tolerations ?? []]);
    let id = this.constraints.get(key);
    if (id !== undefined) return id;
    const spec: ConstraintSpec = {
      selector: Object.entries(o.selector ?? {})
        .sort()
        .map(([k, v]) => ({ col: this.intern(this.cols, k), op: SelectorOp.In, values: [this.value(v)], num: 0n })),
      required: null,
      preferred: [],
      tolerations: (o.tolerations ?? []).map((t) => ({
        key: this.intern(this.taintKeys, t.key),
        op: t.value === undefined ? TolerationOp.Exists : TolerationOp.Equal,
        value: this.intern(this.taintValues, t.value ?? ''),
        effect: t.effect ? EFFECTS[t.effect] : Effect.Any,
      })),
    };
    id = this.constraints.size;
    this.constraints.set(key, id);
    this.backend.defineConstraint(id, spec);
    return id;
  }

  /** One ResourceQuota per namespace (requests.cpu, requests.memory, pods, count/virtualmachines). */
  setQuotas(quotas: readonly QuotaOptions[]): void {
    const entries: QuotaEntrySpec[] = [];
    this.quotaOf = new Map();
    quotas.forEach((q, id) => {
      this.quotaOf.set(q.ns, id);
      if (q.cpu !== undefined) entries.push({ quota: id, source: QuotaSource.Requests, dim: DIM_CPU, hard: BigInt(q.cpu) });
      if (q.memory !== undefined) entries.push({ quota: id, source: QuotaSource.Requests, dim: DIM_MEMORY, hard: BigInt(q.memory) });
      if (q.pods !== undefined) entries.push({ quota: id, source: QuotaSource.PodCount, dim: 0, hard: BigInt(q.pods) });
      if (q.vms !== undefined) entries.push({ quota: id, source: QuotaSource.VMCount, dim: 0, hard: BigInt(q.vms) });
    });
    this.backend.setQuotas(entries, quotas.length);
  }

  /** A NamespacePolicy reservation (aggregate capacity held for the namespace). */
  reserve(ns: number, amounts: { cpu?: number; memory?: number }): void {
    const r = new Array<bigint>(MAX_DIMS).fill(0n);
    r[DIM_CPU] = BigInt(amounts.cpu ?? 0);
    r[DIM_MEMORY] = BigInt(amounts.memory ?? 0);
    this.backend.setReservation(ns, r);
  }

  /** The class of a workload shape (deduplicated, like the Engine's equivalence classes). */
  defineClass(o: ClassOptions): number {
    const req = new Array<number>(MAX_DIMS).fill(0);
    req[DIM_CPU] = o.req.cpu;
    req[DIM_MEMORY] = o.req.memory;
    req[DIM_PODS] = 1;
    req[DIM_GPU] = o.req.gpu;
    for (const [name, v] of Object.entries(o.req.extra ?? {})) req[this.dim(name)] = v;
    let reqPresent = 0;
    for (let d = 0; d < MAX_DIMS; d++) if (d !== DIM_PODS && req[d] !== 0) reqPresent |= 1 << d;
    const quota = this.quotaOf.get(o.ns);
    const spec: ClassSpec = {
      ns: o.ns,
      kind: o.req.kind === 'Pod' ? Kind.Pod : Kind.VirtualMachine,
      priority: o.priority ?? 0,
      strategy: o.strategy,
      req,
      reqPresent,
      lim: new Array<number>(MAX_DIMS).fill(0),
      limPresent: 0,
      nzCpu: req[DIM_CPU] || NZ_CPU,
      nzMem: req[DIM_MEMORY] || NZ_MEM,
      quotas: quota === undefined ? [] : [quota],
      constraint: o.constraint ?? 0,
    };
    const key = JSON.stringify([spec.ns, spec.kind, spec.priority, spec.strategy, req, spec.quotas, spec.constraint]);
    let id = this.classIds.get(key);
    if (id === undefined) {
      id = this.nextClass++;
      this.classIds.set(key, id);
      this.backend.defineClass(id, spec);
    }
    return id;
  }

  /** Hosts, quotas, reservations and one class per item of a batch plan; the batch items. */
  loadPlan(plan: BatchPlan, strategy: Strategy): BatchItem[] {
    this.addHosts(plan.hosts);
    this.setQuotas(plan.quotas);
    for (const r of plan.reservations) this.reserve(r.ns, r);
    const gpu = this.constraint({ tolerations: [{ key: GPU_TAINT.key, effect: 'NoSchedule' }] });
    return plan.items.map((it) => ({
      cls: this.defineClass({ ns: it.ns, req: it.req, strategy, priority: it.priority, constraint: it.gpu ? gpu : 0 }),
      count: it.count,
    }));
  }

  get classCount(): number {
    return this.nextClass;
  }

  placeBatch(items: readonly BatchItem[]) {
    return this.backend.placeBatch(items);
  }
}

/** Distinct hosts used by a batch result (hostOf ≥ 0). */
export function hostsUsed(hostOf: Int32Array, also: Iterable<number> = []): number {
  const seen = new Set<number>(also);
  for (let i = 0; i < hostOf.length; i++) if (hostOf[i] >= 0) seen.add(hostOf[i]);
  return seen.size;
}

export { DIM_CPU, DIM_MEMORY, DIM_PODS, OrderPolicy, Strategy };
