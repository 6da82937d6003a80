// capacity: the headroom of one shape (Engine.headroom: one batch of one more replica than can
// fit, released again; its namespace, the quotas aside, and every zone) on a busy cluster —
// 5,000 ESXi-like hosts in three zones holding 100 workloads each (500,000 in all), the shape's
// namespace under a ResourceQuota. A VM-sized shape (8 cpu, 32Gi: tens of thousands fit) is the
// target's; a small pod (100m, 128Mi: millions would fit, bounded by pod slots) shows the cost
// per replica tried. The reference engine answers the same question on a cluster a tenth the size.

import { Engine } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { pod, quota } from '../../test/fixtures/model.js';
import { type Cell, type Suite, dur, int, progress, ratio, si } from '../lib/report.js';
import { zonedHosts as hosts } from '../lib/model-hosts.js';
import { wall } from '../lib/timing.js';

/** 100 Deployments of distinct shapes, replica r of Deployment d bound to host (r + d) mod H: 100 per host. */
function running(names: readonly string[]): WorkloadTemplate[] {
  return Array.from({ length: 100 }, (_, d) => {
    const t = pod(`app-${d}`)
      .ns(`team-${d % 10}`)
      .req({ cpu: `${100 + ((d * 37) % 400)}m`, memory: `${256 + ((d * 53) % 1024)}Mi` })
      .replicas(names.length)
      .obj();
    t.instances.forEach((inst, r) => (inst.boundHost = names[(r + d) % names.length]));
    return t;
  });
}

const SHAPES: [string, Record<string, string>][] = [
  ['vm-sized (8 cpu, 32Gi)', { cpu: '8', memory: '32Gi' }],
  ['small pod (100m, 128Mi)', { cpu: '100m', memory: '128Mi' }],
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const capacitySuite: Suite = async (ctx) => {
  const q = ctx.quick;
  const H = q ? 300 : 5000;
  const runs = q ? 2 : 5;
  const rows: Cell[][] = [];
  const figures: Record<string, number> = {};
  const ms: Record<string, Record<string, number>> = { wasm: {}, reference: {} };
  for (const backend of ['wasm', 'reference'] as const) {
    // The reference engine scans every host for every replica it tries: a tenth of the cluster.
    const n = backend === 'reference' ? H / 10 : H;
    const hostObjs = hosts(n);
    const engine = new Engine({ backend });
    engine.upsertHosts(hostObjs);
    engine.setQuotas([quota('team-probe', 'compute', { 'requests.cpu': `${n * 100}`, 'requests.memory': `${n * 800}Gi` })]);
    engine.bindExisting(running(hostObjs.map((h) => h.name)));
    for (const [label, shape] of SHAPES) {
      const t = pod('probe').ns('team-probe').req(shape).lim(shape).obj();
      const times: number[] = [];
      let headroom = 0;
      await ctx.gate();
      for (let i = 0; i < (backend === 'reference' ? 1 : runs); i++) {
        const { ms: m, value } = wall(() => engine.headroom(t));
        times.push(m);
        headroom = value.headroom.count;
      }
      const m = median(times);
      ms[backend][label] = m;
      progress(`capacity: ${backend}: ${label}: ${int(headroom)} more fit, asked in ${dur(m)} (hosts ${int(n)})`);
      rows.push([label, backend, int(n), int(n * 100), int(headroom), dur(m), times.length === 1 ? '1 run' : `median of ${times.length}`]);
      const key = `${backend}.${label.startsWith('vm') ? 'vm' : 'pod'}`;
      figures[`${key}.hosts`] = n;
      figures[`${key}.headroom`] = headroom;
      figures[`${key}.ms`] = m;
    }
  }
  figures.hosts = H;
  // Per replica tried, so the two engines' different cluster sizes compare.
  const perReplica = (b: 'wasm' | 'reference', label: string) =>
    ms[b][label] / Math.max(1, figures[`${b}.${label.startsWith('vm') ? 'vm' : 'pod'}.headroom`]);
  const ratios: Cell[][] = SHAPES.map(([label]) => [label, ratio(perReplica('reference', label) / perReplica('wasm', label))]);
  return {
    status: 'ok',
    description: `The headroom of one shape (Engine.headroom: its namespace with every rule, the quotas aside, and each of 3 zones — five batches placed and released) on ${int(H)} hosts holding 100 workloads each.`,
    tables: [
      {
        title: 'capacity: headroom of one shape (a question: nothing changes)',
        columns: ['shape', 'engine', 'hosts', 'running', 'more fit', 'time', 'runs'],
        rows,
        notes: [
          'One question is five placement runs: the namespace (quota applies), the quotas aside, and each zone; each tries one replica more than can possibly fit and releases them all.',
          `The reference engine runs on ${si(H / 10)} hosts (a full scan per replica).`,
        ],
      },
      { title: 'capacity: wasm vs reference, time per replica tried (same run)', columns: ['shape', 'reference ÷ wasm'], rows: ratios },
    ],
    figures,
  };
};
