// operations: drain and rebalance plans (issue 6) on a full cluster. 1,000 hosts hold 1,000
// workloads each — 1,000 Deployments × 1,000 replicas of distinct request shapes, bound round-robin,
// so every host holds one replica of every Deployment — through the Engine (names, residents,
// cordon, the batch in the core). Timed: planning a drain of one host (1,000 moves), of a rack of
// ten hosts (10,000 moves), and a 10-move rebalance of hot spots (5% of the hosts carry 20 cores
// more); each a dry run, median of several runs, the
// Wasm core next to the reference engine on the same cluster. Then consolidation of a fragmented
// cluster (operations-consolidate.ts).

import { Engine } from '../../core-wasm/src/engine.js';
import type { HostObj, WorkloadTemplate } from '../../model/types.js';
import { host, pod } from '../../test/fixtures/model.js';
import { type Cell, type Suite, dur, int, progress, ratio } from '../lib/report.js';
import { wall } from '../lib/timing.js';
import { consolidateRows } from './operations-consolidate.js';

const ZONES = ['zone-a', 'zone-b', 'zone-c'];

function hosts(n: number): HostObj[] {
  return Array.from({ length: n }, (_, i) =>
    host(`esx-${String(i).padStart(4, '0')}`)
      .cpu('96')
      .memory('768Gi')
      .pods(1100)
      .label('topology.kubernetes.io/zone', ZONES[i % ZONES.length])
      .label('rack', `r${Math.floor(i / 10)}`)
      .obj(),
  );
}

/** Deployment d: `replicas` pods of one shape (20–79m cpu, 64–319Mi), replica r bound to host (r + d) mod H. */
function deployment(d: number, replicas: number, hostNames: readonly string[]): WorkloadTemplate {
  const t = pod(`app-${d}`)
    .ns(`team-${d % 20}`)
    .req({ cpu: `${20 + (d % 60)}m`, memory: `${64 + ((d * 7) % 256)}Mi` })
    .replicas(replicas)
    .obj();
  t.instances.forEach((inst, r) => (inst.boundHost = hostNames[(r + d) % hostNames.length]));
  return t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const operationsSuite: Suite = async (ctx) => {
  const q = ctx.quick;
  const H = q ? 100 : 1000;
  const perHost = q ? 100 : 1000;
  const runs = q ? 2 : 5;
  const hostObjs = hosts(H);
  const names = hostObjs.map((h) => h.name);
  const templates = Array.from({ length: perHost }, (_, d) => deployment(d, H, names));
  // Hot spots for rebalancing: 40 × 500m more on each of the first 5% of hosts (+20 cores).
  const hotHosts = names.slice(0, Math.max(1, H / 20));
  const hot = pod('batch-hot')
    .ns('team-hot')
    .req({ cpu: '500m', memory: '1Gi' })
    .replicas(40 * hotHosts.length)
    .obj();
  hot.instances.forEach((inst, r) => (inst.boundHost = hotHosts[r % hotHosts.length]));
  templates.push(hot);
  const rows: Cell[][] = [];
  const figures: Record<string, number> = {};
  const ms: Record<string, Record<string, number>> = {};
  for (const backend of ['wasm', 'reference'] as const) {
    const engine = new Engine({ backend, strategy: 'LeastAllocated' });
    engine.upsertHosts(hostObjs);
    const { ms: loadMs } = wall(() => engine.bindExisting(templates));
    progress(`operations: ${backend}: ${int(H * perHost)} workloads bound in ${dur(loadMs)}`);
    const rack = names.slice(100, 110);
    const cases: [string, () => number][] = [
      ['drain 1 host', () => engine.drain([names[H / 2]]).moves.length],
      ['drain a rack of 10 hosts', () => engine.drain(rack).moves.length],
      ['rebalance, 10 moves', () => engine.rebalance({ maxMoves: 10, resource: 'cpu' }).moves.length],
    ];
    ms[backend] = {};
    for (const [label, run] of cases) {
      // The reference engine gets fewer runs of the big rack drain: it is a full scan per instance.
      const n = backend === 'reference' && label.startsWith('drain a rack') && !q ? 1 : runs;
      const times: number[] = [];
      let moves = 0;
      await ctx.gate();
      for (let i = 0; i < n; i++) {
        const { ms: t, value } = wall(run);
        times.push(t);
        moves = value;
      }
      const m = median(times);
      ms[backend][label] = m;
      progress(`operations: ${backend}: ${label}: ${int(moves)} moves in ${dur(m)}`);
      rows.push([label, backend, int(H), int(perHost), int(moves), dur(m), n === 1 ? '1 run' : `median of ${n}`]);
      const key = label.startsWith('drain 1') ? 'drainHost' : label.startsWith('drain a rack') ? 'drainRack' : 'rebalance';
      figures[`${backend}.${key}Ms`] = m;
      figures[`${backend}.${key}Moves`] = moves;
    }
  }
  figures.hosts = H;
  figures.workloadsPerHost = perHost;
  const ratios: Cell[][] = Object.keys(ms.wasm).map((label) => [label, ratio(ms.reference[label] / ms.wasm[label])]);
  const consolidation = await consolidateRows(q, ctx.seed, ctx.gate);
  Object.assign(figures, consolidation.figures);
  return {
    status: 'ok',
    description: `Drain and rebalance plans (dry runs) on ${int(H)} hosts holding ${int(perHost)} workloads each (${int(H * perHost)} in all, ${int(perHost)} distinct shapes), through the Engine: cordon, release, one batch in the core, undo.`,
    tables: [
      {
        title: 'operations: planning time (dry run: nothing changes)',
        columns: ['operation', 'engine', 'hosts', 'workloads per host', 'moves', 'time', 'runs'],
        rows,
        notes: [
          'A drain is planned as one batch of every workload on the drained hosts, with those hosts cordoned; then undone. Rebalancing evaluates every class on the hottest hosts per move.',
        ],
      },
      { title: 'operations: wasm vs reference (same cluster, same run)', columns: ['operation', 'reference ÷ wasm'], rows: ratios },
      ...consolidation.tables,
    ],
    figures,
  };
};
