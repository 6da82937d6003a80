// soak-kube: the soak's churn (bench/lib/soak.ts) in Kubernetes mode — `placer serve --kubeconfig`
// (a real process) mirroring the project's fake API server (test/apiserver/fake-apiserver.ts, in
// this process): 100 Nodes, then rollouts of 300 pods, each created in the API server (its watch
// brings it into the mirror), filtered (NodeNames) and bound through the extender (placer posts
// the Binding; the watch confirms it), the previous rollout deleted in the API server (the watch
// releases it). A million pods through the real kube-apiserver would take many hours on this
// machine, so the long run is against the fake one; test/realk8s/churn.test.ts shows pods created
// and deleted through the real one leave nothing behind.
//
// Each tenth is sampled as the standalone soak's, once the mirror holds exactly the live rollout
// (the deletions have arrived). PLACER_SOAK_PODS sets the size, as for the standalone soak.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { FakeApiServer, type Obj } from '../../test/apiserver/fake-apiserver.js';
import { uniformHosts, Gi } from '../lib/generators.js';
import { nodeList } from '../lib/manifests.js';
import { type Suite, int, progress } from '../lib/report.js';
import { SKIP_REASON, serveAvailable, startServer, type Served } from '../lib/server.js';
import {
  ROLLOUT,
  SOAK_HOSTS,
  SOAK_NAMESPACE,
  type Sample,
  filterAndBind,
  logSample,
  metric,
  rolloutPod,
  soakReport,
  soakSize,
  takeSample,
  tenthDone,
} from '../lib/soak.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
/** The longest wait for the mirror to show what the API server says. */
const MIRROR_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const soakKubeSuite: Suite = async (ctx) => {
  const avail = serveAvailable(ctx.root);
  const description =
    'The soak in Kubernetes mode: `placer serve --kubeconfig` (100 Nodes) mirroring the fake API server; rollouts of 300 pods created in the API server (watch → mirror), filtered (NodeNames) and bound through the extender (Binding POST, confirmed by the watch), the previous rollout deleted in the API server; memory after a full GC and latency at every tenth of the run.';
  if (!avail.ok) return { status: 'skipped', reason: `${SKIP_REASON}: ${avail.why}`, description, tables: [], figures: {} };
  const { rollouts, total } = soakSize(ctx.quick);
  const f = await FakeApiServer.start({ token: 'soak-token' });
  const dir = join(ctx.tmp, 'soak-kube');
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, f.kubeconfig());
  const hosts = uniformHosts(SOAK_HOSTS, 64_000, 512 * Gi, 1024);
  const names = hosts.map((h) => h.name);
  for (const n of nodeList(hosts).items as Obj[]) f.create(n);
  const gcPreload = fileURLToPath(new URL('../lib/gc-on-signal.mjs', import.meta.url));
  progress(`soak-kube: starting placer serve --kubeconfig, ${int(total)} pods in ${int(rollouts)} rollouts of ${ROLLOUT}`);
  let s: Served | undefined;
  let pool: Pool | undefined;
  const samples: Sample[] = [];
  const t0 = performance.now();
  try {
    s = await startServer(
      ctx.root,
      undefined,
      join(ctx.tmp, 'soak-kube-serve.log'),
      120_000,
      ['--expose-gc', '--import', gcPreload],
      undefined,
      ['--kubeconfig', kubeconfig],
    );
    const p = new Pool(s.url, { connections: 1, pipelining: 1 });
    pool = p;
    const send = async (method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; text: string }> => {
      const res = await p.request({ path, method, ...(body !== undefined && { body, headers: JSON_HEADERS }) });
      return { status: res.statusCode, text: await res.body.text() };
    };
    const metricsText = async () => (await send('GET', '/metrics')).text;
    /** Wait until a gauge reads `want` (the mirror has caught up with the API server). */
    const gaugeIs = async (name: string, want: number, what: string) => {
      const until = performance.now() + MIRROR_WAIT_MS;
      for (;;) {
        const v = metric(await metricsText(), name);
        if (v === want) return;
        if (performance.now() > until) throw new Error(`soak-kube: ${name} is ${v}, not ${want}, ${MIRROR_WAIT_MS} ms after ${what}`);
        await sleep(20);
      }
    };
    await gaugeIs('placer_hosts', SOAK_HOSTS, 'the Nodes were created');

    let previous: string[] = [];
    let filterMs: number[] = [];
    let bindMs: number[] = [];
    for (let r = 0; r < rollouts; r++) {
      const current: string[] = [];
      for (let i = 0; i < ROLLOUT; i++) {
        const { name, uid, pod } = rolloutPod(r, i);
        const { resourceVersion: _rv, ...meta } = pod.metadata as Obj;
        // kube-scheduler sends the pod as its informer holds it: the API server's object, without kind/apiVersion
        const { kind: _k, apiVersion: _a, ...created } = f.create({ apiVersion: 'v1', kind: 'Pod', ...pod, metadata: meta });
        const t = await filterAndBind(send, { name, uid, body: created }, names, (n) => (r * 31 + i) % n);
        filterMs.push(t.filterMs);
        bindMs.push(t.bindMs);
        current.push(name);
      }
      for (const name of previous) f.remove('Pod', SOAK_NAMESPACE, name);
      previous = current;
      // what the fake records of every request (the bench's memory, not placer's)
      f.requests.length = 0;
      f.bindings.length = 0;
      f.bindingPosts.clear();
      if (tenthDone(r, samples.length, total)) {
        await gaugeIs('placer_placements', ROLLOUT, `rollout ${r}'s predecessor was deleted`);
        const x = await takeSample(s, metricsText, (r + 1) * ROLLOUT, filterMs, bindMs);
        samples.push(x);
        filterMs = [];
        bindMs = [];
        logSample('soak-kube', x, t0);
      }
    }
  } finally {
    await pool?.close();
    await s?.stop();
    await f.stop();
  }
  return soakReport(samples, {
    total,
    seconds: (performance.now() - t0) / 1000,
    store: 'none (Kubernetes mode)',
    title: `soak-kube: ${int(total)} pods through the fake API server and the extender, ${SOAK_HOSTS} hosts, rollouts of ${ROLLOUT}`,
    description,
    notes: [
      'Kubernetes mode against the fake API server (test/apiserver), in the benchmark process; placer is a real process.',
      'Memory after a full GC in the server at each tenth, once the mirror holds only the live rollout; latency client side (loopback, one connection).',
    ],
  });
};
