// failover, service side: the extender's filter of a real `placer serve` on 127.0.0.1 at `hosts`
// hosts with protected namespaces present (bench/lib/failover-cluster.ts, the engine rows'
// cluster given as manifests). Per pod, as kube-scheduler drives the extender in NodeNames mode
// with every name: POST /scheduler/filter, then POST /scheduler/bind to a passing host, then the
// previous pod is deleted (DELETE /v1/namespaces/<ns>/pods/<name>), so every filter follows a
// bind and a release. Client-side p50/p99, the server's own histogram
// (placer_extender_request_duration_seconds, verb filter: a bucket bound and the mean) and the
// server's CPU per pod (/proc, filter + bind + delete).

import { mkdirSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { nodeManifests, policyManifests, runningPods } from '../lib/failover-cluster.js';
import { type Cell, type SuiteContext, dur, int, progress } from '../lib/report.js';
import { call, histogram, histogramMeanMs, histogramQuantile, quantile, serveAvailable, startServer } from '../lib/server.js';
import { metricsText } from './extender.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const METRIC = 'placer_extender_request_duration_seconds';

export interface ServiceFilter {
  rows: Cell[][];
  figures: Record<string, number | null>;
  skipped?: string;
}

/** A pending v1.Pod as kube-scheduler sends it in ExtenderArgs. */
function pendingPod(ns: string, i: number): Record<string, unknown> {
  return {
    metadata: { name: `probe-${i}`, namespace: ns, uid: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}` },
    spec: {
      containers: [{ name: 'app', image: 'registry.example.com/app:1.0', resources: { requests: { cpu: '500m', memory: '1Gi' } } }],
      schedulerName: 'default-scheduler',
    },
    status: { phase: 'Pending' },
  };
}

async function post(agent: Agent, url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await call(agent, url, 'POST', path, JSON.stringify(body), JSON_HEADERS);
  if (r.status !== 200) throw new Error(`POST ${path} → ${r.status}: ${r.body.toString('utf8').slice(0, 500)}`);
  return JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
}

export async function serviceFilter(ctx: SuiteContext, hosts: number, perHost: number, calls: number): Promise<ServiceFilter> {
  const avail = serveAvailable(ctx.root);
  if (!avail.ok) return { rows: [], figures: {}, skipped: avail.why };
  const dataDir = join(ctx.tmp, 'failover-serve-data');
  mkdirSync(dataDir, { recursive: true });
  progress('failover: starting placer serve');
  const s = await startServer(ctx.root, dataDir, join(ctx.tmp, 'failover-serve.log'));
  const agent = new Agent({ keepAlive: true });
  const rows: Cell[][] = [];
  const figures: Record<string, number | null> = {};
  try {
    const nodes = nodeManifests(hosts);
    const names = nodes.map((n) => (n.metadata as { name: string }).name);
    progress(`failover: applying ${int(hosts)} hosts, ${int(hosts * perHost)} running pods and the failover policies`);
    await post(agent, s.url, '/v1/apply', nodes);
    for (const chunk of runningPods(names, perHost, 5000)) await post(agent, s.url, '/v1/apply', chunk);
    await post(agent, s.url, '/v1/apply', policyManifests());
    // one filter first, not timed: it builds failover admission's plans, as the first filter after a restart does
    await post(agent, s.url, '/scheduler/filter', { Pod: pendingPod('team-0', 1_000_000), Nodes: null, NodeNames: names });
    let uid = 0;
    for (const ns of ['team-7', 'team-0']) {
      const key = ns === 'team-7' ? 'plain' : 'protected';
      const times: number[] = [];
      let failed = 0;
      await ctx.gate();
      let before = '';
      let c0: number | null = null;
      let prev: string | null = null;
      // the first tenth is a warmup, not counted: the server's heap settles after the setup's applies
      const warmup = Math.ceil(calls / 10);
      for (let i = -warmup; i < calls; i++, uid++) {
        if (i === 0) {
          times.length = 0;
          failed = 0;
          before = await metricsText(s, agent);
          c0 = s.cpuSeconds();
        }
        const pod = pendingPod(ns, uid);
        const body = JSON.stringify({ Pod: pod, Nodes: null, NodeNames: names });
        const t0 = performance.now();
        const r = await call(agent, s.url, 'POST', '/scheduler/filter', body, JSON_HEADERS);
        times.push(performance.now() - t0);
        const o = JSON.parse(r.body.toString('utf8')) as { NodeNames?: string[]; FailedNodes?: Record<string, string>; Error?: string };
        if (r.status !== 200 || o.Error || !o.NodeNames?.length)
          throw new Error(`filter → ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
        failed += Object.keys(o.FailedNodes ?? {}).length;
        // kube-scheduler binds to the host its own scores pick: a passing host, spread over the cluster
        const node = o.NodeNames[(uid * 7919) % o.NodeNames.length];
        const { metadata } = pod as { metadata: { name: string; uid: string } };
        const b = await post(agent, s.url, '/scheduler/bind', {
          PodName: metadata.name,
          PodNamespace: ns,
          PodUID: metadata.uid,
          Node: node,
        });
        if (b.Error) throw new Error(`bind → ${String(b.Error)}`);
        if (prev !== null) {
          const d = await call(agent, s.url, 'DELETE', `/v1/namespaces/${ns}/pods/${prev}`);
          if (d.status !== 200) throw new Error(`DELETE ${prev} → ${d.status}`);
        }
        prev = metadata.name;
      }
      const c1 = s.cpuSeconds();
      const after = await metricsText(s, agent);
      const match = { verb: 'filter' };
      const serviceP99 = histogramQuantile(histogram(before, METRIC, match), histogram(after, METRIC, match), 0.99);
      const serviceMean = histogramMeanMs(before, after, METRIC, match);
      const cpuMs = c0 === null || c1 === null ? null : (1000 * (c1 - c0)) / calls;
      const label = ns === 'team-7' ? 'unprotected pod' : 'protected pod';
      const sorted = Float64Array.from(times).sort();
      const p50 = quantile(sorted, 0.5) ?? NaN;
      const p99 = quantile(sorted, 0.99) ?? NaN;
      progress(
        `failover: service-side filter at ${int(hosts)} hosts, ${label}: client p50 ${dur(p50)}, p99 ${dur(p99)}, max ${dur(Math.max(...times))}; service p99 ≤ ${dur(serviceP99)}, mean ${dur(serviceMean)}; server CPU ${dur(cpuMs)}/pod`,
      );
      rows.push([
        label,
        int(hosts),
        int(calls),
        dur(p50),
        dur(p99),
        serviceP99 === null ? '–' : `≤ ${dur(serviceP99)}`,
        dur(serviceMean),
        dur(cpuMs),
        int(failed / calls),
      ]);
      figures[`serve.${key}.p50`] = p50;
      figures[`serve.${key}.p99`] = p99;
      figures[`serve.${key}.serviceP99Bucket`] = serviceP99;
      figures[`serve.${key}.serviceMean`] = serviceMean;
      figures[`serve.${key}.cpuMsPerPod`] = cpuMs;
      figures[`serve.${key}.failedNodesPerCall`] = failed / calls;
    }
  } finally {
    agent.destroy();
    await s.stop();
  }
  return { rows, figures };
}
