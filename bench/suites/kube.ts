// kube: the real kube-scheduler (v1.26.7 framework) against the real kube-apiserver and etcd
// (test/realk8s's harness), scheduling the same pods onto the same nodes three ways in one run:
//
//   alone     kube-scheduler by itself (NodeResourcesFit ignoring the marker resource, as the
//             extender's managedResources has it ignored)
//   noop      with a do-nothing extender (bench/lib/noop-extender.ts: filter passes all,
//             prioritize 0, bind posts the Binding) configured as placer is: the HTTP floor
//   placer    with `placer serve --kubeconfig` (Kubernetes mode) as its extender, from
//             deploy/kube-scheduler-config.yaml as shipped, and `--extender-choice placer` as
//             deploy/placer.yaml ships it (the filter answers placer's choice alone)
//
// and — the same pods, named for placer (spec.schedulerName) — placer's own scheduler mode, a
// plain loop of Binding POSTs (the API server's ceiling) and a gang of 1,000 pods
// (kube-schedmode.ts), at 500 nodes / 2,000 pods and 5,000 nodes / 5,000 pods (--quick: 50 / 100).
// At each size kube-scheduler alone runs first, placer's scheduler-mode rounds next to it, and the
// extender pairs after them: the control plane slows as its etcd history grows, round after
// round, so the rounds whose ratios are the targets run side by side. Pods per second from
// kube-scheduler's start to the last bind (seen on a watch), kube-scheduler's own
// scheduler_scheduling_algorithm_duration_seconds per pod (its /metrics), and the extender's CPU
// per pod (/proc/<pid>/stat over the round). Every process shares the machine: read the ratios.
//
// Environment (for working on one leg; a full run sets none of them):
//   PLACER_KUBE_SIZES=500          only these node counts (of 500, 5000; --quick: 50)
//   PLACER_KUBE_SCHEDMODE=0        leave out placer's scheduler-mode, Binding-loop and gang rounds
//   PLACER_KUBE_EXTENDERS=0        leave out the extender rounds (kube-scheduler alone is kept:
//                                  scheduler mode's ratio is to it)
//   PLACER_KUBE_PAIRS=3            how many (do-nothing, placer) extender pairs per size (full run: 3,
//                                  --quick: 1): alternating in order, each placer round compared
//                                  with its own pair's do-nothing round, and the median reported
//   PLACER_KUBE_CPU_PROF=<dir>     run both extenders (placer, the do-nothing one) under
//                                  `node --cpu-prof` into <dir>, stopped with SIGTERM so that the
//                                  profile is written

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findBinaries } from '../../test/realk8s/binaries.js';
import { ControlPlane } from '../../test/realk8s/controlplane.js';
import type { Kube, Obj } from '../../test/realk8s/kube.js';
import { applyDeploy, createNode, deployDocs, installPodGroups, pathOf } from '../../test/realk8s/objects.js';
import { startPlacer } from '../../test/realk8s/placer.js';
import { until } from '../../test/realk8s/procs.js';
import { schedulerGet, startScheduler } from '../../test/realk8s/scheduler.js';
import { cpuSeconds } from '../lib/kube-account.js';
import { type Cell, type Suite, type SuiteResult, type Table, progress } from '../lib/report.js';
import {
  BIND_CONCURRENCY,
  bindingLoopRound,
  createPodGroup,
  createPods,
  profArgs,
  schedulerModeRound,
  type Timed,
  watchBinds,
} from './kube-schedmode.js';

const MARKER = 'placer.dev/managed';
const CONCURRENCY = 16;

interface Size {
  nodes: number;
  pods: number;
}

/** A running extender for one round: its urlPrefix and process id (CPU), and how to stop it. */
interface Extender {
  urlPrefix: string;
  pid: number;
  /** filter + prioritize service time from the extender's own metrics, seconds in all (placer only). */
  serviceSeconds?: () => Promise<number>;
  /** Filters that passed several nodes, by who picked among them (placer_extender_choices_total; placer only). */
  choices?: () => Promise<{ placer: number; kubeScheduler: number }>;
  stop(): Promise<void>;
}

/** A way to run kube-scheduler: alone, or with an extender started for the round. */
interface Setup {
  name: string;
  extender?: (cp: ControlPlane) => Promise<Extender>;
}

interface Round {
  setup: string;
  size: Size;
  /** The extender pair the round belongs to (0 for kube-scheduler alone, which runs once). */
  pair: number;
  podsPerSec: number;
  seconds: number;
  firstBindSeconds: number;
  algorithmMsPerPod: number;
  extenderCpuMsPerPod: number | null;
  extenderServiceMsPerPod: number | null;
  /** The share of the filters passing several nodes that answered placer's choice (placer only). */
  placerChoseShare: number | null;
  /** From the moment half the pods were bound to the last bind: the round without its start (JIT warm-up, caches). */
  secondHalf: { podsPerSec: number; extenderCpuMsPerPod: number | null };
}

/** How often a round samples the binds so far and the extender's CPU (for its second half). */
const SAMPLE_MS = 100;

/** Run `fn` over `items` with at most CONCURRENCY in flight. */
async function pool<T>(items: T[], fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

/** The i-th pod of the benchmark: 100m–900m cpu, 128Mi–1Gi memory, the marker placer is sent. */
function benchPod(ns: string, i: number, schedulerName?: string, labels?: Record<string, string>): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: ns, ...(labels && { labels }) },
    spec: {
      ...(schedulerName !== undefined && { schedulerName }),
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'c',
          image: 'registry.example/app:1',
          resources: {
            requests: { cpu: `${100 + ((i * 37) % 9) * 100}m`, memory: `${128 * (1 + ((i * 13) % 8))}Mi`, [MARKER]: '1' },
            limits: { [MARKER]: '1' },
          },
        },
      ],
    },
  };
}

/** The sum of the samples in a Prometheus text exposition whose line starts with `prefix` and contains `labels`. */
function sampleSum(text: string, prefix: string, labels: string): number {
  let v = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(prefix) && line.includes(labels)) v += Number(line.slice(line.lastIndexOf(' ') + 1));
  return v;
}

/** A counter's value (summed over label sets matching `labels`). */
const counter = (text: string, name: string, labels: string): number => sampleSum(text, `${name}{`, labels);

/** A histogram's _sum and _count (summed over label sets matching `labels`). */
function histogram(text: string, name: string, labels = ''): { sum: number; count: number } {
  return { sum: sampleSum(text, `${name}_sum`, labels), count: sampleSum(text, `${name}_count`, labels) };
}

/** The do-nothing extender as a process of its own (same Node flags and loader as this one). */
async function startNoop(cp: ControlPlane): Promise<Extender> {
  const script = join(import.meta.dirname, '..', 'lib', 'noop-extender.ts');
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, ...profArgs, script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NOOP_API_SERVER: cp.url, NOOP_CA_FILE: cp.pki.caCert, NOOP_TOKEN: cp.tokens.admin },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /noop extender on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`the do-nothing extender exited: ${out}`)));
  });
  return {
    urlPrefix: `${url}/scheduler`,
    pid: child.pid!,
    stop: async () => {
      // a profiled extender exits on SIGTERM, writing its profile
      child.kill(profArgs.length > 0 ? 'SIGTERM' : 'SIGKILL');
      await exited;
    },
  };
}

/** placer in Kubernetes mode, as test/realk8s runs it (deploy/ applied), logging warnings only. */
async function startPlacerExtender(cp: ControlPlane): Promise<Extender> {
  // --extender-choice as deploy/placer.yaml ships it
  const p = await startPlacer(cp, {
    args: ['--ignored-resources', MARKER, '--extender-choice', 'placer', '--log-level', 'warn'],
    nodeArgs: profArgs,
  });
  const exited = new Promise<void>((r) => (p.proc.exitCode !== null ? r() : p.proc.once('exit', () => r())));
  return {
    urlPrefix: `${p.url}/scheduler`,
    pid: p.proc.pid!,
    serviceSeconds: async () => {
      const text = await (await fetch(`${p.url}/metrics`)).text();
      const verb = (v: string): number => histogram(text, 'placer_extender_request_duration_seconds', `verb="${v}"`).sum;
      return verb('filter') + verb('prioritize');
    },
    choices: async () => {
      const text = await (await fetch(`${p.url}/metrics`)).text();
      const by = (who: string): number => counter(text, 'placer_extender_choices_total', `by="${who}"`);
      return { placer: by('placer'), kubeScheduler: by('kube-scheduler') };
    },
    stop: async () => {
      // a profiled placer shuts down on SIGTERM, writing its profile as it exits
      p.proc.kill(profArgs.length > 0 ? 'SIGTERM' : 'SIGKILL');
      await exited;
    },
  };
}

/** The setups of a round, in the order they run at every size (more can be appended). */
export const SETUPS: Setup[] = [
  { name: 'kube-scheduler alone' },
  { name: 'with a do-nothing extender', extender: startNoop },
  { name: 'with placer', extender: startPlacerExtender },
];

interface SchedRound {
  setup: string;
  size: Size;
  pods: number;
  t: Timed;
}

/**
 * At one size, after kube-scheduler's rounds: the same pods for placer's scheduler mode, then for
 * the Binding-POST loop, then (`gang` > 0) a PodGroup of `gang` members for scheduler mode.
 */
async function schedulerModeRounds(
  cp: ControlPlane,
  size: Size,
  ns: string,
  gate: () => Promise<void>,
  gang: number,
): Promise<SchedRound[]> {
  const k = cp.admin;
  const out: SchedRound[] = [];
  const all = Array.from({ length: size.pods }, (_, i) => i);
  progress(`kube: ${size.nodes} nodes / ${size.pods} pods, placer's scheduler mode`);
  await createPods(
    k,
    ns,
    all.map((i) => benchPod(ns, i, 'placer')),
  );
  out.push({ setup: 'placer scheduler mode', size, pods: size.pods, t: await schedulerModeRound(cp, ns, size.pods, MARKER, gate) });
  progress(`kube: ${(size.pods / out[0].t.seconds).toFixed(1)} pods/s`);
  await deletePods(k, ns);
  progress(`kube: ${size.nodes} nodes / ${size.pods} pods, a loop of Binding POSTs`);
  await createPods(
    k,
    ns,
    all.map((i) => benchPod(ns, i, 'nobody')),
  );
  const nodes = Array.from({ length: size.nodes }, (_, i) => `kb-${i}`);
  const loop = await bindingLoopRound(
    cp,
    ns,
    all.map((i) => `p-${i}`),
    nodes,
    gate,
  );
  out.push({ setup: 'Binding POST loop', size, pods: size.pods, t: loop });
  progress(`kube: ${(size.pods / loop.seconds).toFixed(1)} pods/s`);
  await deletePods(k, ns);
  if (gang > 0) {
    progress(`kube: ${size.nodes} nodes, a gang of ${gang} pods in scheduler mode`);
    await createPodGroup(k, ns, 'gang', gang);
    const label = { 'scheduling.x-k8s.io/pod-group': 'gang' };
    await createPods(
      k,
      ns,
      Array.from({ length: gang }, (_, i) => benchPod(ns, i, 'placer', label)),
    );
    out.push({
      setup: `placer scheduler mode, one gang (minMember ${gang})`,
      size,
      pods: gang,
      t: await schedulerModeRound(cp, ns, gang, MARKER, gate),
    });
    progress(`kube: the gang bound in ${out[out.length - 1].t.seconds.toFixed(1)} s`);
    await deletePods(k, ns);
  }
  return out;
}

/** Delete every pod of `ns` at once and wait until the API server lists none. */
async function deletePods(k: Kube, ns: string): Promise<void> {
  // thousands of pods in one deletecollection: minutes on a loaded machine, not the client's default 30 s
  const r = await k.call(
    'DELETE',
    `/api/v1/namespaces/${ns}/pods`,
    { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
    'application/json',
    600_000,
  );
  if (r.code !== 200) throw new Error(`deleting the pods of ${ns}: ${r.code} ${JSON.stringify(r.body).slice(0, 300)}`);
  await until(
    async () => ((await k.get(`/api/v1/namespaces/${ns}/pods?limit=1`)).items as Obj[]).length === 0,
    120_000,
    `${ns} empty`,
    200,
  );
}

/** One round: the pods created (pending), kube-scheduler started, timed until the last bind. */
async function round(cp: ControlPlane, setup: Setup, size: Size, ns: string, gate: () => Promise<void>, pair: number): Promise<Round> {
  const k = cp.admin;
  const ext = setup.extender ? await setup.extender(cp) : undefined;
  try {
    await pool(
      Array.from({ length: size.pods }, (_, i) => i),
      (i) => k.create(`/api/v1/namespaces/${ns}/pods`, benchPod(ns, i)),
    );
    const w = await watchBinds(k, ns, size.pods);
    await gate();
    const cpu0 = ext ? cpuSeconds(ext.pid) : 0;
    const service0 = ext?.serviceSeconds ? await ext.serviceSeconds() : 0;
    const choices0 = ext?.choices ? await ext.choices() : null;
    const t0 = performance.now();
    const s = await startScheduler(cp, {
      extender: ext?.urlPrefix,
      percentageOfNodesToScore: 0, // kube's adaptive default, as deployed, in every setup
      ignoredResources: ext ? undefined : [MARKER],
      name: `kube-scheduler-${size.nodes}-${setup.name.replace(/\W+/g, '-')}`,
    });
    // the first sample with half the pods bound: where the second half starts
    let half: { bound: number; cpu: number; t: number } | undefined;
    const sampler = setInterval(() => {
      if (half === undefined && w.bound() >= size.pods / 2)
        half = { bound: w.bound(), cpu: ext ? cpuSeconds(ext.pid) : 0, t: performance.now() };
    }, SAMPLE_MS);
    try {
      await w.wait(setup.name, 60_000 + size.pods * 100);
      clearInterval(sampler);
      const cpuEnd = ext ? cpuSeconds(ext.pid) : 0;
      const cpu = ext ? cpuEnd - cpu0 : null;
      const service = ext?.serviceSeconds ? (await ext.serviceSeconds()) - service0 : null;
      const chose = ext?.choices ? await ext.choices() : null;
      const choices1 =
        chose && choices0 ? { placer: chose.placer - choices0.placer, kube: chose.kubeScheduler - choices0.kubeScheduler } : null;
      const alg = histogram((await schedulerGet(s.port, '/metrics')).text, 'scheduler_scheduling_algorithm_duration_seconds');
      const seconds = (w.t.last - t0) / 1000;
      return {
        setup: setup.name,
        size,
        pair,
        podsPerSec: size.pods / seconds,
        seconds,
        firstBindSeconds: (w.t.first - t0) / 1000,
        algorithmMsPerPod: alg.count > 0 ? (alg.sum / alg.count) * 1000 : NaN,
        extenderCpuMsPerPod: cpu === null ? null : (cpu / size.pods) * 1000,
        extenderServiceMsPerPod: service === null ? null : (service / size.pods) * 1000,
        placerChoseShare: choices1 && choices1.placer + choices1.kube > 0 ? choices1.placer / (choices1.placer + choices1.kube) : null,
        secondHalf:
          half === undefined || half.bound >= size.pods
            ? { podsPerSec: NaN, extenderCpuMsPerPod: null }
            : {
                podsPerSec: ((size.pods - half.bound) / (w.t.last - half.t)) * 1000,
                extenderCpuMsPerPod: ext ? ((cpuEnd - half.cpu) / (size.pods - half.bound)) * 1000 : null,
              },
      };
    } finally {
      clearInterval(sampler);
      w.stop();
      await s.kill();
    }
  } finally {
    await ext?.stop();
    await deletePods(k, ns);
  }
}

/**
 * The rounds of one size in order: kube-scheduler alone once, then `pairs` extender pairs, the
 * do-nothing extender first in even pairs and placer first in odd ones, so that a machine slowing
 * or speeding up over the run favours neither.
 */
function schedule(setups: readonly Setup[], pairs: number): [Setup, number][] {
  const out: [Setup, number][] = setups.filter((s) => !s.extender).map((s) => [s, 0]);
  const ext = setups.filter((s) => s.extender);
  for (let p = 0; p < pairs && ext.length > 0; p++) for (const s of p % 2 === 0 ? ext : [...ext].reverse()) out.push([s, p]);
  return out;
}

/** The median of `xs` (not empty). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

const DESCRIPTION =
  'The real kube-scheduler (v1.26.7 framework), kube-apiserver v1.24 and etcd (test/realk8s) scheduling the same pods onto the same nodes: alone, with a do-nothing extender (the HTTP floor: filter passes all, prioritize 0, bind posts the Binding; configured as placer is) and with placer in Kubernetes mode. Pods/s from kube-scheduler’s start to the last bind; kube-scheduler’s own algorithm time per pod; the extender’s CPU per pod.';

export const kubeSuite: Suite = async (ctx) => {
  const bins = await findBinaries();
  const why =
    typeof bins === 'string'
      ? bins
      : bins.scheduler === undefined
        ? `no kube-scheduler beside ${bins.origin}`
        : spawnSync('openssl', ['version']).status !== 0
          ? 'openssl is not installed (the control plane certificates are made with it)'
          : undefined;
  if (why !== undefined || typeof bins === 'string') {
    progress(`kube: skipped — ${why}`);
    return { status: 'skipped', reason: `no real control plane: ${why}`, description: DESCRIPTION, tables: [], figures: {} };
  }
  const only = (process.env.PLACER_KUBE_SIZES ?? '').split(',').filter(Boolean).map(Number);
  const sizes: Size[] = (
    ctx.quick
      ? [{ nodes: 50, pods: 100 }]
      : [
          { nodes: 500, pods: 2000 },
          { nodes: 5000, pods: 5000 },
        ]
  ).filter((s) => only.length === 0 || only.includes(s.nodes));
  if (sizes.length === 0) throw new Error(`PLACER_KUBE_SIZES=${process.env.PLACER_KUBE_SIZES} names none of this run's node counts`);
  const schedMode = process.env.PLACER_KUBE_SCHEDMODE !== '0';
  const setups = process.env.PLACER_KUBE_EXTENDERS === '0' ? SETUPS.filter((s) => !s.extender) : SETUPS;
  const pairs = ctx.quick ? 1 : Number(process.env.PLACER_KUBE_PAIRS ?? 3);
  if (!Number.isInteger(pairs) || pairs < 1) throw new Error(`PLACER_KUBE_PAIRS=${process.env.PLACER_KUBE_PAIRS}: a whole number ≥ 1`);
  progress('kube: starting etcd and kube-apiserver');
  const cp = await ControlPlane.start(bins);
  const rounds: Round[] = [];
  const own: SchedRound[] = [];
  try {
    await applyDeploy(cp.admin);
    for (const o of deployDocs('placer-scheduler.yaml')) await cp.admin.apply(pathOf(o), o);
    await installPodGroups(cp.admin);
    let made = 0;
    for (const size of sizes) {
      progress(`kube: ${size.nodes} nodes`);
      await pool(
        Array.from({ length: size.nodes - made }, (_, i) => made + i),
        (i) => createNode(cp.admin, `kb-${i}`, { cpu: '32', memory: '128Gi', pods: '110' }),
      );
      made = size.nodes;
      const ns = `kube-bench-${size.nodes}`;
      await cp.admin.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      // scheduler mode's rounds, once, before the first extender round (or after kube-scheduler alone)
      let ownDone = !schedMode;
      const ownRounds = async (): Promise<void> => {
        ownDone = true;
        own.push(...(await schedulerModeRounds(cp, size, ns, ctx.gate, size === sizes[0] ? (ctx.quick ? 100 : 1000) : 0)));
      };
      for (const [setup, pair] of schedule(setups, pairs)) {
        if (setup.extender && !ownDone) await ownRounds();
        progress(`kube: ${size.nodes} nodes / ${size.pods} pods, ${setup.name}${pairs > 1 && setup.extender ? ` (pair ${pair + 1})` : ''}`);
        const r = await round(cp, setup, size, ns, ctx.gate, pair);
        progress(
          `kube: ${r.podsPerSec.toFixed(1)} pods/s in ${r.seconds.toFixed(1)} s, algorithm ${r.algorithmMsPerPod.toFixed(2)} ms/pod, extender CPU ${r.extenderCpuMsPerPod?.toFixed(2) ?? '-'} ms/pod, service ${r.extenderServiceMsPerPod?.toFixed(2) ?? '-'} ms/pod, placer chose ${r.placerChoseShare === null ? '-' : `${(r.placerChoseShare * 100).toFixed(1)}%`}; second half ${Number.isFinite(r.secondHalf.podsPerSec) ? r.secondHalf.podsPerSec.toFixed(1) : '-'} pods/s, extender CPU ${r.secondHalf.extenderCpuMsPerPod?.toFixed(2) ?? '-'} ms/pod`,
        );
        rounds.push(r);
      }
      if (!ownDone) await ownRounds();
    }
  } finally {
    await cp.stop();
  }
  const figures: SuiteResult['figures'] = {};
  const rows: Cell[][] = [];
  for (const size of sizes) {
    const at = rounds.filter((r) => r.size === size);
    const ratios: number[] = [];
    const halfRatios: number[] = [];
    for (const r of at) {
      const noop = at.find((x) => x.setup === SETUPS[1].name && x.pair === r.pair) ?? at[0];
      const key = `${size.nodes}x${size.pods}.${r.setup.replace(/\W+/g, '-')}${r.pair > 0 ? `.pair${r.pair + 1}` : ''}`;
      if (r.setup === SETUPS[2].name && noop.setup === SETUPS[1].name) {
        ratios.push(r.podsPerSec / noop.podsPerSec);
        const h = r.secondHalf.podsPerSec / noop.secondHalf.podsPerSec;
        if (Number.isFinite(h)) halfRatios.push(h);
      }
      if (Number.isFinite(r.secondHalf.podsPerSec)) figures[`${key}.secondHalf.podsPerSec`] = r.secondHalf.podsPerSec;
      if (r.secondHalf.extenderCpuMsPerPod !== null) figures[`${key}.secondHalf.extenderCpuMsPerPod`] = r.secondHalf.extenderCpuMsPerPod;
      figures[`${key}.podsPerSec`] = r.podsPerSec;
      figures[`${key}.seconds`] = r.seconds;
      figures[`${key}.algorithmMsPerPod`] = r.algorithmMsPerPod;
      if (r.extenderCpuMsPerPod !== null) figures[`${key}.extenderCpuMsPerPod`] = r.extenderCpuMsPerPod;
      if (r.extenderServiceMsPerPod !== null) figures[`${key}.extenderServiceMsPerPod`] = r.extenderServiceMsPerPod;
      if (r.placerChoseShare !== null) figures[`${key}.placerChoseShare`] = r.placerChoseShare;
      figures[`${key}.vsNoop`] = r.podsPerSec / noop.podsPerSec;
      rows.push([
        size.nodes.toLocaleString('en-US'),
        size.pods.toLocaleString('en-US'),
        pairs > 1 && r.setup !== SETUPS[0].name ? `${r.setup} (pair ${r.pair + 1})` : r.setup,
        r.podsPerSec.toFixed(1),
        `${(r.podsPerSec / noop.podsPerSec).toFixed(2)}×`,
        `${r.seconds.toFixed(1)} s (first bind ${r.firstBindSeconds.toFixed(1)} s)`,
        `${r.algorithmMsPerPod.toFixed(2)} ms`,
        r.extenderCpuMsPerPod === null ? '—' : `${r.extenderCpuMsPerPod.toFixed(2)} ms`,
        r.extenderServiceMsPerPod === null ? '—' : `${r.extenderServiceMsPerPod.toFixed(2)} ms`,
        r.placerChoseShare === null ? '—' : `${(r.placerChoseShare * 100).toFixed(1)}%`,
        Number.isFinite(r.secondHalf.podsPerSec)
          ? `${r.secondHalf.podsPerSec.toFixed(1)} pods/s (${(r.secondHalf.podsPerSec / noop.secondHalf.podsPerSec).toFixed(2)}×)${
              r.secondHalf.extenderCpuMsPerPod === null ? '' : `, ${r.secondHalf.extenderCpuMsPerPod.toFixed(2)} ms`
            }`
          : '— (the round was over before a sample saw half its pods bound)',
      ]);
    }
    if (ratios.length > 1) {
      const m = median(ratios);
      const h = halfRatios.length > 0 ? median(halfRatios) : NaN;
      figures[`${size.nodes}x${size.pods}.placerVsNoop.median`] = m;
      figures[`${size.nodes}x${size.pods}.placerVsNoop.min`] = Math.min(...ratios);
      if (halfRatios.length > 0) figures[`${size.nodes}x${size.pods}.placerVsNoop.secondHalf.median`] = h;
      rows.push([
        size.nodes.toLocaleString('en-US'),
        size.pods.toLocaleString('en-US'),
        `with placer, median of ${ratios.length} pairs`,
        '—',
        `${m.toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
        '—',
        '—',
        '—',
        '—',
        halfRatios.length > 0 ? `${h.toFixed(2)}× (${Math.min(...halfRatios).toFixed(2)}–${Math.max(...halfRatios).toFixed(2)})` : '—',
      ]);
    }
  }
  const alone = (size: Size) => rounds.find((r) => r.size === size && r.setup === SETUPS[0].name)!;
  const ownRows: Cell[][] = [];
  for (const r of own) {
    const key = `${r.size.nodes}x${r.pods}.${r.setup.replace(/\W+/g, '-')}`;
    const podsPerSec = r.pods / r.t.seconds;
    const loop = own.find((x) => x.size === r.size && x.setup === 'Binding POST loop');
    figures[`${key}.podsPerSec`] = podsPerSec;
    figures[`${key}.seconds`] = r.t.seconds;
    if (r.t.cpuMsPerPod !== null) figures[`${key}.cpuMsPerPod`] = r.t.cpuMsPerPod;
    const vsAlone = r.pods === r.size.pods ? podsPerSec / alone(r.size).podsPerSec : null;
    const vsLoop = loop && r.pods === r.size.pods ? podsPerSec / (loop.pods / loop.t.seconds) : null;
    if (vsAlone !== null) figures[`${key}.vsKubeSchedulerAlone`] = vsAlone;
    if (vsLoop !== null) figures[`${key}.vsBindingLoop`] = vsLoop;
    // the bind phase alone (first to last bind): the rate once the start is behind
    const bindPhase = (x: SchedRound): number => x.pods / Math.max(x.t.seconds - x.t.firstBindSeconds, 1e-3);
    const phase = bindPhase(r);
    figures[`${key}.bindPhasePodsPerSec`] = phase;
    const phaseOfLoop = loop && r.pods === r.size.pods ? phase / bindPhase(loop) : null;
    ownRows.push([
      r.size.nodes.toLocaleString('en-US'),
      r.pods.toLocaleString('en-US'),
      r.setup,
      podsPerSec.toFixed(1),
      vsAlone === null ? '—' : `${vsAlone.toFixed(2)}×`,
      vsLoop === null ? '—' : `${(vsLoop * 100).toFixed(0)}%`,
      `${r.t.seconds.toFixed(1)} s (first bind ${r.t.firstBindSeconds.toFixed(1)} s)`,
      `${phase.toFixed(1)}${phaseOfLoop === null ? '' : ` (${(phaseOfLoop * 100).toFixed(0)}%)`}`,
      r.t.cpuMsPerPod === null ? '—' : `${r.t.cpuMsPerPod.toFixed(2)} ms`,
    ]);
  }
  const ownTable: Table = {
    title: "kube: placer's scheduler mode vs kube-scheduler alone vs the API server's Binding ceiling (same run, same nodes and pods)",
    columns: [
      'nodes',
      'pods',
      'who binds',
      'pods/s',
      'vs kube-scheduler alone',
      'of the Binding-POST loop',
      'start → last bind',
      'bind phase: pods/s (of the loop’s)',
      'placer CPU per pod',
    ],
    rows: ownRows,
    notes: [
      `Scheduler mode: \`placer serve --kubeconfig … --scheduler-name placer\` (leader election on, --batch-window 50ms, --batch-size 1000, --bind-concurrency ${BIND_CONCURRENCY}, a Scheduled Event per pod) over the same pods with spec.schedulerName placer, timed from placer's start (it lists the API server first) to the last bind seen on a watch; its bind phase, from the first bind to the last, is the rate once the start is behind. Binding-POST loop: no scheduler, ${BIND_CONCURRENCY} Binding POSTs in flight (node i mod N), the API server's ceiling. Gang: one PodGroup whose minMember is every member, all or nothing.`,
    ],
  };
  return {
    status: 'ok',
    description: DESCRIPTION,
    tables: [
      ownTable,
      {
        title: 'kube: the real kube-scheduler, pods/s from its start to the last bind (one run, every process on this machine)',
        columns: [
          'nodes',
          'pods',
          'kube-scheduler',
          'pods/s',
          'vs do-nothing extender',
          'start → last bind',
          'algorithm time per pod (kube-scheduler)',
          'extender CPU per pod',
          'filter + prioritize service time per pod',
          'placer chose',
          'second half: pods/s (vs do-nothing), extender CPU per pod',
        ],
        rows,
        notes: [
          'Nodes 32 cpu / 128Gi / 110 pods; pods 100m–900m cpu, 128Mi–1Gi, each requesting the placer.dev/managed marker (managedResources, ignoredByScheduler). percentageOfNodesToScore: the adaptive default in every setup.',
          'Pairs (PLACER_KUBE_PAIRS, 3 in a full run): the do-nothing extender and placer run in alternating order pair after pair; each placer round is compared with the do-nothing round of its own pair, and the median of those ratios (range in brackets) is the figure that reads through the machine moving between rounds.',
          "Second half: from the moment half the pods were bound (sampled every 100 ms) to the last bind — the round without its start, where each extender's process is new (JIT warm-up, caches filling); the acceptance ratio is the whole round's.",
          'Algorithm time: scheduler_scheduling_algorithm_duration_seconds _sum ÷ _count (filter and score including the extender calls). Extender CPU: user + system time of its process over the round ÷ pods. Service time: placer_extender_request_duration_seconds _sum of filter and prioritize ÷ pods (bind waits on the API server).',
          "placer chose: of the filter calls that passed several nodes, the share that answered placer's own choice (--extender-choice placer, as deploy/placer.yaml ships it; kube-scheduler then skips its scoring and prioritize) rather than every passing node, which it answers while another pod's bind has not reached it (placer_extender_choices_total).",
        ],
      },
    ],
    figures,
  };
};
