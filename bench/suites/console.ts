// console: the web console against a served instance holding 5,000 hosts and 1,000,000
// placements (--quick: 300 hosts, 20,000 placements), in headless Chromium (found by
// scripts/chromium.ts: PLACER_CHROMIUM, the system's, or the npm package; driven by playwright-core).
//
//   1. start `placer serve` on an empty data dir, POST /v1/apply the hosts (a few cordoned) and
//      1,000 Deployments × 1,000 replicas, 100 Deployments per call
//   2. the data behind the cluster view: GET /v1/hosts?format=columns (size, latency), a poll
//      answered 304, GET /v1/hosts/{name} (the hover card)
//   3. time to first paint of the cluster view: navigation start → the frame after the heatmap's
//      first draw with every host (the page's `placer:cluster-first-paint` performance mark);
//      cold (new browser context, nothing cached) and warm (reload: bundles from cache)
//   4. responsiveness: switching the coloured resource (click → the next frame after the
//      redraw), and the main thread's longest task while loading

import { mkdirSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { batchPlan } from '../lib/generators.js';
import { deployment, list, nodeList } from '../lib/manifests.js';
import { type Suite, type SuiteResult, dur, int, progress, si } from '../lib/report.js';
import { SKIP_REASON, call, serveAvailable, startServer } from '../lib/server.js';
import { findChromium, launchChromium } from '../../scripts/chromium.js';

const MARK = 'placer:cluster-first-paint';
const DESCRIPTION =
  'The web console (`/ui`) in headless Chromium against `placer serve` holding 5,000 hosts and 1,000,000 placements (1,000 Deployments × 1,000 replicas applied through `POST /v1/apply`): time from navigation start to the first frame of the cluster heatmap with every host, the columnar host list behind it, the hover card endpoint, and a resource switch.';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

export const consoleSuite: Suite = async (ctx) => {
  const skipped = (reason: string): Omit<SuiteResult, 'name' | 'seconds'> => ({
    status: 'skipped',
    reason,
    description: DESCRIPTION,
    tables: [],
    figures: {},
  });
  try {
    await findChromium();
  } catch (err) {
    return skipped((err as Error).message);
  }
  const avail = serveAvailable(ctx.root);
  if (!avail.ok) return skipped(`${SKIP_REASON}: ${avail.why}`);

  const q = ctx.quick;
  const H = q ? 300 : 5000;
  const deployments = q ? 20 : 1000;
  const perCall = q ? 10 : 100;
  const plan = batchPlan(H, deployments, 1000, ctx.seed);
  // a few hosts in maintenance, as in a real cluster (the heatmap hatches them)
  plan.hosts.forEach((h, i) => i % 250 === 17 && (h.unschedulable = true));
  const pods = plan.items.filter((it) => it.req.kind === 'Pod');
  const dataDir = join(ctx.tmp, 'console-data');
  mkdirSync(dataDir, { recursive: true });
  const agent = new Agent({ keepAlive: true });
  const figures: SuiteResult['figures'] = {};
  const s = await startServer(ctx.root, dataDir, join(ctx.tmp, 'console-serve.log'));
  const browser = await launchChromium();
  try {
    const post = async (body: unknown): Promise<number> => {
      const r = await call(agent, s.url, 'POST', '/v1/apply', JSON.stringify(body), { 'content-type': 'application/json' });
      if (r.status !== 200) throw new Error(`POST /v1/apply → ${r.status}: ${r.body.toString('utf8').slice(0, 500)}`);
      return (JSON.parse(r.body.toString('utf8')) as { summary: { placed: number } }).summary.placed;
    };
    progress(`console: applying ${int(H)} hosts and ${int(deployments)} Deployments × 1,000 replicas`);
    await post(nodeList(plan.hosts));
    let placed = 0;
    for (let i = 0; i < pods.length; i += perCall) {
      placed += await post(
        list(pods.slice(i, i + perCall).map((it, k) => deployment(plan.namespaces[it.ns], `d${String(i + k).padStart(5, '0')}`, it))),
      );
      if ((i / perCall) % 2 === 1) progress(`console: ${int(placed)} placed`);
    }
    figures.hosts = H;
    figures.placements = placed;

    // the data behind the view
    const path = '/v1/hosts?format=columns&labels=topology.kubernetes.io%2Fzone';
    const times: number[] = [];
    let bytes = 0;
    let etag = '';
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await call(agent, s.url, 'GET', path);
      times.push(performance.now() - t0);
      bytes = r.body.byteLength;
      etag = String(r.headers.etag ?? '');
    }
    figures.columnsMs = median(times);
    figures.columnsBytes = bytes;
    const notModified: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const r = await call(agent, s.url, 'GET', path, undefined, { 'if-none-match': etag });
      notModified.push(performance.now() - t0);
      if (r.status !== 304) throw new Error(`a poll with the current ETag answered ${r.status}, not 304`);
    }
    figures.poll304Ms = median(notModified);
    const detail: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const r = await call(agent, s.url, 'GET', `/v1/hosts/${plan.hosts[(i * 37) % H].name}`);
      detail.push(performance.now() - t0);
      if (r.status !== 200) throw new Error(`GET /v1/hosts/{name} → ${r.status}`);
    }
    figures.hostDetailMs = median(detail);

    // first paint: cold (fresh context) then warm (reloads)
    progress('console: time to first paint in Chromium');
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    const page = await context.newPage();
    const firstPaint = async (): Promise<number> => {
      await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, MARK, { timeout: 120_000 });
      return page.evaluate((m) => performance.getEntriesByName(m)[0].startTime, MARK);
    };
    await page.goto(`${s.url}/ui/#/cluster`);
    figures.firstPaintColdMs = await firstPaint();
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      await page.reload();
      warm.push(await firstPaint());
    }
    figures.firstPaintWarmMs = median(warm);
    // In-page code as text: this file is compiled without the DOM's types.
    figures.hostsDrawn = Number(
      await page.evaluate<string>(`document.querySelector('[data-testid="cluster-summary"] strong')?.textContent ?? ''`),
    );
    // the longest main-thread task of a load (buffered long-task entries)
    figures.longestTaskMs = await page.evaluate<number>(`new Promise((resolve) => {
      let max = 0;
      new PerformanceObserver((l) => { for (const e of l.getEntries()) max = Math.max(max, e.duration); }).observe({ type: 'longtask', buffered: true });
      setTimeout(() => resolve(max), 200);
    })`);
    // a resource switch: click → the frame after the redraw
    const switches: number[] = [];
    for (let i = 0; i < 6; i++) {
      const testId = i % 2 === 0 ? 'resource-memory' : 'resource-cpu';
      switches.push(
        await page.evaluate<number>(`new Promise((resolve) => {
          const t0 = performance.now();
          document.querySelector('[data-testid="${testId}"]').click();
          requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
        })`),
      );
    }
    figures.resourceSwitchMs = median(switches);
    await context.close();
  } finally {
    await browser.close();
    agent.destroy();
    await s.stop();
  }
  const f = (k: string) => figures[k] as number;
  return {
    status: 'ok',
    description: DESCRIPTION,
    tables: [
      {
        title: `console: ${int(f('hosts'))} hosts, ${int(f('placements'))} placements`,
        columns: ['what', 'value'],
        rows: [
          ['first paint of the cluster view, cold (nothing cached)', dur(f('firstPaintColdMs'))],
          ['first paint of the cluster view, warm (median of 5 reloads)', dur(f('firstPaintWarmMs'))],
          ['longest main-thread task during a load', f('longestTaskMs') > 0 ? dur(f('longestTaskMs')) : 'none over 50 ms'],
          ['resource switch: click → next frame after the redraw (median)', dur(f('resourceSwitchMs'))],
          ['GET /v1/hosts?format=columns (median of 5)', `${dur(f('columnsMs'))}, ${si(f('columnsBytes'))}B`],
          ['the same poll with a current ETag → 304 (median of 20)', dur(f('poll304Ms'))],
          ['GET /v1/hosts/{name}, the hover card (median of 20)', dur(f('hostDetailMs'))],
        ],
        notes: [
          'First paint: navigation start → the frame after the heatmap first drew every host (the page marks it); includes loading the bundle and the host columns.',
        ],
      },
    ],
    figures,
  };
};
