// restart: time to ready of `placer serve` over a data dir holding 1,000,000 placements, and the
// resident memory each placed workload costs.
//
//   1. start on an empty data dir, POST /v1/apply the hosts (1,000), stop (SIGTERM)
//   2. restart: time to /readyz 200 and RSS with hosts only (the baseline)
//   3. POST /v1/apply the workloads, 100 Deployments × 1,000 replicas per call, stop
//   4. restart: time to /readyz 200 and RSS with every placement rebuilt from the store
//
// RSS per workload = (RSS after 4 − RSS after 2) / placements, both read once the server is
// ready and has idled a second. The applies are timed too (durable placements/s through the API).

import { mkdirSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { batchPlan } from '../lib/generators.js';
import { deployment, list, nodeList } from '../lib/manifests.js';
import { type Suite, type SuiteResult, dur, int, progress, si } from '../lib/report.js';
import { SKIP_REASON, call, serveAvailable, startServer, type Served } from '../lib/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settledRss(s: Served): Promise<number | null> {
  await sleep(1000);
  return s.rssKiB();
}

export const restartSuite: Suite = async (ctx) => {
  const avail = serveAvailable(ctx.root);
  if (!avail.ok)
    return {
      status: 'skipped',
      reason: `${SKIP_REASON}: ${avail.why}`,
      description: 'Time to ready with 1,000,000 stored placements; RSS per placed workload.',
      tables: [],
      figures: {},
    };
  const q = ctx.quick;
  const H = q ? 100 : 1000;
  const deployments = q ? 10 : 1000;
  const perCall = q ? 5 : 100;
  const plan = batchPlan(H, deployments, 1000, ctx.seed);
  const pods = plan.items.filter((it) => it.req.kind === 'Pod');
  const dataDir = join(ctx.tmp, 'restart-data');
  mkdirSync(dataDir, { recursive: true });
  const log = join(ctx.tmp, 'restart-serve.log');
  const agent = new Agent({ keepAlive: true });
  const post = async (s: Served, body: unknown) => {
    const r = await call(agent, s.url, 'POST', '/v1/apply', JSON.stringify(body), {
      'content-type': 'application/json',
      accept: 'application/json',
    });
    if (r.status !== 200) throw new Error(`POST /v1/apply → ${r.status}: ${r.body.toString('utf8').slice(0, 500)}`);
    const summary = (JSON.parse(r.body.toString('utf8')) as { summary?: { placed?: number } }).summary;
    return summary?.placed ?? 0;
  };
  const figures: SuiteResult['figures'] = {};
  try {
    progress(`restart: applying ${H} hosts`);
    let s = await startServer(ctx.root, dataDir, log);
    figures.coldStartEmptyMs = s.readyMs;
    // Hosts, and the namespaces' quotas are left out: every Deployment must place.
    await post(s, nodeList(plan.hosts));
    await s.stop();
    s = await startServer(ctx.root, dataDir, log);
    figures.readyHostsOnlyMs = s.readyMs;
    const rssHosts = await settledRss(s);
    figures.rssHostsOnlyMiB = rssHosts === null ? null : rssHosts / 1024;

    progress(`restart: applying ${int(deployments)} Deployments × 1,000 replicas, ${perCall} per call`);
    let placed = 0;
    const t0 = performance.now();
    for (let i = 0; i < pods.length; i += perCall) {
      const batch = pods.slice(i, i + perCall).map((it, k) => deployment(plan.namespaces[it.ns], `d${String(i + k).padStart(5, '0')}`, it));
      placed += await post(s, list(batch));
      if ((i / perCall) % 2 === 1) progress(`restart: ${int(placed)} placed`);
    }
    const applyMs = performance.now() - t0;
    figures.placements = placed;
    figures.applyMs = applyMs;
    figures.applyPlacementsPerSec = (placed / applyMs) * 1000;
    const rssLive = s.rssKiB();
    figures.rssAfterApplyMiB = rssLive === null ? null : rssLive / 1024;
    await s.stop();

    progress('restart: restarting over the full store');
    await ctx.gate();
    s = await startServer(ctx.root, dataDir, log, 600_000);
    figures.readyFullMs = s.readyMs;
    const rssFull = await settledRss(s);
    figures.rssFullMiB = rssFull === null ? null : rssFull / 1024;
    figures.rssBytesPerWorkload = rssFull === null || rssHosts === null || placed === 0 ? null : ((rssFull - rssHosts) * 1024) / placed;
    // The restarted server must hold what was placed.
    const r = await call(agent, s.url, 'GET', '/v1/hosts', undefined, { accept: 'application/json' });
    if (r.status === 200) {
      const hosts = (JSON.parse(r.body.toString('utf8')) as { items: { workloads?: number }[] }).items;
      figures.workloadsAfterRestart = hosts.reduce((a, h) => a + (h.workloads ?? 0), 0);
    }
    await s.stop();
  } finally {
    agent.destroy();
  }
  const f = (k: string) => figures[k] as number | null;
  return {
    status: 'ok',
    description:
      'Time from process start to /readyz 200 of `placer serve` over a store holding every placement (1,000 hosts, 1,000 Deployments × 1,000 replicas applied through POST /v1/apply), and resident memory per placed workload.',
    tables: [
      {
        title: `restart: ${int(f('placements') ?? 0)} stored placements on ${H} hosts`,
        columns: ['what', 'value'],
        rows: [
          ['ready, empty data dir', dur(f('coldStartEmptyMs'))],
          ['ready, hosts only', dur(f('readyHostsOnlyMs'))],
          [`ready, ${int(f('placements') ?? 0)} placements`, dur(f('readyFullMs'))],
          [
            'workloads held after restart',
            f('workloadsAfterRestart') === null || f('workloadsAfterRestart') === undefined ? '–' : int(f('workloadsAfterRestart')!),
          ],
          ['RSS, hosts only', f('rssHostsOnlyMiB') === null ? '–' : `${f('rssHostsOnlyMiB')!.toFixed(0)} MiB`],
          ['RSS, after restart with every placement', f('rssFullMiB') === null ? '–' : `${f('rssFullMiB')!.toFixed(0)} MiB`],
          ['RSS per placed workload', f('rssBytesPerWorkload') === null ? '–' : `${f('rssBytesPerWorkload')!.toFixed(0)} B`],
          ['apply through POST /v1/apply (durable)', `${dur(f('applyMs'))}, ${si(f('applyPlacementsPerSec'))} placements/s`],
        ],
      },
    ],
    figures,
  };
};
