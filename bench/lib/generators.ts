// Seeded generators of benchmark clusters: ESXi-like hosts and realistic request mixes for pods
// and VMs. Every figure of a run is reproducible from the seed (echoed in the results).
//
// Amounts are plain numbers in Kubernetes base units: cpu in millicores, memory in bytes.

export const Mi = 1024 ** 2;
export const Gi = 1024 ** 3;

/** mulberry32: a small, fast, seeded 32-bit generator; good enough for workload mixes. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** Weighted choice: weights need not sum to 1. */
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [x, w] of xs) {
      r -= w;
      if (r < 0) return x;
    }
    return xs[xs.length - 1][0];
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Lognormal with the given median and sigma (of the underlying normal). */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}

export interface TaintSpec {
  key: string;
  value: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface HostSpec {
  name: string;
  cpu: number; // millicores
  memory: number; // bytes
  pods: number; // workload slots
  gpu: number; // nvidia.com/gpu
  labels: Record<string, string>;
  taints: TaintSpec[];
  unschedulable: boolean;
  /** Extended resources beyond nvidia.com/gpu (vector bin-packing instances). */
  extra?: Record<string, number>;
}

export const GPU_TAINT: TaintSpec = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' };
export const MAINTENANCE_TAINT: TaintSpec = { key: 'placer.dev/maintenance', value: 'planned', effect: 'NoSchedule' };

export interface HostOptions {
  /** Fraction of GPU hosts (tainted nvidia.com/gpu=true:NoSchedule when `taints`). Default 0.01. */
  gpuFraction?: number;
  /** Put taints on GPU hosts and on a few hosts in planned maintenance; cordon a few. Default true. */
  taints?: boolean;
  /** Workload slots per host (ESXi: 1024). */
  pods?: number;
  /** With `taints`: also a few hosts in planned maintenance (tainted) and cordoned. Default true. */
  maintenance?: boolean;
}

/**
 * ESXi-like hosts: 64, 96 or 128 cores (a little held back by the hypervisor), 512Gi–1Ti,
 * 1024 workload slots, three zones, vSAN on most; a few GPU hosts (4 or 8 GPUs).
 */
export function generateHosts(n: number, seed: number, opts: HostOptions = {}): HostSpec[] {
  const rng = new Rng(seed);
  const gpuFraction = opts.gpuFraction ?? 0.01;
  const taints = opts.taints ?? true;
  const shapes = [
    { cores: 64, mem: 512 * Gi, w: 3 },
    { cores: 96, mem: 768 * Gi, w: 4 },
    { cores: 128, mem: 1024 * Gi, w: 3 },
  ] as const;
  const out: HostSpec[] = [];
  const gpuEvery = gpuFraction > 0 ? Math.max(1, Math.round(1 / gpuFraction)) : 0;
  for (let i = 0; i < n; i++) {
    const shape = rng.weighted(shapes.map((s) => [s, s.w] as const));
    const gpu = gpuEvery > 0 && i % gpuEvery === gpuEvery - 1 ? rng.pick([4, 8]) : 0;
    const name = `esx-${String(i).padStart(5, '0')}`;
    const h: HostSpec = {
      name,
      cpu: shape.cores * 1000 - 200, // the hypervisor's own reservation
      memory: shape.mem - 8 * Gi,
      pods: opts.pods ?? 1024,
      gpu,
      labels: {
        'kubernetes.io/hostname': name,
        'topology.kubernetes.io/zone': `zone-${'abc'[i % 3]}`,
        'placer.dev/storage': rng.next() < 0.85 ? 'vsan' : 'nfs',
        'placer.dev/hypervisor': 'esxi-8.0u3',
        ...(gpu > 0 && { 'nvidia.com/gpu.present': 'true' }),
      },
      taints: [],
      unschedulable: false,
    };
    if (taints) {
      if (gpu > 0) h.taints.push(GPU_TAINT);
      else if (opts.maintenance !== false && rng.next() < 0.02) h.taints.push(MAINTENANCE_TAINT);
      else if (opts.maintenance !== false && rng.next() < 0.005) h.unschedulable = true;
    }
    out.push(h);
  }
  return out;
}

/** Identical hosts, for bin-packing quality (the lower bound max_d ⌈Σ/C⌉ is exact to state). */
export function uniformHosts(n: number, cpu: number, memory: number, pods: number, extra: Record<string, number> = {}): HostSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `h-${String(i).padStart(5, '0')}`,
    cpu,
    memory,
    pods,
    gpu: 0,
    labels: { 'kubernetes.io/hostname': `h-${i}` },
    taints: [],
    unschedulable: false,
    extra,
  }));
}

export interface RequestSpec {
  kind: 'Pod' | 'VirtualMachine';
  cpu: number; // millicores
  memory: number; // bytes
  gpu: number;
  /** Extended resources (vector instances). */
  extra?: Record<string, number>;
}

const snap = (x: number, step: number) => Math.max(step, Math.round(x / step) * step);

/**
 * A pod's requests, the usual skew: most pods are small sidecar-ish services (tens of millicores,
 * a few hundred Mi), a long tail up to 2 cores / 8Gi. Rounded the way people write them.
 * `cpuMedian` defaults to 40m (≈ 1000 pods per 96-core host, the density).
 */
export function podRequest(rng: Rng, cpuMedian = 40, memMedian = 192 * Mi): RequestSpec {
  const c = Math.min(2000, Math.max(10, rng.lognormal(cpuMedian, 1.0)));
  const cpu = c < 100 ? snap(c, 5) : c < 1000 ? snap(c, 50) : snap(c, 250);
  // Memory loosely follows cpu (services with more cpu tend to ask more memory).
  const m = Math.min(8 * Gi, Math.max(64 * Mi, rng.lognormal(memMedian * Math.sqrt(cpu / cpuMedian), 0.7)));
  const memory = m < 1 * Gi ? snap(m, 16 * Mi) : snap(m, 256 * Mi);
  return { kind: 'Pod', cpu, memory, gpu: 0 };
}

export interface VmClass {
  name: string;
  cpus: number;
  memory: number; // bytes
}

/** vm-operator-style classes: best-effort/guaranteed × xsmall..4xlarge, general and memory-optimized. */
export const VM_CLASSES: VmClass[] = (() => {
  const out: VmClass[] = [];
  const sizes = [
    ['xsmall', 1],
    ['small', 2],
    ['medium', 4],
    ['large', 8],
    ['xlarge', 16],
    ['2xlarge', 32],
  ] as const;
  for (const [size, cpus] of sizes) {
    out.push({ name: `general-${size}`, cpus, memory: cpus * 4 * Gi });
    out.push({ name: `memory-${size}`, cpus, memory: cpus * 8 * Gi });
  }
  return out;
})();

/** A VM size: a class drawn with lognormal vCPU count (median `cpuMedian` vCPUs), general or memory-optimized. */
export function vmRequest(rng: Rng, cpuMedian = 4): RequestSpec & { vmClass: VmClass } {
  const want = rng.lognormal(cpuMedian, 0.8);
  const family = rng.next() < 0.7 ? 'general' : 'memory';
  const candidates = VM_CLASSES.filter((c) => c.name.startsWith(family));
  let best = candidates[0];
  for (const c of candidates) if (Math.abs(Math.log(c.cpus / want)) < Math.abs(Math.log(best.cpus / want))) best = c;
  return { kind: 'VirtualMachine', cpu: best.cpus * 1000, memory: best.memory, gpu: 0, vmClass: best };
}

/**
 * A VM *reservation* for dense VM hosts (~100 per host): vSphere reservations are usually a
 * fraction of the configured size. Lognormal in both dimensions (median 0.8 core / 6Gi),
 * snapped to 250m and 512Mi.
 */
export function vmReservation(rng: Rng): RequestSpec {
  const cpu = snap(Math.min(16000, Math.max(250, rng.lognormal(800, 0.6))), 250);
  const memory = snap(Math.min(128 * Gi, Math.max(1 * Gi, rng.lognormal(6 * Gi, 0.7))), 512 * Mi);
  return { kind: 'VirtualMachine', cpu, memory, gpu: 0 };
}

/** A workload template of a batch: `count` identical instances of one request. */
export interface WorkItem {
  ns: number;
  req: RequestSpec;
  count: number;
  /** Tolerates the GPU taint and asks for GPUs (ML jobs). */
  gpu?: boolean;
  vmClass?: VmClass;
  priority?: number;
}

export interface MixOptions {
  namespaces: number;
  /** VM templates added after the pod templates, each with `replicas` VMs of one class. */
  vms: { items: number; replicas: number };
  /** Fraction of pod templates that are GPU pods (1 GPU each, tolerating the GPU taint). */
  gpuFraction?: number;
  pod?: (rng: Rng) => RequestSpec;
  /** VM size: lognormal median vCPUs (default 2). */
  vmCpuMedian?: number;
}

/**
 * `items` pod templates of `replicas` instances each (Deployments; bare Pods when replicas is 1)
 * with the usual skew, then the VM templates of `opts.vms`. With `distinct`, every template
 * gets a request no other has (a unique byte count of memory, 64 B apart so a million templates
 * add at most 64 MB to a request): all-distinct shapes.
 */
export function workloadMix(items: number, replicas: number, seed: number, opts: MixOptions, distinct = false): WorkItem[] {
  const rng = new Rng(seed);
  const out: WorkItem[] = [];
  for (let i = 0; i < items; i++) {
    const ns = i % opts.namespaces;
    if (opts.gpuFraction && rng.next() < opts.gpuFraction)
      out.push({ ns, req: { kind: 'Pod', cpu: 4000, memory: 16 * Gi, gpu: 1 }, count: replicas, gpu: true });
    else out.push({ ns, req: (opts.pod ?? podRequest)(rng), count: replicas });
  }
  for (let i = 0; i < opts.vms.items; i++) {
    const r = vmRequest(rng, opts.vmCpuMedian ?? 2);
    out.push({ ns: i % opts.namespaces, req: r, count: opts.vms.replicas, vmClass: r.vmClass });
  }
  if (distinct) out.forEach((it, i) => (it.req = { ...it.req, memory: it.req.memory + (i + 1) * 64 }));
  return out;
}

/** Σ of a request dimension over a batch. */
export function totalOf(items: readonly WorkItem[], dim: 'cpu' | 'memory' | 'gpu'): number {
  return items.reduce((s, it) => s + it.req[dim] * it.count, 0);
}

export const NAMESPACES = 20;

/** The batch scenario: hosts, a workload mix, quotas on every namespace, reservations on three. */
export interface BatchPlan {
  hosts: HostSpec[];
  items: WorkItem[];
  namespaces: string[];
  quotas: { ns: number; cpu: number; memory: number; pods: number; vms: number }[];
  reservations: { ns: number; cpu: number; memory: number }[];
}

/**
 * `items` pod templates × `replicas` plus VMs (many-replica: 1 VM per 500 pods, in templates of
 * 20; all-distinct: 1 VM per 500 pods, each its own) onto `hosts` ESXi-like hosts (1% GPU
 * hosts, tainted; nobody in maintenance). Every namespace has a ResourceQuota
 * 25% above its demand except the last (half its demand: admission rejects the rest); the first
 * three reserve 1% of the cluster's cpu and memory each.
 */
export function batchPlan(hosts: number, items: number, replicas: number, seed: number, distinct = false): BatchPlan {
  const hs = generateHosts(hosts, seed, { taints: true, maintenance: false, gpuFraction: 0.01 });
  const vmCount = Math.ceil((items * replicas) / 500);
  const vms = replicas > 1 ? { items: Math.ceil(vmCount / 20), replicas: 20 } : { items: vmCount, replicas: 1 };
  const mix = workloadMix(items, replicas, seed + 7, { namespaces: NAMESPACES, vms, pod: (r) => podRequest(r, 35) }, distinct);
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `team-${String(i).padStart(2, '0')}`);
  const quotas = namespaces.map((_, ns) => {
    const mine = mix.filter((it) => it.ns === ns);
    const f = ns === NAMESPACES - 1 ? 0.5 : 1.25;
    return {
      ns,
      cpu: Math.ceil(totalOf(mine, 'cpu') * f),
      memory: Math.ceil(totalOf(mine, 'memory') * f),
      pods: Math.ceil(mine.filter((it) => it.req.kind === 'Pod').reduce((s, it) => s + it.count, 0) * f) + 1,
      vms: Math.ceil(mine.filter((it) => it.req.kind === 'VirtualMachine').reduce((s, it) => s + it.count, 0) * f) + 1,
    };
  });
  const cpu = hs.reduce((s, h) => s + h.cpu, 0);
  const memory = hs.reduce((s, h) => s + h.memory, 0);
  const reservations = [0, 1, 2].map((ns) => ({ ns, cpu: Math.floor(cpu * 0.01), memory: Math.floor((memory * 0.01) / Mi) * Mi }));
  return { hosts: hs, items: mix, namespaces, quotas, reservations };
}
