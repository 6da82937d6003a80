// pending: standalone mode's retry loop on a real `placer serve` and its store.
//
//   1. POST /v1/apply 100 hosts and a namespace whose ResourceQuota allows nothing, then 100
//      Deployments × 1,000 replicas (100 m each): 100,000 pending workloads, written to the store
//   2. the extender's filter at concurrency 1 for a few seconds: its p99 with nothing to retry
//   3. one change frees room for half of them — the quota raised to 50,000 × 100 m — and the
//      extender's filter keeps going at concurrency 1 meanwhile: the time until 50,000 are placed
//      by retries (placer_pending_retry_placements_total), until every pending one was tried, and
//      the filter's p50/p99 during that time
//
// --quick: 20 hosts, 10 × 1,000 replicas.

import { Agent } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Suite, type SuiteResult, dur, int, progress } from '../lib/report.js';
import { SKIP_REASON, call, quantile, serveAvailable, startServer, type Served } from '../lib/server.js';

type Obj = Record<string, unknown>;
const NS = 'bench-pending';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const node = (i: number): Obj => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: `host-${String(i).padStart(4, '0')}`, labels: { 'kubernetes.io/hostname': `host-${i}` } },
  status: { allocatable: { cpu: '64', memory: '512Gi', pods: '1000' } },
});

const quota = (cpu: string): Obj => ({
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'compute', namespace: NS },
  spec: { hard: { 'requests.cpu': cpu } },
});

const deployment = (i: number, replicas: number): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: `app-${i}`, namespace: NS },
  spec: {
    replicas,
    selector: { matchLabels: { app: `app-${i}` } },
    template: {
      metadata: { labels: { app: `app-${i}` } },
      spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
    },
  },
});

const list = (items: Obj[]): string => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });

/** A counter or gauge of /metrics without labels. */
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** The extender's filter at concurrency 1 until `stop()` says so: latencies in ms. */
async function filterLoad(s: Served, agent: Agent, hosts: string[], stop: () => boolean): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; !stop(); i++) {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `probe-${i}`, namespace: 'probe', uid: `probe-uid-${i}` },
      spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
    };
    const body = JSON.stringify({ Pod: pod, Nodes: null, NodeNames: hosts });
    const t0 = performance.now();
    const r = await call(agent, s.url, 'POST', '/scheduler/filter', body, { 'content-type': 'application/json' });
    lat.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`filter → ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
  }
  return lat.sort((a, b) => a - b);
}

const q = (sorted: number[], p: number) => quantile(Float64Array.from(sorted), p);

export const pendingSuite: Suite = async (ctx) => {
  const description =
    'Standalone mode: 100,000 pending workloads (refused by a ResourceQuota) and one change that frees room for half of them; time until the retry loop placed them, and the extender filter p99 meanwhile.';
  const avail = serveAvailable(ctx.root);
  if (!avail.ok) return { status: 'skipped', reason: `${SKIP_REASON}: ${avail.why}`, description, tables: [], figures: {} };
  const H = ctx.quick ? 20 : 100;
  const D = ctx.quick ? 10 : 100;
  const R = 1000;
  const total = D * R;
  const half = total / 2;
  const dataDir = join(ctx.tmp, 'pending-data');
  mkdirSync(dataDir, { recursive: true });
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const figures: SuiteResult['figures'] = { hosts: H, pending: total };
  const s = await startServer(ctx.root, dataDir, join(ctx.tmp, 'pending-serve.log'));
  const post = async (body: string) => {
    const r = await call(agent, s.url, 'POST', '/v1/apply', body, { 'content-type': 'application/json', accept: 'application/json' });
    if (r.status !== 200) throw new Error(`POST /v1/apply → ${r.status}: ${r.body.toString('utf8').slice(0, 500)}`);
  };
  const metrics = async () => (await call(agent, s.url, 'GET', '/metrics')).body.toString('utf8');
  try {
    const hosts = Array.from({ length: H }, (_, i) => node(i));
    await post(list([...hosts, quota('0')]));
    progress(`pending: applying ${int(total)} workloads the quota refuses`);
    const t0 = performance.now();
    for (let d = 0; d < D; d += 10) await post(list(Array.from({ length: Math.min(10, D - d) }, (_, k) => deployment(d + k, R))));
    figures.applyPendingMs = performance.now() - t0;
    const pendingNow = metric(await metrics(), `placer_pending_workloads\\{namespace="${NS}",reason="Quota"\\}`);
    if (pendingNow !== total) throw new Error(`expected ${total} pending workloads, /metrics says ${pendingNow}`);
    // the backoff of the first attempt (1 s) passes before the change
    await sleep(1500);
    const names = hosts.map((h) => (h.metadata as { name: string }).name);

    progress('pending: extender filter, nothing to retry');
    const idleEnd = performance.now() + 3000;
    const idle = await filterLoad(s, agent, names, () => performance.now() > idleEnd);
    figures.filterIdleP50Ms = q(idle, 0.5);
    figures.filterIdleP99Ms = q(idle, 0.99);

    progress(`pending: raising the quota to ${int(half)} × 100m`);
    let done = false;
    const during = filterLoad(s, agent, names, () => done);
    const tc = performance.now();
    await post(list([quota(String((half * 100) / 1000))]));
    let placedMs: number | null = null;
    let quietMs: number | null = null;
    const deadline = tc + 600_000;
    while (performance.now() < deadline) {
      const m = await metrics();
      const placed = metric(m, 'placer_pending_retry_placements_total');
      const tried = metric(m, 'placer_pending_retries_total');
      if (placedMs === null && placed >= half) placedMs = performance.now() - tc;
      if (tried >= total) {
        quietMs = performance.now() - tc;
        break;
      }
      await sleep(250);
    }
    done = true;
    const lat = await during;
    const m = await metrics();
    figures.placedByRetries = metric(m, 'placer_pending_retry_placements_total');
    figures.stillPending = metric(m, `placer_pending_workloads\\{namespace="${NS}",reason="Quota"\\}`);
    figures.timeToPlacedMs = placedMs;
    figures.timeToAllTriedMs = quietMs;
    figures.filterDuringP50Ms = q(lat, 0.5);
    figures.filterDuringP99Ms = q(lat, 0.99);
    figures.filterDuringMaxMs = lat.length > 0 ? lat[lat.length - 1] : null;
    figures.filterDuringCalls = lat.length;
  } finally {
    await s.stop();
    agent.destroy();
  }
  const f = (k: string) => figures[k] as number | null;
  const ms = (k: string) => (f(k) === null ? '–' : `${f(k)!.toFixed(2)} ms`);
  return {
    status: 'ok',
    description,
    tables: [
      {
        title: `pending: ${int(total)} pending workloads on ${H} hosts, a quota raise frees room for ${int(half)}`,
        columns: ['what', 'value'],
        rows: [
          [`apply ${int(total)} workloads the quota refuses (pending, durable)`, dur(f('applyPendingMs'))],
          [`time until ${int(half)} placed by retries`, dur(f('timeToPlacedMs'))],
          [`time until all ${int(total)} were tried`, dur(f('timeToAllTriedMs'))],
          ['placed by retries / still pending', `${int(f('placedByRetries') ?? 0)} / ${int(f('stillPending') ?? 0)}`],
          ['extender filter p50 / p99, nothing to retry', `${ms('filterIdleP50Ms')} / ${ms('filterIdleP99Ms')}`],
          [
            'extender filter p50 / p99 / max, during the retries',
            `${ms('filterDuringP50Ms')} / ${ms('filterDuringP99Ms')} / ${ms('filterDuringMaxMs')}`,
          ],
          ['extender filter calls during the retries', int(f('filterDuringCalls') ?? 0)],
        ],
        notes: ['The filter runs at concurrency 1 with every host named (NodeNames), on the same two cores as the server.'],
      },
    ],
    figures,
  };
};
