// Admit: ResourceQuota hard limits with Kubernetes' messages, and the reservation rule
// (core-wasm/src/rules/reservation.ts), exactly, through every backend.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import { InputError } from '../../model/errors.js';
import type { HostObj } from '../../model/types.js';
import { host, pod, policy, priorityClass, quota, vm } from '../fixtures/model.js';

const BACKENDS: BackendName[] = ['reference', 'wasm', 'wasm-scalar'];

function engineWith(backend: BackendName, hostCount = 4) {
  const engine = new Engine({ backend });
  engine.upsertHosts(Array.from({ length: hostCount }, (_, i) => host(`h${i}`).cpu('4').memory('16Gi').obj()));
  return engine;
}

describe.each(BACKENDS)('quota (%s)', (backend) => {
  it('rejects the workload that would exceed a hard limit, with the admission plugin message', () => {
    const engine = engineWith(backend);
    engine.setQuotas([quota('a', 'compute', { 'requests.cpu': '10', pods: 100 })]);
    const [o] = engine.place([pod('web').ns('a').req({ cpu: '2', memory: '1Gi' }).replicas(6).obj()]).outcomes;
    // 5 × 2 = 10 fits; the 6th would make 12 > 10.
    expect(o.placed.filter(Boolean)).toHaveLength(5);
    expect(o.failure).toEqual({
      message: 'exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=10, limited: requests.cpu=10',
      grade: 'UnschedulableAndUnresolvable',
    });
  });

  it('a zero request passes a key already over its limit; a non-zero one does not (the admission drops zero usage)', () => {
    const engine = engineWith(backend);
    engine.setQuotas([quota('a', 'cpu', { 'requests.cpu': '1', 'requests.memory': '8Gi' })]);
    engine.bindExisting([pod('old').ns('a').req({ cpu: '2', memory: '1Gi' }).boundTo('h0').obj()]); // used 2 > hard 1
    const [zero] = engine.place([pod('zero').ns('a').req({ cpu: '0', memory: '1Gi' }).obj()]).outcomes;
    expect(zero.placed).toEqual([true]); // cpu: 2 + 0 not checked; memory: 1Gi + 1Gi ≤ 8Gi
    const [some] = engine.place([pod('some').ns('a').req({ cpu: '100m', memory: '1Gi' }).obj()]).outcomes;
    expect(some.failure?.message).toBe('exceeded quota: cpu, requested: requests.cpu=100m, used: requests.cpu=2, limited: requests.cpu=1');
  });

  it("limits.<extended resource> is not a quota key: extended resources are quota'd as requests.<name> only", () => {
    const engine = new Engine({ backend });
    engine.upsertHosts([host('gpu').cpu('8').alloc({ 'nvidia.com/gpu': 4 }).obj()]);
    engine.setQuotas([quota('a', 'gpu', { 'limits.nvidia.com/gpu': 1, 'requests.nvidia.com/gpu': 3 })]);
    const gpus = (n: number) => pod(`p${n}`).ns('a').req({ cpu: '1', 'nvidia.com/gpu': n }).lim({ 'nvidia.com/gpu': n });
    expect(engine.place([gpus(2).obj()]).outcomes[0].placed).toEqual([true]); // limits.nvidia.com/gpu=1 does not count
    expect(engine.place([gpus(2).obj()]).outcomes[0].failure?.message).toBe(
      'exceeded quota: gpu, requested: requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=2, limited: requests.nvidia.com/gpu=3',
    );
  });

  it('names every exceeded key of the first failing quota, sorted, in canonical quantities', () => {
    const engine = engineWith(backend);
    engine.setQuotas([quota('a', 'q1', { 'requests.memory': '3Gi', 'requests.cpu': '1500m', pods: 10 })]);
    const [o] = engine.place([pod('big').ns('a').req({ cpu: '2', memory: '4Gi' }).obj()]).outcomes;
    expect(o.failure?.message).toBe(
      'exceeded quota: q1, requested: requests.cpu=2,requests.memory=4Gi, used: requests.cpu=0,requests.memory=0, limited: requests.cpu=1500m,requests.memory=3Gi',
    );
  });

  it('counts pods and VMs under their own keys, and VMs against requests.* too', () => {
    const engine = engineWith(backend);
    engine.setQuotas([quota('a', 'q', { pods: 1, 'count/virtualmachines.vmoperator.vmware.com': 1, 'requests.cpu': '100' })]);
    const out = engine.place([
      pod('p').ns('a').req({ cpu: '1' }).replicas(2).obj(),
      vm('v').ns('a').req({ cpu: '1', memory: '1Gi' }).replicas(2).obj(),
    ]).outcomes;
    expect(out[0].failure?.message).toBe('exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
    expect(out[1].failure?.message).toBe(
      'exceeded quota: q, requested: count/virtualmachines.vmoperator.vmware.com=1, used: count/virtualmachines.vmoperator.vmware.com=1, limited: count/virtualmachines.vmoperator.vmware.com=1',
    );
    expect(
      engine
        .namespaceUsage()
        .find((n) => n.namespace === 'a')!
        .quotas[0].used.get('requests.cpu'),
    ).toBe(2000n);
  });

  it('requires every container to declare what a cpu/memory quota tracks', () => {
    const engine = engineWith(backend);
    engine.setQuotas([quota('a', 'compute', { 'limits.memory': '10Gi', 'requests.cpu': '10' })]);
    const [o] = engine.place([pod('web').ns('a').req({ cpu: '1' }).obj()]).outcomes;
    expect(o.failure?.message).toBe('failed quota: compute: must specify limits.memory for: web');
  });

  it('leaves other namespaces alone and resumes when usage is released', () => {
    const engine = new Engine({ backend, trackPlacements: true });
    engine.upsertHosts([host('h0').cpu('8').obj()]);
    engine.setQuotas([quota('a', 'q', { 'requests.cpu': '2' })]);
    const first = engine.place([pod('x').ns('a').req({ cpu: '2' }).obj(), pod('y').ns('b').req({ cpu: '2' }).obj()]).outcomes;
    expect(first.map((o) => o.placed[0])).toEqual([true, true]);
    expect(engine.place([pod('z').ns('a').req({ cpu: '1' }).obj()]).outcomes[0].failure).not.toBeNull();
    expect(engine.release('Pod', 'a', 'x')).toBe(true);
    expect(engine.place([pod('z').ns('a').req({ cpu: '1' }).obj()]).outcomes[0].placed[0]).toBe(true);
  });
});

/** h0 (4 cpu) and h1 (2 cpu, zone b). */
const twoHosts = () => [host('h0').cpu('4').obj(), host('h1').cpu('2').label('zone', 'b').obj()];

/** Priorities low (10) and high (1000), the hosts, namespace r reserving `reserve` cpu, and `lows` 1-cpu low pods of r bound to `on`. */
function withLowPods(backend: BackendName, hosts: HostObj[], reserve: string, lows: number, on: string): Engine {
  const engine = new Engine({ backend });
  engine.setPriorityClasses([priorityClass('low', 10), priorityClass('high', 1000)]);
  engine.upsertHosts(hosts);
  engine.setPolicies([policy('r', { reserve: { cpu: reserve } })]);
  const low = pod('low').ns('r').priorityClass('low').req({ cpu: '1' }).replicas(lows).obj();
  low.instances.forEach((inst) => (inst.boundHost = on));
  engine.bindExisting([low]);
  return engine;
}

describe.each(BACKENDS)('reservation rule (%s)', (backend) => {
  it('admits q of namespace a only if q ≤ F − Σ_{n≠a} U_n, per dimension', () => {
    // 4 hosts × 4 cpu: F = 16. Namespace r reserves 10 cpu (unused U_r = 10).
    // Namespace b may take 16 − 10 = 6 cpu: three 2-cpu pods, not a fourth.
    const engine = engineWith(backend);
    engine.setPolicies([policy('r', { reserve: { cpu: '10' } })]);
    const [b] = engine.place([pod('b').ns('b').req({ cpu: '2' }).replicas(4).obj()]).outcomes;
    expect(b.placed.filter(Boolean)).toHaveLength(3);
    // The fourth: F = 10, others' unused = 10 ⇒ 2 > 10 − 10.
    expect(b.failure?.message).toBe('exceeds unreserved capacity: requested: cpu=2, free: cpu=10, reserved for other namespaces: cpu=10');
    // r itself can use its reservation: 10 cpu as five 2-cpu pods (its own U_r does not count against it).
    const [r] = engine.place([pod('r').ns('r').req({ cpu: '2' }).replicas(5).obj()]).outcomes;
    expect(r.placed.filter(Boolean)).toHaveLength(5);
  });

  it('usage inside the reservation shrinks what is held for others', () => {
    const engine = engineWith(backend);
    engine.setPolicies([policy('r', { reserve: { cpu: '10' } })]);
    engine.place([pod('r').ns('r').req({ cpu: '2' }).replicas(2).obj()]); // U_r = 10 − 4 = 6, F = 12
    const [b] = engine.place([pod('b').ns('b').req({ cpu: '2' }).replicas(4).obj()]).outcomes;
    expect(b.placed.filter(Boolean)).toHaveLength(3); // 12 − 6 = 6 ⇒ three
  });

  it('does not gate dimensions the workload does not request', () => {
    const engine = engineWith(backend);
    engine.setPolicies([policy('r', { reserve: { memory: '64Gi' } })]); // all memory held
    const [b] = engine.place([pod('b').ns('b').req({ cpu: '1' }).obj()]).outcomes;
    expect(b.placed[0]).toBe(true); // requests no memory
    const [m] = engine.place([pod('m').ns('b').req({ cpu: '1', memory: '1Gi' }).obj()]).outcomes;
    expect(m.failure?.message).toContain('exceeds unreserved capacity: requested: memory=1Gi');
  });

  it('preemption keeps F ≥ Σ U: victims on an over-committed host free less than they un-use', () => {
    // h1 holds 3 cpu of r's low pods on 2 cpu (bound before its capacity shrank): F = 4 + 0 = 4,
    // U_r = 5 − 3 = 2, so F ≥ Σ U holds.
    const engine = withLowPods(backend, twoHosts(), '5', 3, 'h1');
    // b takes F − U_r = 2 cpu: F = 2, U_r = 2.
    const [b] = engine.place([pod('b').ns('b').req({ cpu: '1' }).replicas(3).obj()]).outcomes;
    expect(b.placed).toEqual([true, true, false]);
    // r's urgent pod fits only on h1, by preemption. Evicting two low pods (h1 at 1 of 2 cpu) frees
    // 1 cpu of F but returns 2 to U_r; after the pod F = 2 + 0 = 2 < U_r = 5 − 2 = 3. Evicting
    // all three: F′ − q = 4 − 1 = 3 < U′_r − q = 5 − 1 = 4. No victim set keeps the invariant.
    const { outcomes, evictions } = engine.place([
      pod('urgent').ns('r').priorityClass('high').req({ cpu: '1' }).selector('zone', 'b').obj(),
    ]);
    expect(outcomes[0].placed).toEqual([false]);
    expect(evictions).toEqual([]);
    // Not over-committed (two low pods on h1), the same preemption keeps it: evicting both gives
    // F′ = 1 + 2 = 3, U′_r = 3, and 3 − 1 ≥ 3 − 1; one is reprieved, one evicted. After:
    // F = 1 + 0 = 1, U_r = 3 − 2 = 1.
    const engine2 = withLowPods(backend, twoHosts(), '3', 2, 'h1');
    // F = 4, U_r = 1: b takes 3.
    expect(engine2.place([pod('b').ns('b').req({ cpu: '1' }).replicas(4).obj()]).outcomes[0].placed).toEqual([true, true, true, false]);
    const second = engine2.place([pod('urgent').ns('r').priorityClass('high').req({ cpu: '1' }).selector('zone', 'b').obj()]);
    expect(second.outcomes[0].placed).toEqual([true]);
    expect(second.evictions).toHaveLength(1);
  });

  it('preemption onto a cordoned host it tolerates takes nothing from F', () => {
    // F = 0 (no schedulable host), U_r = max(0, 1 − 2) = 0
    const engine = withLowPods(backend, [host('h0').cpu('2').cordon().obj()], '1', 2, 'h0');
    // Evicting one low pod: F′ = 0, U′_r = 0; the urgent pod lands on the cordoned h0, so F stays
    // 0 and U_r = max(0, 1 − 2) = 0. Counting its 1 cpu against F would refuse it (0 − 1 < 0).
    const urgent = pod('urgent')
      .ns('r')
      .priorityClass('high')
      .req({ cpu: '1' })
      .tolerate('node.kubernetes.io/unschedulable', 'Exists', '', 'NoSchedule');
    const { outcomes, evictions } = engine.place([urgent.obj()]);
    expect(outcomes[0].placed).toEqual([true]);
    expect(evictions).toHaveLength(1);
  });

  it('rejects a policy whose reservations cannot be honoured', () => {
    const engine = engineWith(backend); // 16 cpu schedulable
    engine.bindExisting([pod('x').ns('b').req({ cpu: '3' }).boundTo('h0').obj()]);
    engine.setPolicies([policy('r', { reserve: { cpu: '14' } })]);
    // Σ max(R, used) = 14 (r) + 3 (b) = 17 > 16
    expect(() => engine.checkReservations()).toThrow(InputError);
    expect(() => engine.checkReservations()).toThrow(
      /reservations cannot be honoured: namespaces would hold 17 cpu .* but the schedulable hosts have 16/,
    );
  });
});

describe.each(BACKENDS)('priority resolution (%s)', (backend) => {
  it('explicit class, else the namespace policy class, else globalDefault', () => {
    const engine = engineWith(backend);
    engine.setPriorityClasses([priorityClass('high', 1000), priorityClass('dflt', 10, true), priorityClass('ns', 500)]);
    engine.setPolicies([policy('p', { priorityClassName: 'ns' })]);
    expect(engine.compile(pod('a').priorityClass('high').obj()).priority).toBe(1000);
    expect(engine.compile(pod('b').ns('p').obj()).priority).toBe(500);
    expect(engine.compile(pod('c').obj()).priority).toBe(10);
    expect(() => engine.compile(pod('d').priorityClass('nope').obj())).toThrow('no PriorityClass with name nope was found');
  });
});
