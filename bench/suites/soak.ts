// soak: a real `placer serve` (standalone, 100 hosts) under endless churn, as a supervisor runs
// it for months — rollouts of 300 pods, each with a new `pod-template-hash` (Deployments) or new
// `job-name`/`controller-uid` labels (Jobs), every pod through the extender (`filter` with
// NodeNames, then `bind`), the previous rollout's pods released through
// `DELETE /v1/namespaces/{ns}/Pod/{name}`: never more than 600 placements alive, 1,000,000 pods
// through the server (--quick: 6,000).
//
// At every tenth of the run: a full GC in the server (SIGUSR2 with bench/lib/gc-on-signal.mjs
// preloaded), then its RSS (/proc), V8 heap used, Wasm memory and the engine's class and
// interning gauges (/metrics), and the filter and bind latency (client side, median and p99) of
// the calls of that tenth. Flat means: the last tenth within 10% of the first.
// PLACER_SOAK_PODS overrides the number of pods (a long run in the background, a short probe).

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { uniformHosts, Gi } from '../lib/generators.js';
import { nodeList } from '../lib/manifests.js';
import { type Cell, type Suite, type SuiteResult, dur, int, progress } from '../lib/report.js';
import { SKIP_REASON, quantile, serveAvailable, startServer, type Served } from '../lib/server.js';

const HOSTS = 100;
const ROLLOUT = 300;
const NAMESPACE = 'team-soak';
const JSON_HEADERS = { 'content-type': 'application/json' };
/** Request shapes a rollout's pods cycle through (millicores, MiB). */
const SHAPES: readonly [number, number][] = [
  [100, 128],
  [250, 256],
  [500, 512],
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pod of rollout `r` as kube-scheduler sends it: a Deployment's on even rollouts, a Job's on odd ones. */
function rolloutPod(r: number, i: number): { name: string; uid: string; pod: Record<string, unknown> } {
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
  const [cpu, mem] = SHAPES[i % SHAPES.length];
  return {
    name,
    uid,
    pod: {
      metadata: {
        name,
        namespace: NAMESPACE,
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
        restartPolicy: job ? 'Never' : 'Always',
        schedulerName: 'default-scheduler',
        priority: 0,
        preemptionPolicy: 'PreemptLowerPriority',
      },
      status: { phase: 'Pending' },
    },
  };
}

/** One gauge or counter value of a Prometheus text exposition (the sum over its label sets). */
function metric(text: string, name: string): number | null {
  let sum: number | null = null;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))) sum = (sum ?? 0) + Number(m[1]);
  return sum;
}

interface Sample {
  pods: number;
  rssMiB: number | null;
  heapMiB: number | null;
  wasmMiB: number | null;
  classes: number | null;
  interned: number | null;
  cacheEntries: number | null;
  placements: number | null;
  filterP50: number | null;
  filterP99: number | null;
  bindP50: number | null;
  bindP99: number | null;
}

export const soakSuite: Suite = async (ctx) => {
  const avail = serveAvailable(ctx.root);
  const description =
    'A real `placer serve` (100 hosts) under churn: rollouts of 300 pods with new pod-template-hash or job-name/controller-uid labels, each pod filtered (NodeNames) and bound through the extender, the previous rollout released through DELETE; memory after a full GC and latency at every tenth of the run.';
  if (!avail.ok) return { status: 'skipped', reason: `${SKIP_REASON}: ${avail.why}`, description, tables: [], figures: {} };
  const envPods = Number(process.env.PLACER_SOAK_PODS ?? '');
  const wanted = envPods > 0 ? envPods : ctx.quick ? 6_000 : 1_000_000;
  const rollouts = Math.max(10, Math.ceil(wanted / ROLLOUT));
  const total = rollouts * ROLLOUT;
  // The store on /dev/shm when there is one: durable writes cost an fsync each on a disk, which
  // would measure the disk for hours; what grows in memory is the same.
  const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/placer-soak-') : undefined;
  const dataDir = shm ?? join(ctx.tmp, 'soak-data');
  mkdirSync(dataDir, { recursive: true });
  const gcPreload = fileURLToPath(new URL('../lib/gc-on-signal.mjs', import.meta.url));
  progress(`soak: starting placer serve, ${int(total)} pods in ${int(rollouts)} rollouts of ${ROLLOUT}`);
  const s: Served = await startServer(ctx.root, dataDir, join(ctx.tmp, 'soak-serve.log'), 120_000, ['--expose-gc', '--import', gcPreload]);
  const pool = new Pool(s.url, { connections: 1, pipelining: 1 });
  const send = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: string): Promise<{ status: number; text: string }> => {
    const res = await pool.request({ path, method, ...(body !== undefined && { body, headers: JSON_HEADERS }) });
    return { status: res.statusCode, text: await res.body.text() };
  };
  const samples: Sample[] = [];
  const t0 = performance.now();
  try {
    const hosts = uniformHosts(HOSTS, 64_000, 512 * Gi, 1024);
    const names = hosts.map((h) => h.name);
    const applied = await send('POST', '/v1/apply', JSON.stringify(nodeList(hosts)));
    if (applied.status !== 200) throw new Error(`POST /v1/apply → ${applied.status}: ${applied.text.slice(0, 300)}`);

    const sample = async (pods: number, filterMs: number[], bindMs: number[]): Promise<Sample> => {
      process.kill(s.child.pid!, 'SIGUSR2');
      await sleep(1000);
      const m = await send('GET', '/metrics');
      const f = Float64Array.from(filterMs).sort();
      const b = Float64Array.from(bindMs).sort();
      const mib = (x: number | null) => (x === null ? null : x / 2 ** 20);
      const rss = s.rssKiB();
      return {
        pods,
        rssMiB: rss === null ? null : rss / 1024,
        heapMiB: mib(metric(m.text, 'placer_nodejs_heap_size_used_bytes')),
        wasmMiB: mib(metric(m.text, 'placer_wasm_memory_bytes')),
        classes: metric(m.text, 'placer_engine_classes'),
        interned: metric(m.text, 'placer_engine_interned_names'),
        cacheEntries: metric(m.text, 'placer_cache_entries'),
        placements: metric(m.text, 'placer_placements'),
        filterP50: quantile(f, 0.5),
        filterP99: quantile(f, 0.99),
        bindP50: quantile(b, 0.5),
        bindP99: quantile(b, 0.99),
      };
    };

    let previous: string[] = [];
    let filterMs: number[] = [];
    let bindMs: number[] = [];
    for (let r = 0; r < rollouts; r++) {
      const current: string[] = [];
      for (let i = 0; i < ROLLOUT; i++) {
        const { name, uid, pod } = rolloutPod(r, i);
        const f0 = performance.now();
        const filtered = await send('POST', '/scheduler/filter', JSON.stringify({ Pod: pod, Nodes: null, NodeNames: names }));
        const f1 = performance.now();
        if (filtered.status !== 200) throw new Error(`filter ${name} → ${filtered.status}: ${filtered.text.slice(0, 300)}`);
        const passing = (JSON.parse(filtered.text) as { NodeNames: string[] | null }).NodeNames ?? [];
        if (passing.length === 0) throw new Error(`filter ${name}: no node passed: ${filtered.text.slice(0, 300)}`);
        const node = passing[(r * 31 + i) % passing.length];
        const bindBody = JSON.stringify({ PodName: name, PodNamespace: NAMESPACE, PodUID: uid, Node: node });
        const b0 = performance.now();
        const bound = await send('POST', '/scheduler/bind', bindBody);
        const b1 = performance.now();
        const error = bound.status === 200 ? (JSON.parse(bound.text) as { Error: string }).Error : bound.text;
        if (error !== '') throw new Error(`bind ${name} → ${bound.status}: ${error.slice(0, 300)}`);
        filterMs.push(f1 - f0);
        bindMs.push(b1 - b0);
        current.push(name);
      }
      for (const name of previous) {
        const del = await send('DELETE', `/v1/namespaces/${NAMESPACE}/Pod/${name}`);
        if (del.status !== 200) throw new Error(`DELETE ${name} → ${del.status}: ${del.text.slice(0, 300)}`);
      }
      previous = current;
      // a sample at the first rollout that completes each tenth of the pods
      if ((r + 1) * ROLLOUT >= ((samples.length + 1) * total) / 10) {
        const x = await sample((r + 1) * ROLLOUT, filterMs, bindMs);
        samples.push(x);
        filterMs = [];
        bindMs = [];
        progress(
          `soak: ${int(x.pods)} pods, RSS ${x.rssMiB?.toFixed(1)} MiB, heap ${x.heapMiB?.toFixed(1)} MiB, wasm ${x.wasmMiB?.toFixed(1)} MiB, classes ${x.classes}, filter p50 ${dur(x.filterP50)}, bind p50 ${dur(x.bindP50)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        );
      }
    }
  } finally {
    await pool.close();
    await s.stop();
    if (shm) rmSync(shm, { recursive: true, force: true });
  }
  const first = samples[0];
  const last = samples[samples.length - 1];
  const growth = (a: number | null, b: number | null) => (a === null || b === null || a === 0 ? null : (b / a - 1) * 100);
  const latency = (x: Sample) => (x.filterP50 === null || x.bindP50 === null ? null : x.filterP50 + x.bindP50);
  const figures: SuiteResult['figures'] = {
    pods: total,
    hosts: HOSTS,
    rolloutSize: ROLLOUT,
    seconds: (performance.now() - t0) / 1000,
    store: shm ? '/dev/shm' : 'disk',
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
    x.cacheEntries,
    x.placements,
    `${dur(x.filterP50)} / ${dur(x.filterP99)}`,
    `${dur(x.bindP50)} / ${dur(x.bindP99)}`,
  ]);
  return {
    status: 'ok',
    description,
    tables: [
      {
        title: `soak: ${int(total)} pods through the extender, ${HOSTS} hosts, rollouts of ${ROLLOUT}`,
        columns: [
          'pods',
          'RSS',
          'V8 heap',
          'Wasm memory',
          'classes',
          'interned',
          'cache entries',
          'placements',
          'filter p50 / p99',
          'bind p50 / p99',
        ],
        rows,
        notes: [
          'Memory after a full GC in the server at each tenth; latency client side over the calls of that tenth (loopback, one connection).',
          `Last tenth vs first: RSS ${growth(first.rssMiB, last.rssMiB)?.toFixed(1)}%, V8 heap ${growth(first.heapMiB, last.heapMiB)?.toFixed(1)}%, filter+bind p50 ${growth(latency(first), latency(last))?.toFixed(1)}%.`,
        ],
      },
    ],
    figures,
  };
};
