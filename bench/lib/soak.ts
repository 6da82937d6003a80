// What both soak suites share (suites/soak.ts standalone, suites/soak-kube.ts Kubernetes mode):
// the churn — rollouts of 300 pods, each with a new `pod-template-hash` (Deployments: a spread
// over hosts selecting it) or new `job-name`/`controller-uid` labels (Jobs: a preferred
// anti-affinity selecting the uid), three request shapes — the sample taken at every
// tenth (a full GC in the server, then RSS, V8 heap, Wasm memory, the class, interning and cache
// gauges, and the filter and bind latency of that tenth's calls), and the table and figures the
// suites report. Flat means: the last tenth within 10% of the first.

import type { Served } from './server.js';
import { quantile } from './server.js';
import { type Cell, type SuiteResult, dur, int, progress } from './report.js';

export const SOAK_HOSTS = 100;
export const ROLLOUT = 300;
export const SOAK_NAMESPACE = 'team-soak';
/** Request shapes a rollout's pods cycle through (millicores, MiB). */
const SHAPES: readonly [number, number][] = [
  [100, 128],
  [250, 256],
  [500, 512],
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pods a soak run sends: PLACER_SOAK_PODS, else 1,000,000 (--quick: 3,000, the ten-rollout floor); whole rollouts, at least ten. */
export function soakSize(quick: boolean): { rollouts: number; total: number } {
  const envPods = Number(process.env.PLACER_SOAK_PODS ?? '');
  const wanted = envPods > 0 ? envPods : quick ? 3_000 : 1_000_000;
  const rollouts = Math.max(10, Math.ceil(wanted / ROLLOUT));
  return { rollouts, total: rollouts * ROLLOUT };
}

/** A pod of rollout `r` as kube-scheduler sends it: a Deployment's on even rollouts, a Job's on odd ones. */
export function rolloutPod(r: number, i: number): { name: string; uid: string; pod: Record<string, unknown> } {
  const hash = (0x5f3759d + r * 7919).toString(36).slice(-9);
  const uid = `00000000-0000-4000-8000-${(r * ROLLOUT + i).toString(16).padStart(12, '0')}`;
  const ownerUid = `11111111-0000-4000-8000-${r.toString(16).padStart(12, '0')}`;
  const job = r % 2 === 1;
  const owner = job ? `batch-${r}` : `web-${hash}`;
  const name = `${owner}-${i.toString(36).padStart(5, '0')}`;
  const labels: Record<string, string> = job
    ? {
        'job-name': owner,
        'batch.kubernetes.io/job-name': owner,
        'controller-uid': ownerUid,
        'batch.kubernetes.io/controller-uid': ownerUid,
      }
    : { app: 'web', 'pod-template-hash': hash };
  // Selectors that name the rollout, as a supervisor's workloads carry them: a Deployment's spread
  // over hosts per pod-template-hash (what matchLabelKeys resolves to), a Job's preferred
  // anti-affinity to its own controller-uid. Each makes topology counters that must go with it.
  const terms = job
    ? {
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 10,
                podAffinityTerm: { labelSelector: { matchLabels: { 'controller-uid': ownerUid } }, topologyKey: 'kubernetes.io/hostname' },
              },
            ],
          },
        },
      }
    : {
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'kubernetes.io/hostname',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
          },
        ],
      };
  const [cpu, mem] = SHAPES[i % SHAPES.length];
  return {
    name,
    uid,
    pod: {
      metadata: {
        name,
        namespace: SOAK_NAMESPACE,
        uid,
        resourceVersion: String(1000 + r * ROLLOUT + i),
        labels,
        ownerReferences: [
          { apiVersion: job ? 'batch/v1' : 'apps/v1', kind: job ? 'Job' : 'ReplicaSet', name: owner, uid: ownerUid, controller: true },
        ],
      },
      spec: {
        containers: [
          { name: 'app', image: 'registry.example.com/app:1.0', resources: { requests: { cpu: `${cpu}m`, memory: `${mem}Mi` } } },
        ],
        ...terms,
        restartPolicy: job ? 'Never' : 'Always',
        schedulerName: 'default-scheduler',
        priority: 0,
        preemptionPolicy: 'PreemptLowerPriority',
      },
      status: { phase: 'Pending' },
    },
  };
}

/** A call to the server under soak: its status and body text. */
export type Send = (method: 'POST', path: string, body: string) => Promise<{ status: number; text: string }>;

/**
 * One pod through the extender as kube-scheduler drives it: filter over `names`, then bind to the
 * passing node `pick` chooses (`pick(n)` an index below n). Throws on any refusal; returns each
 * call's client-side latency in ms.
 */
export async function filterAndBind(
  send: Send,
  pod: { name: string; uid: string; body: unknown },
  names: string[],
  pick: (passing: number) => number,
): Promise<{ filterMs: number; bindMs: number }> {
  const f0 = performance.now();
  const filtered = await send('POST', '/scheduler/filter', JSON.stringify({ Pod: pod.body, Nodes: null, NodeNames: names }));
  const f1 = performance.now();
  if (filtered.status !== 200) throw new Error(`filter ${pod.name} → ${filtered.status}: ${filtered.text.slice(0, 300)}`);
  const passing = (JSON.parse(filtered.text) as { NodeNames: string[] | null }).NodeNames ?? [];
  if (passing.length === 0) throw new Error(`filter ${pod.name}: no node passed: ${filtered.text.slice(0, 300)}`);
  const node = passing[pick(passing.length)];
  const bindBody = JSON.stringify({ PodName: pod.name, PodNamespace: SOAK_NAMESPACE, PodUID: pod.uid, Node: node });
  const b0 = performance.now();
  const bound = await send('POST', '/scheduler/bind', bindBody);
  const b1 = performance.now();
  const error = bound.status === 200 ? (JSON.parse(bound.text) as { Error: string }).Error : bound.text;
  if (error !== '') throw new Error(`bind ${pod.name} → ${bound.status}: ${error.slice(0, 300)}`);
  return { filterMs: f1 - f0, bindMs: b1 - b0 };
}
/** One gauge or counter value of a Prometheus text exposition (the sum over its label sets). */
export function metric(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) sum = (sum ?? 0) + Number(m[1]);
  return sum;
}

/** One series of a metric, by its label set as written (`table="counters"`). */
function metricLabelled(text: string, name: string, labels: string): number | null {
  const esc = labels.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${name}\\{${esc}\\} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

export interface Sample {
  pods: number;
  rssMiB: number | null;
  heapMiB: number | null;
  wasmMiB: number | null;
  classes: number | null;
  interned: number | null;
  /** Topology counters (interned's `counters` table). */
  counters: number | null;
  cacheEntries: number | null;
  placements: number | null;
  filterP50: number | null;
  filterP99: number | null;
  bindP50: number | null;
  bindP99: number | null;
}

/** A full GC in the server (SIGUSR2, bench/lib/gc-on-signal.mjs), then its memory, gauges and the latencies given. */
export async function takeSample(
  s: Served,
  metricsText: () => Promise<string>,
  pods: number,
  filterMs: readonly number[],
  bindMs: readonly number[],
): Promise<Sample> {
  process.kill(s.child.pid!, 'SIGUSR2');
  await sleep(1000);
  const text = await metricsText();
  const f = Float64Array.from(filterMs).sort();
  const b = Float64Array.from(bindMs).sort();
  const mib = (x: number | null) => (x === null ? null : x / 2 ** 20);
  const rss = s.rssKiB();
  return {
    pods,
    rssMiB: rss === null ? null : rss / 1024,
    heapMiB: mib(metric(text, 'placer_nodejs_heap_size_used_bytes')),
    wasmMiB: mib(metric(text, 'placer_wasm_memory_bytes')),
    classes: metric(text, 'placer_engine_classes'),
    interned: metric(text, 'placer_engine_interned_names'),
    counters: metricLabelled(text, 'placer_engine_interned_names', 'table="counters"'),
    cacheEntries: metric(text, 'placer_cache_entries'),
    placements: metric(text, 'placer_placements'),
    filterP50: quantile(f, 0.5),
    filterP99: quantile(f, 0.99),
    bindP50: quantile(b, 0.5),
    bindP99: quantile(b, 0.99),
  };
}

/** Whether the rollout just finished (r, 0-based) completes the next tenth of `total` pods. */
export function tenthDone(r: number, samples: number, total: number): boolean {
  return (r + 1) * ROLLOUT >= ((samples + 1) * total) / 10;
}

export function logSample(name: string, x: Sample, t0: number): void {
  progress(
    `${name}: ${int(x.pods)} pods, RSS ${x.rssMiB?.toFixed(1)} MiB, heap ${x.heapMiB?.toFixed(1)} MiB, wasm ${x.wasmMiB?.toFixed(1)} MiB, classes ${x.classes}, filter p50 ${dur(x.filterP50)}, bind p50 ${dur(x.bindP50)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

/** The figures and the table of a soak run: a row per tenth, the last tenth against the first. */
export function soakReport(
  samples: readonly Sample[],
  o: { total: number; seconds: number; store: string; title: string; description: string; notes: readonly string[] },
): Omit<SuiteResult, 'name' | 'seconds'> {
  const first = samples[0];
  const last = samples[samples.length - 1];
  const growth = (a: number | null, b: number | null) => (a === null || b === null || a === 0 ? null : (b / a - 1) * 100);
  const latency = (x: Sample) => (x.filterP50 === null || x.bindP50 === null ? null : x.filterP50 + x.bindP50);
  const figures: SuiteResult['figures'] = {
    pods: o.total,
    hosts: SOAK_HOSTS,
    rolloutSize: ROLLOUT,
    seconds: o.seconds,
    store: o.store,
    firstTenthPods: first.pods,
    rssFirstMiB: first.rssMiB,
    rssLastMiB: last.rssMiB,
    rssGrowthPct: growth(first.rssMiB, last.rssMiB),
    heapFirstMiB: first.heapMiB,
    heapLastMiB: last.heapMiB,
    heapGrowthPct: growth(first.heapMiB, last.heapMiB),
    wasmFirstMiB: first.wasmMiB,
    wasmLastMiB: last.wasmMiB,
    classesFirst: first.classes,
    classesLast: last.classes,
    countersFirst: first.counters,
    countersLast: last.counters,
    filterBindP50FirstMs: latency(first),
    filterBindP50LastMs: latency(last),
    filterBindP50GrowthPct: growth(latency(first), latency(last)),
  };
  const mib = (x: number | null) => (x === null ? null : `${x.toFixed(1)} MiB`);
  const rows: Cell[][] = samples.map((x) => [
    int(x.pods),
    mib(x.rssMiB),
    mib(x.heapMiB),
    mib(x.wasmMiB),
    x.classes,
    x.interned,
    x.counters,
    x.cacheEntries,
    x.placements,
    `${dur(x.filterP50)} / ${dur(x.filterP99)}`,
    `${dur(x.bindP50)} / ${dur(x.bindP99)}`,
  ]);
  return {
    status: 'ok',
    description: o.description,
    tables: [
      {
        title: o.title,
        columns: [
          'pods',
          'RSS',
          'V8 heap',
          'Wasm memory',
          'classes',
          'interned',
          'counters',
          'cache entries',
          'placements',
          'filter p50 / p99',
          'bind p50 / p99',
        ],
        rows,
        notes: [
          ...o.notes,
          `Last tenth vs first: RSS ${growth(first.rssMiB, last.rssMiB)?.toFixed(1)}%, V8 heap ${growth(first.heapMiB, last.heapMiB)?.toFixed(1)}%, filter+bind p50 ${growth(latency(first), latency(last))?.toFixed(1)}%.`,
        ],
      },
    ],
    figures,
  };
}
