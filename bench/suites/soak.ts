// soak: a real `placer serve` (standalone, 100 hosts) under endless churn, as a supervisor runs
// it for months — rollouts of 300 pods, each with a new `pod-template-hash` (Deployments) or new
// `job-name`/`controller-uid` labels (Jobs), every pod through the extender (`filter` with
// NodeNames, then `bind`), the previous rollout's pods released through
// `DELETE /v1/namespaces/{ns}/Pod/{name}`: never more than 600 placements alive, 1,000,000 pods
// through the server (--quick: 3,000).
//
// At every tenth of the run: a full GC in the server (SIGUSR2 with bench/lib/gc-on-signal.mjs
// preloaded), then its RSS (/proc), V8 heap used, Wasm memory and the engine's class and
// interning gauges (/metrics), and the filter and bind latency (client side, median and p99) of
// the calls of that tenth (bench/lib/soak.ts). Flat means: the last tenth within 10% of the first.
// PLACER_SOAK_PODS overrides the number of pods (a long run in the background, a short probe).

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
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
  rolloutPod,
  soakReport,
  soakSize,
  takeSample,
  tenthDone,
} from '../lib/soak.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

export const soakSuite: Suite = async (ctx) => {
  const avail = serveAvailable(ctx.root);
  const description =
    'A real `placer serve` (100 hosts) under churn: rollouts of 300 pods with new pod-template-hash or job-name/controller-uid labels, each pod filtered (NodeNames) and bound through the extender, the previous rollout released through DELETE; memory after a full GC and latency at every tenth of the run.';
  if (!avail.ok) return { status: 'skipped', reason: `${SKIP_REASON}: ${avail.why}`, description, tables: [], figures: {} };
  const { rollouts, total } = soakSize(ctx.quick);
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
    const hosts = uniformHosts(SOAK_HOSTS, 64_000, 512 * Gi, 1024);
    const names = hosts.map((h) => h.name);
    const applied = await send('POST', '/v1/apply', JSON.stringify(nodeList(hosts)));
    if (applied.status !== 200) throw new Error(`POST /v1/apply → ${applied.status}: ${applied.text.slice(0, 300)}`);

    let previous: string[] = [];
    let filterMs: number[] = [];
    let bindMs: number[] = [];
    for (let r = 0; r < rollouts; r++) {
      const current: string[] = [];
      for (let i = 0; i < ROLLOUT; i++) {
        const { name, uid, pod } = rolloutPod(r, i);
        const t = await filterAndBind(send, { name, uid, body: pod }, names, (n) => (r * 31 + i) % n);
        filterMs.push(t.filterMs);
        bindMs.push(t.bindMs);
        current.push(name);
      }
      for (const name of previous) {
        const del = await send('DELETE', `/v1/namespaces/${SOAK_NAMESPACE}/Pod/${name}`);
        if (del.status !== 200) throw new Error(`DELETE ${name} → ${del.status}: ${del.text.slice(0, 300)}`);
      }
      previous = current;
      // a sample at the first rollout that completes each tenth of the pods
      if (tenthDone(r, samples.length, total)) {
        const x = await takeSample(s, async () => (await send('GET', '/metrics')).text, (r + 1) * ROLLOUT, filterMs, bindMs);
        samples.push(x);
        filterMs = [];
        bindMs = [];
        logSample('soak', x, t0);
      }
    }
  } finally {
    await pool.close();
    await s.stop();
    if (shm) rmSync(shm, { recursive: true, force: true });
  }
  return soakReport(samples, {
    total,
    seconds: (performance.now() - t0) / 1000,
    store: shm ? '/dev/shm' : 'disk',
    title: `soak: ${int(total)} pods through the extender, ${SOAK_HOSTS} hosts, rollouts of ${ROLLOUT}`,
    description,
    notes: [
      'Memory after a full GC in the server at each tenth; latency client side over the calls of that tenth (loopback, one connection).',
    ],
  });
};
