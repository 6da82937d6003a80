// Pacing move plans against PodDisruptionBudgets: waves in which no budget loses more pods than it
// allows, blocked moves when a budget allows none, VMs never paced (they migrate live).

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName, type PlanReport } from '../../core-wasm/src/engine.js';
import { paceWaves } from '../../core-wasm/src/rules/disruption.js';
import type { PodDisruptionBudgetObj } from '../../model/types.js';
import { host, pod, selector, vm } from '../fixtures/model.js';

describe('paceWaves', () => {
  const names = ['p0', 'p1'];
  it.each([
    // covers per move, allowed per budget, ordered → waves
    { what: 'no budget: one wave', covers: [[], [], []], allowed: [], ordered: false, waves: [1, 1, 1] },
    // budget p0 allows 2: moves 1-2 in wave 1, 3-4 in wave 2, 5 in wave 3
    { what: 'two at a time', covers: [[0], [0], [0], [0], [0]], allowed: [2, 0], ordered: false, waves: [1, 1, 2, 2, 3] },
    // p0 allows 1, p1 allows 2: the move under both waits for p0's room (wave 2); p1's own two
    // moves fill its wave 1; a fifth p1 move finds wave 1 full and wave 2 holding one → wave 2
    { what: 'the tightest budget wins', covers: [[0], [0, 1], [1], [1], [1]], allowed: [1, 2], ordered: false, waves: [1, 2, 1, 1, 2] },
    // an uncovered move after wave-2 moves joins wave 1 unless the list is a sequence
    { what: 'unordered: uncovered moves go first', covers: [[0], [0], []], allowed: [1, 1], ordered: false, waves: [1, 2, 1] },
    { what: 'ordered: waves never go back', covers: [[0], [0], []], allowed: [1, 1], ordered: true, waves: [1, 2, 2] },
    // p1 allows 0: its moves are blocked (wave 0); the others are paced as usual
    { what: 'blocked by a budget that allows nothing', covers: [[1], [0], [0, 1]], allowed: [1, 0], ordered: false, waves: [0, 1, 0] },
  ])('$what', ({ covers, allowed, ordered, waves }) => {
    const paced = paceWaves(covers, allowed, names, ordered);
    expect(paced.map((p) => p.wave)).toEqual(waves);
    for (const p of paced) expect(p.blockedBy).toBe(p.wave === 0 ? 'p1' : undefined);
  });
});

const BACKENDS: BackendName[] = ['reference', 'wasm'];

function pdb(
  name: string,
  match: Record<string, string>,
  spec: { minAvailable?: number | string; maxUnavailable?: number | string },
): PodDisruptionBudgetObj {
  return { name, namespace: 'default', selector: selector(match), ...spec, disruptedPods: [], source: { file: 'test', doc: 0, path: '' } };
}

/** Three hosts; six `web` replicas and two VMs on h1. */
function cluster(backend: BackendName, budgets: PodDisruptionBudgetObj[]): Engine {
  const engine = new Engine({ backend, trackPlacements: true });
  engine.upsertHosts(['h1', 'h2', 'h3'].map((n) => host(n).cpu('16').memory('32Gi').pods(50).label('kubernetes.io/hostname', n).obj()));
  engine.setPdbs(budgets);
  const web = pod('web').label('app', 'web').req({ cpu: '500m' }).replicas(6).obj();
  web.instances.forEach((i) => (i.boundHost = 'h1'));
  const db = vm('db').label('app', 'web').req({ cpu: '1' }).replicas(2).obj();
  db.instances.forEach((i) => (i.boundHost = 'h1'));
  engine.bindExisting([web, db]);
  return engine;
}

const wavesOf = (r: PlanReport) => r.moves.map((m) => `${m.template.kind}:${m.wave}${m.blockedBy ? `:${m.blockedBy}` : ''}`).sort();

describe.each(BACKENDS)('drain with PodDisruptionBudgets (%s)', (backend) => {
  it('without budgets every move is in the first wave', () => {
    const r = cluster(backend, []).drain(['h1']);
    expect(r.moves).toHaveLength(8);
    expect(new Set(r.moves.map((m) => m.wave))).toEqual(new Set([1]));
  });

  it('maxUnavailable 2 over six pods: three waves of two; the VMs migrate in the first', () => {
    const r = cluster(backend, [pdb('web', { app: 'web' }, { maxUnavailable: 2 })]).drain(['h1']);
    expect(wavesOf(r)).toEqual(['Pod:1', 'Pod:1', 'Pod:2', 'Pod:2', 'Pod:3', 'Pod:3', 'VirtualMachine:1', 'VirtualMachine:1']);
  });

  it('minAvailable 50% of six pods: desired 3, healthy 6 → three at a time', () => {
    const r = cluster(backend, [pdb('web', { app: 'web' }, { minAvailable: '50%' })]).drain(['h1']);
    expect(wavesOf(r).filter((w) => w.startsWith('Pod'))).toEqual(['Pod:1', 'Pod:1', 'Pod:1', 'Pod:2', 'Pod:2', 'Pod:2']);
  });

  it('minAvailable equal to the replicas blocks every pod, not the VMs', () => {
    const engine = cluster(backend, [pdb('strict', { app: 'web' }, { minAvailable: 6 })]);
    const r = engine.drain(['h1']);
    expect(wavesOf(r)).toEqual([...Array(6).fill('Pod:0:strict'), 'VirtualMachine:1', 'VirtualMachine:1']);
    // pacing advises the mover; where everything goes is the same as without the budget
    const free = cluster(backend, []).drain(['h1']);
    const where = (x: PlanReport) => x.moves.map((m) => `${m.template.instances[m.instance].name}->${m.to}`).sort();
    expect(where(r)).toEqual(where(free));
  });

  it("the disruption controller's status.disruptionsAllowed wins over the spec", () => {
    const r = cluster(backend, [
      { ...pdb('web', { app: 'web' }, { minAvailable: 1 }), disruptionsAllowed: 1 } as PodDisruptionBudgetObj,
    ]).drain(['h1']);
    expect(Math.max(...r.moves.map((m) => m.wave))).toBe(6);
  });
});
