// The kube suite's scheduler-mode rounds (bench/suites/kube.ts runs them in the same run, on the
// same nodes and the same pods as kube-scheduler's):
//
//   scheduler mode   `placer serve --kubeconfig … --scheduler-name placer` (leader election on, as
//                    deployed) scheduling the pending pods, which name it in spec.schedulerName;
//                    timed from placer's start (it lists the API server first, as kube-scheduler
//                    syncs its informers) to the last bind seen on a watch;
//   Binding loop     no scheduler: a plain loop of Binding POSTs (node i mod N) with the Binding
//                    concurrency placer uses — the API server's own ceiling for binding these pods;
//   gang             one PodGroup of `members` pods (minMember = members), placed all or nothing:
//                    placer's start to the last member bound.
//
// Each round also prints its account (bench/lib/kube-account.ts): the API server's requests by kind
// and the CPU of the API server, etcd and placer, per pod, from start to the first bind and over
// the bind phase (first to last bind).
//
// PLACER_KUBE_BIND_CONCURRENCY=N: placer's --bind-concurrency and the loop's, other than 16.
// PLACER_KUBE_LOOP_AS=placer: the loop's Bindings sent as placer's ServiceAccount (RBAC and API
// Priority and Fairness as placer meets them) instead of the cluster admin.
//
// PLACER_KUBE_CPU_PROF=DIR: each scheduler-mode placer runs under `node --cpu-prof`, writing its
// profile into DIR when the round's SIGTERM stops it (summarise it with
// `node scripts/cpu-profile-summary.mjs FILE`).

import { progress } from '../lib/report.js';
import { cpuSeconds, perPod, snapshot, type Snapshot } from '../lib/kube-account.js';
import type { ControlPlane } from '../../test/realk8s/controlplane.js';
import type { Kube, Obj } from '../../test/realk8s/kube.js';
import { startPlacer } from '../../test/realk8s/placer.js';

/** Binding POSTs in flight: placer's --bind-concurrency, and the loop's (PLACER_KUBE_BIND_CONCURRENCY: another). */
export const BIND_CONCURRENCY = Number(process.env.PLACER_KUBE_BIND_CONCURRENCY ?? 16);

export interface Timed {
  seconds: number;
  firstBindSeconds: number;
  /** CPU of placer's process per pod (ms); null for the loop. */
  cpuMsPerPod: number | null;
}

/** Run `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/** Watch `ns` from now: resolves `all` once `count` pods show a node; the first and last bind times. */
export async function watchBinds(k: Kube, ns: string, count: number, onFirst?: () => void) {
  const rv = String(((await k.get(`/api/v1/namespaces/${ns}/pods?limit=1`)).metadata as Obj).resourceVersion);
  const bound = new Set<string>();
  const t = { first: 0, last: 0 };
  let done = (): void => {};
  const all = new Promise<void>((r) => (done = r));
  const w = k.watch(`/api/v1/namespaces/${ns}/pods?resourceVersion=${rv}`, (e) => {
    if (e.type !== 'MODIFIED' && e.type !== 'ADDED') return;
    const node = (e.object.spec as Obj | undefined)?.nodeName;
    if (typeof node !== 'string' || node === '') return;
    bound.add(String((e.object.metadata as Obj).name));
    if (t.first === 0) {
      t.first = performance.now();
      onFirst?.();
    }
    if (bound.size === count && t.last === 0) {
      t.last = performance.now();
      done();
    }
  });
  await w.started;
  const wait = async (what: string, timeoutMs: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: ${bound.size} of ${count} pods bound in ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  };
  return { t, wait, stop: () => w.stop(), bound: () => bound.size };
}

/** Create `pods` (pending) in `ns`, BIND_CONCURRENCY at a time. */
export async function createPods(k: Kube, ns: string, pods: Obj[]): Promise<void> {
  await pool(pods, BIND_CONCURRENCY, (p) => k.create(`/api/v1/namespaces/${ns}/pods`, p));
}

/** placer in scheduler mode over the pending pods of `ns`, timed from its start to the last bind. */
export async function schedulerModeRound(
  cp: ControlPlane,
  ns: string,
  count: number,
  ignored: string,
  gate: () => Promise<void>,
): Promise<Timed> {
  let pid: number | undefined;
  let first: Promise<Snapshot> | undefined;
  const w = await watchBinds(cp.admin, ns, count, () => (first = snapshot(cp, pid)));
  try {
    await gate();
    const start = await snapshot(cp);
    const t0 = performance.now();
    const starting = startPlacer(cp, {
      args: [
        '--ignored-resources',
        ignored,
        '--scheduler-name',
        'placer',
        '--bind-concurrency',
        String(BIND_CONCURRENCY),
        '--log-level',
        'warn',
      ],
      nodeArgs: profArgs,
    });
    const p = await starting;
    pid = p.proc.pid;
    try {
      await w.wait('placer scheduler mode', 60_000 + count * 100);
      const cpu = cpuSeconds(p.proc.pid!);
      account('scheduler mode', start, await first!, await snapshot(cp, pid), count);
      return { seconds: (w.t.last - t0) / 1000, firstBindSeconds: (w.t.first - t0) / 1000, cpuMsPerPod: (cpu / count) * 1000 };
    } finally {
      // SIGTERM: placer releases its Lease, so the next round's placer leads at once
      const exited = new Promise<void>((r) => (p.proc.exitCode !== null ? r() : p.proc.once('exit', () => r())));
      p.proc.kill('SIGTERM');
      await exited;
    }
  } finally {
    w.stop();
  }
}

/** The API server's ceiling: Binding POSTs for the pending pods of `ns`, node i mod `nodes`, BIND_CONCURRENCY at once. */
export async function bindingLoopRound(
  cp: ControlPlane,
  ns: string,
  names: string[],
  nodes: string[],
  gate: () => Promise<void>,
): Promise<Timed> {
  const k = process.env.PLACER_KUBE_LOOP_AS === 'placer' ? cp.client('placer') : cp.admin;
  let first: Promise<Snapshot> | undefined;
  const w = await watchBinds(k, ns, names.length, () => (first = snapshot(cp)));
  try {
    await gate();
    const start = await snapshot(cp);
    const t0 = performance.now();
    await pool(
      names.map((name, i) => ({ name, node: nodes[i % nodes.length] })),
      BIND_CONCURRENCY,
      async ({ name, node }) => {
        const r = await k.call('POST', `/api/v1/namespaces/${ns}/pods/${name}/binding`, {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace: ns },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        });
        if (r.code !== 201) throw new Error(`Binding ${ns}/${name}: ${r.code} ${JSON.stringify(r.body).slice(0, 200)}`);
      },
    );
    await w.wait('the Binding loop', 60_000 + names.length * 100);
    account('Binding loop', start, await first!, await snapshot(cp), names.length);
    return { seconds: (w.t.last - t0) / 1000, firstBindSeconds: (w.t.first - t0) / 1000, cpuMsPerPod: null };
  } finally {
    w.stop();
  }
}

/** A PodGroup of `members` (minMember = members) in `ns`. */
export async function createPodGroup(k: Kube, ns: string, name: string, members: number): Promise<void> {
  await k.create(`/apis/scheduling.x-k8s.io/v1alpha1/namespaces/${ns}/podgroups`, {
    apiVersion: 'scheduling.x-k8s.io/v1alpha1',
    kind: 'PodGroup',
    metadata: { name, namespace: ns },
    spec: { minMember: members },
  });
}

/** Node's arguments for a placer or extender process: a CPU profile into PLACER_KUBE_CPU_PROF when set. */
const profDir = process.env.PLACER_KUBE_CPU_PROF;
export const profArgs = profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];

/** A round's account, printed: start to first bind, and the bind phase (first to last bind). */
function account(who: string, start: Snapshot, first: Snapshot, last: Snapshot, pods: number): void {
  progress(`kube: ${who}, start → first bind, ${perPod(start, first, pods)}`);
  progress(`kube: ${who}, first → last bind, ${perPod(first, last, pods)}`);
}
