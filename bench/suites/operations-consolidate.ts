// operations, second part: consolidation (issue 22) on a fragmented cluster. 1,000 hosts (96
// cores, 768Gi) in three zones, each filled to its own random cpu utilization between 5% and 60%
// with workloads of 40 multi-resource shapes (0.5–16 cores, 1–128Gi, the memory not tied to the
// cpu), bound where they are — a cluster a long history of LeastAllocated placements, scale-downs
// and restarts leaves half empty everywhere. Measured: hosts in use before and after the plan
// against the lower bound max_d ⌈Σ requests / capacity⌉ (the hosts are identical), moves, the
// placements evaluated, and the planning time of the dry run, the Wasm core next to the
// reference engine on the same cluster. Seeded: the same cluster every run.

import { Engine } from '../../core-wasm/src/engine.js';
import type { HostObj, WorkloadTemplate } from '../../model/types.js';
import { host, pod } from '../../test/fixtures/model.js';
import { Rng } from '../lib/generators.js';
import { type Cell, type Table, dur, int, progress, ratio } from '../lib/report.js';
import { wall } from '../lib/timing.js';

const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const HOST_CPU = 96_000; // millicores
const HOST_MEM = 768; // Gi
const SHAPES = 40;

interface Shape {
  cpu: number; // millicores
  mem: number; // Gi
}

/** The fragmented cluster: hosts, and per shape one template whose replicas are bound where they run. */
function fragmented(H: number, seed: number): { hosts: HostObj[]; templates: WorkloadTemplate[]; cpu: number; mem: number } {
  const rng = new Rng(seed);
  const hosts = Array.from({ length: H }, (_, i) =>
    host(`esx-${String(i).padStart(4, '0')}`)
      .cpu(String(HOST_CPU / 1000))
      .memory(`${HOST_MEM}Gi`)
      .pods(1100)
      .label('topology.kubernetes.io/zone', ZONES[i % ZONES.length])
      .obj(),
  );
  const shapes: Shape[] = Array.from({ length: SHAPES }, () => ({
    cpu: 500 * rng.int(1, 32),
    mem: rng.int(1, 128),
  }));
  const boundTo: string[][] = shapes.map(() => []);
  let cpu = 0;
  let mem = 0;
  for (const h of hosts) {
    const target = HOST_CPU * (0.05 + 0.55 * rng.next());
    let c = 0;
    let m = 0;
    // draw shapes until the host reaches its target; one that would overflow memory is skipped
    for (let tries = 0; tries < 200 && c < target; tries++) {
      const s = rng.int(0, SHAPES - 1);
      if (c + shapes[s].cpu > HOST_CPU || m + shapes[s].mem > HOST_MEM) continue;
      c += shapes[s].cpu;
      m += shapes[s].mem;
      boundTo[s].push(h.name);
    }
    cpu += c;
    mem += m;
  }
  const templates = shapes.map((s, i) => {
    const t = pod(`svc-${i}`)
      .ns(`team-${i % 8}`)
      .req({ cpu: `${s.cpu}m`, memory: `${s.mem}Gi` })
      .replicas(boundTo[i].length)
      .obj();
    t.instances.forEach((inst, r) => (inst.boundHost = boundTo[i][r]));
    return t;
  });
  return { hosts, templates, cpu, mem };
}

export async function consolidateRows(
  quick: boolean,
  seed: number,
  gate: () => Promise<void>,
): Promise<{ tables: Table[]; figures: Record<string, number> }> {
  const H = quick ? 100 : 1000;
  const { hosts, templates, cpu, mem } = fragmented(H, seed);
  const workloads = templates.reduce((n, t) => n + t.instances.length, 0);
  const bound = Math.max(Math.ceil(cpu / HOST_CPU), Math.ceil(mem / HOST_MEM));
  const rows: Cell[][] = [];
  const figures: Record<string, number> = { 'consolidate.hosts': H, 'consolidate.workloads': workloads, 'consolidate.lowerBound': bound };
  const ms: Record<string, number> = {};
  for (const backend of ['wasm', 'reference'] as const) {
    const engine = new Engine({ backend, strategy: 'LeastAllocated' });
    engine.upsertHosts(hosts);
    engine.bindExisting(templates);
    await gate();
    const opts = { maxMoves: 1_000_000, effort: 1_000_000 };
    const { ms: t, value: plan } = wall(() => engine.consolidate(opts));
    ms[backend] = t;
    const { before, after, lowerBound } = plan.hostsInUse;
    if (lowerBound !== bound) throw new Error(`consolidate: the engine's lower bound ${lowerBound} is not the generator's ${bound}`);
    progress(
      `operations: ${backend}: consolidate: ${before} → ${after} hosts (lower bound ${bound}), ${int(plan.moves.length)} moves in ${dur(t)}`,
    );
    rows.push([
      backend,
      int(H),
      int(workloads),
      int(before),
      int(after),
      int(bound),
      `${(((after - bound) / bound) * 100).toFixed(1)}%`,
      int(plan.emptied.length),
      int(plan.moves.length),
      int(plan.effort.tried),
      dur(t),
    ]);
    figures[`consolidate.${backend}.hostsBefore`] = before;
    figures[`consolidate.${backend}.hostsAfter`] = after;
    figures[`consolidate.${backend}.moves`] = plan.moves.length;
    figures[`consolidate.${backend}.tried`] = plan.effort.tried;
    figures[`consolidate.${backend}.ms`] = t;
  }
  return {
    tables: [
      {
        title: 'operations: consolidate a fragmented cluster (dry run: nothing changes)',
        columns: [
          'engine',
          'hosts',
          'workloads',
          'in use before',
          'in use after',
          'lower bound',
          'after vs bound',
          'emptied',
          'moves',
          'placements evaluated',
          'time',
        ],
        rows,
        notes: [
          `Hosts of ${HOST_CPU / 1000} cores and ${HOST_MEM}Gi, each filled to a random cpu utilization of 5–60% with ${SHAPES} shapes (0.5–16 cores, 1–128Gi); lower bound max(⌈Σ cpu / 96⌉, ⌈Σ memory / 768Gi⌉). One run each; maxMoves and effort high enough not to stop the plan.`,
          `reference ÷ wasm: ${ratio(ms.reference / ms.wasm)}.`,
        ],
      },
    ],
    figures,
  };
}
