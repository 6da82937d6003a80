// batch: a whole batch of workloads onto ESXi-like hosts, quotas on every namespace, three
// namespaces with reservations, GPU hosts tainted.
//
//   core        Backend.placeBatch(items) alone, on classes defined beforehand through the
//               contract (no manifests, no interning): what the engine itself costs. Many-replica
//               (1,000 templates × 1,000 replicas) and all-distinct (every workload its own
//               class), MostAllocated (bin-packing) and LeastAllocated (spreading). The reference
//               engine runs the same scenario at a size it finishes in reasonable time, next to
//               the Wasm core at that size.
//   end-to-end  `node bin/placer.js place <dir> -o json > /dev/null` as a child process over
//               generated manifests (NodeList, ResourceQuotas, NamespacePolicies, Deployments,
//               VirtualMachines + classes, or bare Pods): wall time, start-up and parsing included.

import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { BenchCluster, type BackendKind, Strategy, hostsUsed } from '../lib/cluster.js';
import { batchPlan, type BatchPlan } from '../lib/generators.js';
import { writePlan } from '../lib/manifests.js';
import { type Cell, type Suite, type SuiteResult, dur, int, pct, progress, si } from '../lib/report.js';
import { gc, wall } from '../lib/timing.js';

interface CoreRun {
  scenario: string;
  engine: BackendKind;
  strategy: 'MostAllocated' | 'LeastAllocated';
  hosts: number;
  workloads: number;
  classes: number;
  placed: number;
  hostsUsed: number;
  /** Unplaced because of a ResourceQuota / the reservation rule (the rest did not fit any host). */
  quotaRejected: number;
  reservationRejected: number;
  /** Placed ÷ slots of the untainted, schedulable hosts. */
  slotsUsedPct: number;
  /** Median wall time of placeBatch, ms. */
  ms: number;
  runs: number;
  /** FNV-1a of the host of every instance (hostOf): refactors and optimisations must keep it. */
  placementsHash: string;
}

/** 32-bit FNV-1a over the i32 host slots, as 8 hex digits. */
function placementsHash(hostOf: Int32Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < hostOf.length; i++) {
    const v = hostOf[i];
    for (let b = 0; b < 32; b += 8) h = Math.imul(h ^ ((v >>> b) & 0xff), 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

async function runCore(
  plan: BatchPlan,
  engine: BackendKind,
  strategy: CoreRun['strategy'],
  scenario: string,
  repeats: number,
  gate: () => Promise<void>,
): Promise<CoreRun> {
  const times: number[] = [];
  let last: Omit<CoreRun, 'ms' | 'runs'> | null = null;
  for (let r = 0; r < repeats; r++) {
    const c = new BenchCluster(engine);
    const items = c.loadPlan(plan, Strategy[strategy]);
    gc();
    await gate();
    const { ms, value } = wall(() => c.placeBatch(items));
    times.push(ms);
    let placed = 0;
    for (let i = 0; i < value.hostOf.length; i++) if (value.hostOf[i] >= 0) placed++;
    let quota = 0;
    let reservation = 0;
    let start = 0;
    value.failures.forEach((f, i) => {
      const from = start;
      start += items[i].count;
      if (!f) return;
      let n = 0;
      for (let k = from; k < start; k++) if (value.hostOf[k] < 0) n++;
      if (f.kind === 'quota') quota += n;
      else if (f.kind === 'reservation') reservation += n;
    });
    const slots = plan.hosts.filter((h) => h.taints.length === 0 && !h.unschedulable).reduce((s, h) => s + h.pods, 0);
    last = {
      scenario,
      engine,
      strategy,
      hosts: plan.hosts.length,
      workloads: value.hostOf.length,
      classes: c.classCount,
      placed,
      hostsUsed: hostsUsed(value.hostOf),
      quotaRejected: quota,
      reservationRejected: reservation,
      slotsUsedPct: (100 * placed) / slots,
      placementsHash: placementsHash(value.hostOf),
    };
  }
  times.sort((a, b) => a - b);
  return { ...last!, ms: times[Math.floor(times.length / 2)], runs: repeats };
}

export interface CliRun {
  ms: number;
  code: number;
  stderr: string;
}

/** Wall time of `node bin/placer.js <args>` with stdout to /dev/null. */
export function timeCli(root: string, args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const devnull = openSync('/dev/null', 'w');
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(root, 'bin', 'placer.js'), ...args], { stdio: ['ignore', devnull, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 20_000) stderr += d.toString();
    });
    child.on('error', (e) => {
      closeSync(devnull);
      reject(e);
    });
    child.on('close', (code) => {
      closeSync(devnull);
      resolve({ ms: performance.now() - t0, code: code ?? -1, stderr });
    });
  });
}

export const batchSuite: Suite = async (ctx) => {
  const q = ctx.quick;
  const H = q ? 100 : 1000;
  const many = { items: q ? 100 : 1000, replicas: 1000 };
  // All-distinct in the core at the full million (one scan per workload: the worst case for the
  // engine); end to end at 100,000, where writing and parsing ~26 MB of manifests already dominates.
  const distinctCoreN = q ? 10_000 : 1_000_000;
  const distinctE2eN = q ? 10_000 : 100_000;
  const refN = q ? { items: 4, replicas: 500 } : { items: 20, replicas: 1000 };
  const repeats = q ? 1 : 3;
  const figures: SuiteResult['figures'] = {};
  const runs: CoreRun[] = [];

  const manyPlan = batchPlan(H, many.items, many.replicas, ctx.seed);
  const distinctE2ePlan = batchPlan(H, distinctE2eN, 1, ctx.seed, true);
  const refPlan = batchPlan(H, refN.items, refN.replicas, ctx.seed);
  for (const strategy of ['MostAllocated', 'LeastAllocated'] as const) {
    progress(`batch core: many-replica ${strategy}`);
    runs.push(await runCore(manyPlan, 'wasm', strategy, 'many-replica', repeats, ctx.gate));
    progress(`batch core: reference-size ${strategy}`);
    runs.push(await runCore(refPlan, 'wasm', strategy, 'reference size', repeats, ctx.gate));
    runs.push(await runCore(refPlan, 'reference', strategy, 'reference size', 1, ctx.gate));
  }
  // The million all-distinct templates last, built only now and dropped after: held through the
  // other runs, their JavaScript heap slowed those runs' garbage collection.
  {
    const distinctPlan = batchPlan(H, distinctCoreN, 1, ctx.seed, true);
    for (const strategy of ['MostAllocated', 'LeastAllocated'] as const) {
      progress(`batch core: all-distinct ${strategy}`);
      runs.push(await runCore(distinctPlan, 'wasm', strategy, 'all-distinct', distinctCoreN > 100_000 ? 1 : repeats, ctx.gate));
    }
  }
  // Table order: per strategy, many-replica, all-distinct, reference size (wasm, reference).
  const scenarioOrder = ['many-replica', 'all-distinct', 'reference size'];
  runs.sort((a, b) => a.strategy.localeCompare(b.strategy) * -1 || scenarioOrder.indexOf(a.scenario) - scenarioOrder.indexOf(b.scenario));
  const coreRows: Cell[][] = runs.map((r) => [
    r.scenario,
    r.strategy,
    r.engine,
    int(r.hosts),
    int(r.workloads),
    int(r.classes),
    int(r.placed),
    `${int(r.quotaRejected)} / ${int(r.reservationRejected)} / ${int(r.workloads - r.placed - r.quotaRejected - r.reservationRejected)}`,
    pct(r.slotsUsedPct),
    int(r.hostsUsed),
    dur(r.ms),
    `${si((r.workloads / r.ms) * 1000)}/s`,
  ]);
  for (const r of runs) {
    const key = `core.${r.scenario.replace(/ /g, '-')}.${r.strategy}.${r.engine}`;
    figures[`${key}.workloads`] = r.workloads;
    figures[`${key}.placed`] = r.placed;
    figures[`${key}.hostsUsed`] = r.hostsUsed;
    figures[`${key}.quotaRejected`] = r.quotaRejected;
    figures[`${key}.reservationRejected`] = r.reservationRejected;
    figures[`${key}.ms`] = r.ms;
    figures[`${key}.workloadsPerSec`] = (r.workloads / r.ms) * 1000;
    figures[`${key}.placementsHash`] = r.placementsHash;
  }
  for (const strategy of ['MostAllocated', 'LeastAllocated']) {
    const w = runs.find((r) => r.scenario === 'reference size' && r.strategy === strategy && r.engine === 'wasm')!;
    const ref = runs.find((r) => r.scenario === 'reference size' && r.strategy === strategy && r.engine === 'reference')!;
    figures[`core.reference-size.${strategy}.wasmVsReference`] = ref.ms / w.ms;
  }
  figures.hosts = H;
  figures.manyReplicaWorkloads = many.items * many.replicas;

  // End-to-end: the CLI over manifests.
  const e2eRows: Cell[][] = [];
  const cases = [
    // MostAllocated runs the packing phase (core-wasm/src/packing.ts) at its default effort; the
    // same batch with it off, next to it, gives the phase's share of the wall time.
    {
      name: 'many-replica',
      plan: manyPlan,
      strategies: q ? ['MostAllocated', 'MostAllocated-nopacking'] : ['MostAllocated', 'MostAllocated-nopacking', 'LeastAllocated'],
    },
    { name: 'all-distinct', plan: distinctE2ePlan, strategies: ['MostAllocated'] },
  ];
  for (const c of cases) {
    const dir = join(ctx.tmp, `e2e-${c.name}`);
    const { ms: genMs, value: written } = wall(() => writePlan(dir, c.plan));
    const workloads = c.plan.items.reduce((s, it) => s + it.count, 0);
    progress(
      `batch end-to-end: ${c.name}, ${int(workloads)} workloads, ${(written.bytes / 1e6).toFixed(1)} MB of manifests (written in ${dur(genMs)})`,
    );
    for (const strategy of c.strategies) {
      await ctx.gate();
      const off = strategy.endsWith('-nopacking');
      const args = ['place', dir, '-o', 'json', '--strategy', strategy.replace('-nopacking', '')];
      const run = await timeCli(ctx.root, off ? [...args, '--packing-effort', '0'] : args);
      if (run.code !== 0) throw new Error(`placer place exited ${run.code}: ${run.stderr.slice(0, 2000)}`);
      e2eRows.push([
        c.name,
        off ? 'MostAllocated, packing phase off' : strategy,
        int(c.plan.hosts.length),
        int(workloads),
        `${(written.bytes / 1e6).toFixed(1)} MB`,
        dur(run.ms),
        `${si((workloads / run.ms) * 1000)}/s`,
      ]);
      figures[`e2e.${c.name}.${strategy}.workloads`] = workloads;
      figures[`e2e.${c.name}.${strategy}.ms`] = run.ms;
      figures[`e2e.${c.name}.${strategy}.manifestBytes`] = written.bytes;
    }
  }
  {
    const on = figures['e2e.many-replica.MostAllocated.ms'];
    const off = figures['e2e.many-replica.MostAllocated-nopacking.ms'];
    if (typeof on === 'number' && typeof off === 'number') figures['e2e.many-replica.packingShare'] = (on - off) / on;
  }
  return {
    status: 'ok',
    description:
      'Whole batches with quotas on every namespace and reservations on three: placeBatch alone in the core (many-replica 1,000 × 1,000 and all-distinct shapes, MostAllocated and LeastAllocated; the reference engine at a size it can finish, next to Wasm at that size), and `placer place <dir> -o json > /dev/null` end to end over generated manifests.',
    tables: [
      {
        title: `batch, in the core: Backend.placeBatch() alone (median of ${repeats} run${repeats > 1 ? 's' : ''}; all-distinct at 1M and reference: 1 run)`,
        columns: [
          'scenario',
          'strategy',
          'engine',
          'hosts',
          'workloads',
          'classes',
          'placed',
          'unplaced: quota / reservation / no fit',
          'slots used',
          'hosts used',
          'wall time',
          'workloads/s',
        ],
        rows: coreRows,
        notes: [
          'Pods 10m–2 cores / 64Mi–8Gi (lognormal) plus 1 VM per 500 pods (classes 1–32 vCPU); 20 namespaces with ResourceQuotas (the last at half its demand: rejections), 3 with reservations; 1% GPU hosts, tainted.',
          'Workloads decided per second (placed or rejected). Slots used = placed ÷ slots of untainted hosts. Reference size = the same scenario shrunk so the reference engine finishes.',
        ],
      },
      {
        title: 'batch, end to end: node bin/placer.js place <dir> -o json > /dev/null (wall time of the process)',
        columns: ['scenario', 'strategy', 'hosts', 'workloads', 'manifests', 'wall time', 'workloads/s'],
        rows: e2eRows,
        notes: [
          'MostAllocated runs the packing phase after the batch (default effort); the row with it off (--packing-effort 0) is the same batch, so the difference is the phase’s share.',
        ],
      },
    ],
    figures,
  };
};
