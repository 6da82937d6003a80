// failover: namespace HA (issue 23). 1,000 ESXi-like hosts holding 100,000 workloads, half of
// them in protected namespaces (hostFailuresToTolerate 1): the full failover report, on the Wasm
// core and on the reference engine (each plans restarts in its own backend: wall time and CPU,
// same run); a batch of 100,000 protected workloads onto empty hosts with the guarantee kept
// against the same batch without a failover policy (same run, a ratio); the engine side of the
// extender's filter (Engine.assessColumns, failover admission included) at 5,000 hosts with
// protected namespaces present on both backends, each call after a bind and a release as the
// extender sees them (the first call, which builds the restart plans, is not timed); and the same
// filter service side, a real `placer serve` (Wasm core) over the same cluster given as manifests
// (failover-serve.ts).

import { Engine } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { pod } from '../../test/fixtures/model.js';
import { policies, running } from '../lib/failover-cluster.js';
import { type Cell, type Suite, dur, int, progress, ratio } from '../lib/report.js';
import { zonedHosts as hosts } from '../lib/model-hosts.js';
import { wall } from '../lib/timing.js';
import { serviceFilter } from './failover-serve.js';

/** The batch: `n` workloads of 10 shapes in team-0 (protected when the policy is there). */
function batch(n: number): WorkloadTemplate[] {
  return Array.from({ length: 10 }, (_, d) =>
    pod(`batch-${d}`)
      .ns('team-0')
      .req({ cpu: `${250 + d * 50}m`, memory: `${512 + d * 64}Mi` })
      .replicas(n / 10)
      .obj(),
  );
}

/** The backends compared side by side: the Wasm core and the reference engine. */
const BACKENDS = ['wasm', 'reference'] as const;

/** CPU milliseconds of this process since `since` (process.cpuUsage()). */
function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export const failoverSuite: Suite = async (ctx) => {
  const q = ctx.quick;
  const H = q ? 100 : 1000;
  const perHost = 100;
  const B = q ? 10_000 : 100_000;
  const HX = q ? 500 : 5000;
  const calls = q ? 100 : 1000;
  const figures: Record<string, number> = { hosts: H, workloads: H * perHost, batch: B, extenderHosts: HX };
  const rows: Cell[][] = [];

  // 1. the report, on the Wasm core and on the reference engine (same run: compare the ratio)
  for (const backend of BACKENDS) {
    const hs = hosts(H);
    const engine = new Engine({ backend });
    engine.upsertHosts(hs);
    engine.setPolicies(policies(true));
    engine.bindExisting(
      running(
        hs.map((h) => h.name),
        perHost,
      ),
    );
    await ctx.gate();
    const c0 = process.cpuUsage();
    const { ms, value } = wall(() => engine.failoverReport());
    const cpu = cpuMs(c0);
    const absorbed = value.hosts.filter((h) => h.absorbed).length;
    progress(
      `failover: report (${backend}) over ${int(H)} hosts, ${int(H * perHost)} workloads: ${dur(ms)}, CPU ${dur(cpu)} (${absorbed} hosts absorbed)`,
    );
    rows.push([
      `full failover report (${backend})`,
      int(H),
      int(H * perHost),
      `${dur(ms)} (CPU ${dur(cpu)})`,
      `${int(absorbed)}/${int(H)} host failures absorbed`,
    ]);
    const key = backend === 'wasm' ? 'report' : `report.${backend}`;
    figures[`${key}.ms`] = ms;
    figures[`${key}.cpuMs`] = cpu;
    figures[`${key}.absorbed`] = absorbed;
  }
  figures['report.referenceRatio'] = figures['report.reference.cpuMs'] / figures['report.cpuMs'];

  // 2. a batch of protected workloads, with and without the guarantee
  const batchMs: Record<string, number> = {};
  for (const protect of [false, true]) {
    const engine = new Engine({ backend: 'wasm' });
    engine.upsertHosts(hosts(H));
    engine.setPolicies(policies(protect));
    await ctx.gate();
    const { ms, value } = wall(() => engine.place(batch(B)));
    const placed = value.outcomes.reduce((s, o) => s + o.placed.filter(Boolean).length, 0);
    const label = protect ? 'with the guarantee' : 'without a failover policy';
    progress(`failover: batch of ${int(B)} ${label}: ${dur(ms)}, ${int(placed)} placed`);
    rows.push([`batch of ${int(B)} team-0 workloads, ${label}`, int(H), '0', dur(ms), `${int(placed)} placed`]);
    batchMs[label] = ms;
    figures[`batch.${protect ? 'guarded' : 'plain'}.ms`] = ms;
    figures[`batch.${protect ? 'guarded' : 'plain'}.placed`] = placed;
  }
  figures['batch.ratio'] = batchMs['with the guarantee'] / batchMs['without a failover policy'];

  // 3. the engine side of the extender's filter at HX hosts, protected namespaces present, on each backend
  const filterRows: Cell[][] = [];
  for (const backend of BACKENDS) {
    const hs = hosts(HX);
    const engine = new Engine({ backend, trackPlacements: true });
    engine.upsertHosts(hs);
    engine.setPolicies(policies(true));
    engine.bindExisting(
      running(
        hs.map((h) => h.name),
        10,
      ),
    );
    // one call first, not timed: it builds failover admission's plans after bindExisting, as the
    // extender's first filter after a restart of placer does
    engine.assessColumns(pod('warm').ns('team-0').req({ cpu: '500m', memory: '1Gi' }).obj());
    for (const ns of ['team-7', 'team-0']) {
      const times: number[] = [];
      await ctx.gate();
      const c0 = process.cpuUsage();
      for (let i = 0; i < calls; i++) {
        const t = pod(`probe-${i}`).ns(ns).req({ cpu: '500m', memory: '1Gi' }).obj();
        const { ms, value } = wall(() => engine.assessColumns(t));
        times.push(ms);
        // bind to the best host and release the one before, as the extender's bind and a deletion do
        let best = -1;
        for (let s = 0; s < value.columns.n; s++) if (value.columns.total[s] > (best < 0 ? -1 : value.columns.total[best])) best = s;
        if (best >= 0) engine.tryBind(t, 0, hs[best].name);
        if (i > 0) engine.release('Pod', ns, `probe-${i - 1}`);
      }
      const cpu = cpuMs(c0) / calls;
      const label = ns === 'team-7' ? 'unprotected pod' : 'protected pod';
      const p50 = percentile(times, 50);
      const p99 = percentile(times, 99);
      progress(
        `failover: filter (engine side, ${backend}) at ${int(HX)} hosts, ${label}: p50 ${dur(p50)}, p99 ${dur(p99)}, CPU ${dur(cpu)}/call`,
      );
      filterRows.push([`${label} (${backend})`, int(HX), int(calls), dur(p50), dur(p99), dur(cpu)]);
      const key = `filter.${ns === 'team-7' ? 'plain' : 'protected'}${backend === 'wasm' ? '' : `.${backend}`}`;
      figures[`${key}.p99`] = p99;
      figures[`${key}.p50`] = p50;
      figures[`${key}.cpuMs`] = cpu;
    }
  }

  // 4. the filter service side: a real placer serve, HTTP, NodeNames mode
  const served = await serviceFilter(ctx, HX, 10, calls);
  Object.assign(figures, served.figures);

  return {
    status: 'ok',
    description: `Namespace HA: ${int(H)} hosts with ${int(H * perHost)} workloads, half in protected namespaces (hostFailuresToTolerate 1); a batch of ${int(B)}; the filter at ${int(HX)} hosts.`,
    tables: [
      {
        title: 'failover: report (Wasm core and reference engine) and batch (Wasm core)',
        columns: ['what', 'hosts', 'running', 'time', 'result'],
        rows,
        notes: [
          `batch with the guarantee ÷ without: ${ratio(figures['batch.ratio'])} (same run).`,
          `report CPU, reference ÷ Wasm: ${ratio(figures['report.referenceRatio'])} (same run).`,
        ],
      },
      {
        title: 'failover: extender filter, engine side (assessColumns with failover admission; a bind and a release between calls)',
        columns: ['workload', 'hosts', 'calls', 'p50', 'p99', 'CPU / call'],
        rows: filterRows,
        notes: [
          'Engine side only (wall time of Engine.assessColumns in the bench process); the service-side extender latency adds the HTTP and JSON work of the extender suite.',
        ],
      },
      {
        title:
          'failover: extender filter, service side (placer serve, NodeNames mode with every name; a bind and a delete between filters)',
        columns: [
          'pod',
          'hosts',
          'calls',
          'client p50',
          'client p99',
          'service p99',
          'service mean',
          'server CPU / pod',
          'FailedNodes / call',
        ],
        rows: served.rows,
        notes: [
          served.skipped
            ? `not measured: ${served.skipped}`
            : "client: the load generator on the same cores, loopback; service p99: a bucket bound of the server's own histogram (handler time after the body is read); server CPU / pod: the server process's CPU (/proc) over filter, bind and delete.",
        ],
      },
    ],
    figures,
  };
};
