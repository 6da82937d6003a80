// Priority and preemption (kube-scheduler's DefaultPreemption), PodDisruptionBudgets, and gangs,
// through every backend. The tie-breakers, in order: fewest PDB violations, lowest highest-victim
// priority, smallest priority sum, fewest victims, latest earliest start, first host.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import type { PodDisruptionBudgetObj } from '../../model/types.js';
import { host, pod, priorityClass, quota, selector, vm } from '../fixtures/model.js';

const BACKENDS: BackendName[] = ['reference', 'wasm'];

function pdb(namespace: string, match: Record<string, string>, minAvailable: number | string): PodDisruptionBudgetObj {
  return { name: 'pdb', namespace, selector: selector(match), minAvailable, disruptedPods: [], source: { file: 'test', doc: 0, path: '' } };
}

function withPriorities(backend: BackendName): Engine {
  const engine = new Engine({ backend });
  engine.setPriorityClasses([
    priorityClass('low', 10),
    priorityClass('mid', 100),
    priorityClass('high', 1000),
    { ...priorityClass('polite', 1000), preemptionPolicy: 'Never' },
  ]);
  return engine;
}

describe.each(BACKENDS)('preemption (%s)', (backend) => {
  it('evicts the fewest, least important workloads and places the preemptor', () => {
    const engine = withPriorities(backend);
    engine.upsertHosts([host('h0').cpu('4').obj(), host('h1').cpu('4').obj()]);
    const low = pod('low').priorityClass('low').req({ cpu: '1' }).replicas(4).obj();
    low.instances.forEach((inst, j) => (inst.boundHost = j < 2 ? 'h0' : 'h1'));
    const mid = pod('mid').priorityClass('mid').req({ cpu: '2' }).boundTo('h1').obj();
    engine.bindExisting([low, mid]); // h0: low ×2 (2 free); h1: low ×2 + mid (0 free)
    const filler = pod('filler').priorityClass('mid').req({ cpu: '2' }).boundTo('h0').obj();
    engine.bindExisting([filler]); // h0 full too
    const {
      outcomes: [o],
      evictions,
    } = engine.place([pod('urgent').priorityClass('high').req({ cpu: '3' }).obj()]);
    // h0: victims {filler(mid), low} — needs 3 of 4: evict filler (2) + one low (1) → top priority 100.
    // h1: victims {mid, low}: also top 100; sum: h0 100+10, h1 100+10 — tie; count 2 each; latest
    // earliest start among priority-100 victims: filler (bound later) beats mid ⇒ h0.
    expect(o.hosts).toEqual(['h0']);
    const evicted = evictions.map((e) => `${e.template.instances[e.instance].name}@${e.host} by ${e.by}`).sort();
    expect(evicted).toEqual(['filler@h0 by default/urgent', 'low-1@h0 by default/urgent']);
  });

  it('a victim placed by an earlier batch is named as itself, and the preemptor stays placed', () => {
    // The batch instance a workload was placed as means something only in its own batch: in a
    // later one, instance 0 is that batch's first workload.
    const engine = withPriorities(backend);
    engine.upsertHosts([host('h0').cpu('2').obj()]);
    const first = engine.place([pod('cheap').priorityClass('low').req({ cpu: '2' }).obj()]);
    expect(first.outcomes[0].hosts).toEqual(['h0']);
    const { outcomes, evictions } = engine.place([pod('urgent').priorityClass('high').req({ cpu: '2' }).obj()]);
    expect(outcomes[0].hosts).toEqual(['h0']);
    expect(evictions.map((e) => `${e.template.namespace}/${e.template.instances[e.instance].name}@${e.host} by ${e.by}`)).toEqual([
      'default/cheap@h0 by default/urgent',
    ]);
    expect(outcomes[0].preemptedBy).toEqual([null]);
    // the engine's ledger: the victim's 2 cpu are free again, the preemptor's taken
    expect(
      engine
        .hostUsage()
        .find((h) => h.name === 'h0')!
        .used.get('cpu'),
    ).toBe(2000n);
  });

  it('never evicts equal or higher priority, and preemptionPolicy Never never evicts', () => {
    const engine = withPriorities(backend);
    engine.upsertHosts([host('h0').cpu('2').obj()]);
    engine.bindExisting([pod('peer').priorityClass('high').req({ cpu: '2' }).boundTo('h0').obj()]);
    const [o] = engine.place([pod('urgent').priorityClass('high').req({ cpu: '1' }).obj()]).outcomes;
    expect(o.hosts).toEqual([null]);
    expect(o.failure?.message).toBe('0/1 hosts are available: 1 Insufficient cpu.');
    const engine2 = withPriorities(backend);
    engine2.upsertHosts([host('h0').cpu('2').obj()]);
    engine2.bindExisting([pod('cheap').priorityClass('low').req({ cpu: '2' }).boundTo('h0').obj()]);
    const politely = engine2.place([pod('polite').priorityClass('polite').req({ cpu: '1' }).obj()]);
    expect(politely.outcomes[0].hosts).toEqual([null]);
    expect(politely.evictions).toEqual([]);
  });

  it('does not preempt where eviction cannot help (taints, selectors, requests above allocatable)', () => {
    const engine = withPriorities(backend);
    engine.upsertHosts([host('h0').cpu('2').taint('x', 'y', 'NoSchedule').obj()]);
    engine.bindExisting([pod('cheap').priorityClass('low').req({ cpu: '2' }).tolerate('x', 'Exists').boundTo('h0').obj()]);
    const placed = engine.place([pod('urgent').priorityClass('high').req({ cpu: '1' }).obj()]);
    expect(placed.outcomes[0].hosts).toEqual([null]);
    expect(placed.evictions).toEqual([]);
  });

  it('re-checks quota with the victims gone: a same-namespace victim frees quota', () => {
    const engine = withPriorities(backend);
    engine.upsertHosts([host('h0').cpu('2').obj()]);
    engine.setQuotas([quota('a', 'q', { 'requests.cpu': '2' })]);
    engine.bindExisting([pod('cheap').ns('a').priorityClass('low').req({ cpu: '2' }).boundTo('h0').obj()]);
    // Admission fails first: quota is exhausted by the low pod; preemption is for "fits nowhere"
    // (filter) failures, as in kube-scheduler where quota is checked at creation.
    const [o] = engine.place([pod('urgent').ns('a').priorityClass('high').req({ cpu: '1' }).obj()]).outcomes;
    expect(o.failure?.message).toMatch(/^exceeded quota: q/);
    // Another namespace's victim: capacity frees, quota of `b` is untouched.
    const [b] = engine.place([pod('urgent').ns('b').priorityClass('high').req({ cpu: '1' }).obj()]).outcomes;
    expect(b.hosts).toEqual(['h0']);
  });

  it('prefers hosts whose victims do not violate a PodDisruptionBudget', () => {
    const engine = withPriorities(backend);
    engine.upsertHosts([host('h0').cpu('2').obj(), host('h1').cpu('2').obj()]);
    engine.setPdbs([pdb('default', { app: 'db' }, 2)]);
    engine.bindExisting([
      pod('db-0').label('app', 'db').priorityClass('low').req({ cpu: '2' }).boundTo('h0').obj(),
      pod('db-1').label('app', 'db').priorityClass('low').req({ cpu: '2' }).boundTo('h1').obj(),
    ]);
    // Both hosts: one low victim; db victims violate the budget (2 healthy, minAvailable 2) — a tie
    // on violations (1 each), decided by the later tie-breakers: the later start (h1).
    const [o] = engine.place([pod('urgent').priorityClass('high').req({ cpu: '1' }).obj()]).outcomes;
    expect(o.hosts).toEqual(['h1']);
    // With a non-covered victim available, it wins on violations.
    const engine2 = withPriorities(backend);
    engine2.upsertHosts([host('h0').cpu('2').obj(), host('h1').cpu('2').obj()]);
    engine2.setPdbs([pdb('default', { app: 'db' }, 1)]);
    engine2.bindExisting([
      pod('db-0').label('app', 'db').priorityClass('low').req({ cpu: '2' }).boundTo('h0').obj(),
      pod('web').priorityClass('low').req({ cpu: '2' }).boundTo('h1').obj(),
    ]);
    const [o2] = engine2.place([pod('urgent').priorityClass('high').req({ cpu: '1' }).obj()]).outcomes;
    expect(o2.hosts).toEqual(['h1']); // db-0 is the only db: evicting it leaves 0 < 1
  });

  it('reports evicted workloads of the same run as unplaced, preempted by the preemptor', () => {
    const engine = withPriorities(backend);
    engine.upsertHosts([host('h0').cpu('2').obj()]);
    const cheap = pod('cheap').priorityClass('low').req({ cpu: '2' }).boundTo('h0').obj();
    engine.bindExisting([cheap]);
    const urgent = pod('urgent').priorityClass('high').req({ cpu: '2' }).obj();
    const [c, u] = engine.place([cheap, urgent]).outcomes;
    expect(u.hosts).toEqual(['h0']);
    expect(c.hosts).toEqual([null]);
    expect(c.preemptedBy).toEqual(['default/urgent']);
  });
});

describe.each(BACKENDS)('gangs (%s)', (backend) => {
  it('places a gang entirely or not at all, leaving no trace', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts([host('h0').cpu('4').obj(), host('h1').cpu('4').obj()]);
    const before = engine.ledger();
    const gang = { name: 'PodGroup default/train', minMember: 3 };
    const fits = pod('train').req({ cpu: '2' }).replicas(3).obj();
    fits.gang = gang;
    const [ok] = engine.place([fits]).outcomes;
    expect(ok.hosts.every(Boolean)).toBe(true);
    // A second gang of 3 × 2 cpu: only 1 fits in the 2 cpu left ⇒ nothing placed.
    const big = pod('big').req({ cpu: '2' }).replicas(3).obj();
    big.gang = { name: 'PodGroup default/big', minMember: 3 };
    const usedBefore = engine.ledger();
    const [fail] = engine.place([big]).outcomes;
    expect(fail.hosts).toEqual([null, null, null]);
    expect(fail.failure?.message).toBe(
      'gang PodGroup default/big: only 1 of the 3 members it needs could be placed, so none were: 0/2 hosts are available: 2 Insufficient cpu.',
    );
    expect(engine.ledger()).toEqual(usedBefore);
    expect(before).not.toEqual(usedBefore);
  });

  it('control-plane VMs of a guest cluster land on distinct hosts (anti-affinity in a gang)', () => {
    const engine = new Engine({ backend, strategy: 'MostAllocated' });
    engine.upsertHosts([
      host('h0').cpu('16').memory('64Gi').obj(),
      host('h1').cpu('16').memory('64Gi').obj(),
      host('h2').cpu('16').memory('64Gi').obj(),
    ]);
    const cp = vm('tkc-control-plane')
      .label('cluster.x-k8s.io/cluster-name', 'tkc')
      .label('cluster.x-k8s.io/control-plane', '')
      .req({ cpu: '2', memory: '8Gi' })
      .replicas(3)
      .obj();
    cp.podAntiAffinity = {
      required: [
        {
          labelSelector: selector({ 'cluster.x-k8s.io/cluster-name': 'tkc', 'cluster.x-k8s.io/control-plane': '' }),
          namespaces: [],
          namespaceSelector: null,
          topologyKey: 'kubernetes.io/hostname',
        },
      ],
      preferred: [],
    };
    cp.gang = { name: 'TanzuKubernetesCluster default/tkc', minMember: 5 };
    const workers = vm('tkc-workers').label('cluster.x-k8s.io/cluster-name', 'tkc').req({ cpu: '4', memory: '16Gi' }).replicas(2).obj();
    workers.gang = cp.gang;
    const [c, w] = engine.place([cp, workers]).outcomes;
    expect(new Set(c.hosts).size).toBe(3);
    expect(w.hosts.every(Boolean)).toBe(true);
    // A second cluster needing 4 control-plane hosts cannot fit: nothing of it is placed.
    const cp2 = vm('tkc2-control-plane')
      .label('cluster.x-k8s.io/cluster-name', 'tkc2')
      .label('cluster.x-k8s.io/control-plane', '')
      .req({ cpu: '1' })
      .replicas(4)
      .obj();
    cp2.podAntiAffinity = {
      required: [
        {
          labelSelector: selector({ 'cluster.x-k8s.io/cluster-name': 'tkc2' }),
          namespaces: [],
          namespaceSelector: null,
          topologyKey: 'kubernetes.io/hostname',
        },
      ],
      preferred: [],
    };
    cp2.gang = { name: 'TanzuKubernetesCluster default/tkc2', minMember: 4 };
    const [c2] = engine.place([cp2]).outcomes;
    expect(c2.hosts).toEqual([null, null, null, null]);
    expect(c2.failure?.message).toContain(
      "only 3 of the 4 members it needs could be placed, so none were: 0/3 hosts are available: 3 host(s) didn't match pod anti-affinity rules.",
    );
  });

  it('gang members are never preemption victims', () => {
    const engine = withPriorities(backend);
    engine.upsertHosts([host('h0').cpu('2').obj()]);
    const member = pod('member').priorityClass('low').req({ cpu: '2' }).boundTo('h0').obj();
    member.gang = { name: 'PodGroup default/g', minMember: 1 };
    engine.bindExisting([member]);
    const [o] = engine.place([pod('urgent').priorityClass('high').req({ cpu: '1' }).obj()]).outcomes;
    expect(o.hosts).toEqual([null]);
  });
});
