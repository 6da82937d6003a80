// Filter: every reason, graded and worded like kube-scheduler's, through every backend.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import type { HostObj, WorkloadTemplate } from '../../model/types.js';
import { host, pod, policy, vm } from '../fixtures/model.js';

const BACKENDS: BackendName[] = ['reference', 'wasm', 'wasm-scalar'];

function explain(backend: BackendName, hosts: HostObj[], w: WorkloadTemplate, setup?: (e: Engine) => void, balancedWeight = 0) {
  const engine = new Engine({ backend, balancedWeight });
  engine.upsertHosts(hosts);
  setup?.(engine);
  return engine.explain(w);
}

describe.each(BACKENDS)('filter (%s)', (backend) => {
  it('cordoned hosts are unschedulable unless the workload tolerates the unschedulable taint', () => {
    const hosts = [host('h1').cordon().obj()];
    const e = explain(backend, hosts, pod('p').req({ cpu: '1' }).obj());
    expect(e.hosts[0]).toMatchObject({ feasible: false, reasons: ['host(s) were unschedulable'], grade: 'UnschedulableAndUnresolvable' });
    const tolerant = explain(
      backend,
      hosts,
      pod('p').req({ cpu: '1' }).tolerate('node.kubernetes.io/unschedulable', 'Exists', '', 'NoSchedule').obj(),
    );
    expect(tolerant.hosts[0].feasible).toBe(true);
  });

  it.each([
    // taint on the host, toleration on the pod, tolerated?
    { taint: ['gpu', 'true', 'NoSchedule'], tol: null, ok: false },
    { taint: ['gpu', 'true', 'NoSchedule'], tol: ['gpu', 'Equal', 'true', 'NoSchedule'], ok: true },
    { taint: ['gpu', 'true', 'NoSchedule'], tol: ['gpu', 'Equal', 'false', 'NoSchedule'], ok: false },
    { taint: ['gpu', 'true', 'NoSchedule'], tol: ['gpu', 'Exists', '', ''], ok: true }, // any value, any effect
    { taint: ['gpu', 'true', 'NoExecute'], tol: ['gpu', 'Exists', '', 'NoSchedule'], ok: false }, // effect must match
    { taint: ['gpu', 'true', 'NoExecute'], tol: ['', 'Exists', '', ''], ok: true }, // empty key + Exists: everything
    { taint: ['gpu', 'true', 'PreferNoSchedule'], tol: null, ok: true }, // only a preference
  ])('taint $taint vs toleration $tol → feasible $ok', ({ taint, tol, ok }) => {
    const hosts = [
      host('h1')
        .taint(taint[0], taint[1], taint[2] as 'NoSchedule')
        .obj(),
    ];
    let w = pod('p').req({ cpu: '1' });
    if (tol) w = w.tolerate(tol[0], tol[1] as 'Equal', tol[2], tol[3] as '');
    const e = explain(backend, hosts, w.obj());
    expect(e.hosts[0].feasible).toBe(ok);
    if (!ok) expect(e.hosts[0].reasons).toEqual([`host(s) had untolerated taint {${taint[0]}: ${taint[1]}}`]);
  });

  it('reports the first untolerated taint in the Node order', () => {
    const hosts = [
      host('h1').taint('a', '1', 'NoSchedule').taint('b', '2', 'NoExecute').obj(),
      host('h2').taint('b', '2', 'NoExecute').taint('a', '1', 'NoSchedule').obj(),
    ];
    const e = explain(backend, hosts, pod('p').obj());
    expect(e.hosts.map((h) => h.reasons[0])).toEqual(['host(s) had untolerated taint {a: 1}', 'host(s) had untolerated taint {b: 2}']);
    expect(e.message).toBe('0/2 hosts are available: 1 host(s) had untolerated taint {a: 1}, 1 host(s) had untolerated taint {b: 2}.');
  });

  it.each([
    // host label zone=a, gen=5; requirement → matches?
    { req: ['zone', 'In', 'a', 'b'], ok: true },
    { req: ['zone', 'In', 'b'], ok: false },
    { req: ['zone', 'NotIn', 'b'], ok: true },
    { req: ['missing', 'NotIn', 'b'], ok: true }, // NotIn matches an absent label
    { req: ['zone', 'Exists'], ok: true },
    { req: ['missing', 'Exists'], ok: false },
    { req: ['missing', 'DoesNotExist'], ok: true },
    { req: ['gen', 'Gt', '4'], ok: true }, // 5 > 4
    { req: ['gen', 'Gt', '5'], ok: false },
    { req: ['gen', 'Lt', '6'], ok: true },
    { req: ['zone', 'Gt', '1'], ok: false }, // "a" is not an integer
  ])('required affinity $req → $ok', ({ req, ok }) => {
    const hosts = [host('h1').label('zone', 'a').label('gen', '5').obj()];
    const [key, op, ...values] = req as [string, 'In', ...string[]];
    const e = explain(
      backend,
      hosts,
      pod('p')
        .requireTerm([key, op, ...values])
        .obj(),
    );
    expect(e.hosts[0].feasible).toBe(ok);
    if (!ok) expect(e.hosts[0].reasons).toEqual(["host(s) didn't match Pod's node affinity/selector"]);
  });

  it('terms are ORed, expressions ANDed; matchFields metadata.name; nodeSelector ANDed with affinity', () => {
    const hosts = [host('h1').label('zone', 'a').obj(), host('h2').label('zone', 'b').obj(), host('h3').label('zone', 'c').obj()];
    const e = explain(backend, hosts, pod('p').requireTerm(['zone', 'In', 'a']).requireTerm(['zone', 'In', 'b']).obj());
    expect(e.hosts.map((h) => h.feasible)).toEqual([true, true, false]);
    const byName = explain(backend, hosts, pod('p').requireHostName('h3').obj());
    expect(byName.hosts.map((h) => h.feasible)).toEqual([false, false, true]);
    const both = explain(backend, hosts, pod('p').selector('zone', 'b').requireTerm(['zone', 'In', 'a', 'b']).obj());
    expect(both.hosts.map((h) => h.feasible)).toEqual([false, true, false]);
  });

  it('VMs are named as such in the affinity message', () => {
    const e = explain(backend, [host('h1').obj()], vm('db').selector('zone', 'x').obj());
    expect(e.hosts[0].reasons).toEqual(["host(s) didn't match VirtualMachine's node affinity/selector"]);
  });

  it('resource fit: every insufficient resource, Too many pods, graded by whether preemption could help', () => {
    const hosts = [host('h1').cpu('2').memory('4Gi').pods(1).obj()];
    const e = explain(backend, hosts, pod('p').req({ cpu: '3', memory: '1Gi' }).obj(), (engine) =>
      engine.bindExisting([pod('old').req({ memory: '3500Mi' }).boundTo('h1').obj()]),
    );
    // cpu 3 > 2 allocatable: unresolvable; memory 1Gi > 4Gi − 3500Mi = 596Mi free: insufficient; 1 + 1 > 1 pod.
    expect(e.hosts[0].reasons).toEqual(['Insufficient cpu', 'Insufficient memory', 'Too many pods']);
    expect(e.hosts[0].grade).toBe('UnschedulableAndUnresolvable');
    const resolvable = explain(backend, hosts, pod('p').req({ cpu: '1', memory: '1Gi' }).obj(), (engine) =>
      engine.bindExisting([pod('old').req({ memory: '3500Mi' }).boundTo('h1').obj()]),
    );
    expect(resolvable.hosts[0].grade).toBe('Unschedulable');
  });

  it('extended resources: a workload that does not request one is not filtered by it', () => {
    const hosts = [host('cpu-only').obj(), host('gpu').alloc({ 'nvidia.com/gpu': 2 }).obj()];
    expect(explain(backend, hosts, pod('p').req({ cpu: '1' }).obj()).hosts.map((h) => h.feasible)).toEqual([true, true]);
    const gpu = explain(backend, hosts, pod('p').req({ cpu: '1', 'nvidia.com/gpu': 1 }).obj());
    expect(gpu.hosts.map((h) => h.feasible)).toEqual([false, true]);
    expect(gpu.hosts[0].reasons).toEqual(['Insufficient nvidia.com/gpu']);
  });

  it('messages count only the first failing stage of each host, sorted as strings', () => {
    const hosts = [
      host('cordoned').cordon().cpu('1').obj(), // unschedulable (also short of cpu: not counted)
      host('tainted').taint('gpu', 'true', 'NoSchedule').obj(),
      host('small1').cpu('1').obj(),
      host('small2').cpu('1').obj(),
      host('other-zone').label('zone', 'b').obj(),
    ];
    const w = pod('p').req({ cpu: '2' }).requireTerm(['zone', 'NotIn', 'b']).obj();
    const e = explain(backend, hosts, w);
    expect(e.message).toBe(
      "0/5 hosts are available: 1 host(s) didn't match Pod's node affinity/selector, 1 host(s) had untolerated taint {gpu: true}, 1 host(s) were unschedulable, 2 Insufficient cpu.",
    );
    expect(e.selected).toBeNull();
  });

  it('the namespace policy adds its node selector and tolerations to every workload in it', () => {
    const hosts = [host('a').label('zone', 'a').taint('dedicated', 'ml', 'NoSchedule').obj(), host('b').label('zone', 'b').obj()];
    const setup = (engine: Engine) =>
      engine.setPolicies([
        policy('ml', {
          selector: { zone: 'a' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }],
        }),
      ]);
    const e = explain(backend, hosts, pod('p').ns('ml').obj(), setup);
    expect(e.hosts.map((h) => h.feasible)).toEqual([true, false]);
    const conflict = explain(backend, hosts, pod('p').ns('ml').selector('zone', 'b').obj(), setup);
    expect(conflict.admission).toBe('pod node label selector conflicts with its namespace node label selector');
  });
});

// With kube-scheduler's default profile (balancedWeight 1, placer's default).
describe.each(BACKENDS)('score extras (%s)', (backend) => {
  it('preferred node affinity is normalized over feasible hosts and weighted ×2', () => {
    const hosts = [host('h1').label('disk', 'ssd').obj(), host('h2').label('disk', 'hdd').obj()];
    const e = explain(backend, hosts, pod('p').req({ cpu: '1', memory: '1Gi' }).prefer(30, ['disk', 'In', 'ssd']).obj(), undefined, 1);
    // h1 raw 30 → 100×30/30 = 100; h2 raw 0 → 0. LeastAllocated cpu (4−1)/4 → 75, memory (8−1)/8 → 87: (75+87)/2 = 81.
    // BalancedAllocation: 1 − |1/4 − 1/8| / 2 = 0.9375 → 93 on both.
    // total = 81 + 93 + 100×2 + 100×3 (no PreferNoSchedule taints: all 100) = 674; h2: 81 + 93 + 0 + 300 = 474.
    expect(e.hosts.map((h) => h.score)).toEqual([674, 474]);
    expect(e.selected).toBe('h1');
  });

  it('PreferNoSchedule taints are counted and reverse-normalized, weighted ×3', () => {
    const hosts = [host('h1').taint('noisy', '', 'PreferNoSchedule').obj(), host('h2').obj()];
    const e = explain(backend, hosts, pod('p').req({ cpu: '1', memory: '1Gi' }).obj(), undefined, 1);
    // h1: 1 untolerated → 100 − 100×1/1 = 0; h2: 100. totals 81 + 93 + 0 + 0 = 174 and 81 + 93 + 0 + 300 = 474.
    expect(e.hosts.map((h) => h.score)).toEqual([174, 474]);
    expect(e.selected).toBe('h2');
  });

  it('ties go to the first host (stable host order)', () => {
    const hosts = [host('h1').obj(), host('h2').obj(), host('h3').obj()];
    expect(explain(backend, hosts, pod('p').req({ cpu: '1' }).obj()).selected).toBe('h1');
  });
});
