// Capacity headroom (core-wasm/src/capacity.ts): how many more replicas fit, and what stops the
// next one, through every backend. Each row's count is worked out by hand in its comment; every
// answer is then checked against a real placement of that many replicas and one more, and the
// state must be as it was before the question.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import type { HostObj, NamespacePolicyObj, QuotaObj, WorkloadTemplate } from '../../model/types.js';
import { host, pod, policy, quota } from '../fixtures/model.js';

const BACKENDS: BackendName[] = ['reference', 'wasm', 'wasm-scalar', 'wasm-debug'];
const ZONE = 'topology.kubernetes.io/zone';

interface Case {
  what: string;
  hosts: HostObj[];
  quotas?: QuotaObj[];
  policies?: NamespacePolicyObj[];
  running?: WorkloadTemplate[];
  workload: WorkloadTemplate;
  count: number;
  stoppedBy: string;
  /** The cluster's room with the namespace's quotas aside, when it differs from count. */
  quotaFree?: number;
}

const hosts = (n: number, cpu: string, zone?: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => {
    const h = host(`h${i}`).cpu(cpu).memory('64Gi');
    return (zone ? h.label(ZONE, zone(i)) : h).obj();
  });

const CASES: Case[] = [
  {
    // host-bound: 3 hosts × 4 cpu ÷ 1 cpu = 12
    what: 'host-bound',
    hosts: hosts(3, '4'),
    workload: pod('web').req({ cpu: '1' }).obj(),
    count: 12,
    stoppedBy: '0/3 hosts are available: 3 Insufficient cpu.',
  },
  {
    // running pods hold room: 3 × 4 − 2 − 3 = 7 cpu free, at most 1 pod of 2 cpu per host with 1, 2 and 3 left: 0 + 1 + 2 = 3
    what: 'host-bound around running workloads',
    hosts: hosts(3, '4'),
    running: [pod('a').req({ cpu: '3' }).boundTo('h0').obj(), pod('b').req({ cpu: '2' }).boundTo('h1').obj()],
    workload: pod('web').req({ cpu: '2' }).obj(),
    count: 3,
    stoppedBy: '0/3 hosts are available: 3 Insufficient cpu.',
  },
  {
    // quota-bound: requests.cpu 5 − 2 used = 3 cores of room ÷ 1 = 3, though the hosts hold 12
    what: 'quota-bound',
    hosts: hosts(3, '4'),
    quotas: [quota('team', 'compute', { 'requests.cpu': '5' })],
    running: [pod('old').ns('team').req({ cpu: '2' }).boundTo('h2').obj()],
    workload: pod('web').ns('team').req({ cpu: '1' }).obj(),
    count: 3,
    stoppedBy: 'exceeded quota: compute, requested: requests.cpu=1, used: requests.cpu=5, limited: requests.cpu=5',
    quotaFree: 10, // the quota aside: 12 − 2 cpu running
  },
  {
    // reservation-bound: F = 12 cpu, namespace other reserves 10 and uses none: 12 − 10 = 2 for team
    what: 'reservation-bound',
    hosts: hosts(3, '4'),
    policies: [policy('other', { reserve: { cpu: '10' } })],
    workload: pod('web').ns('team').req({ cpu: '1' }).obj(),
    count: 2,
    stoppedBy: 'exceeds unreserved capacity: requested: cpu=1, free: cpu=10, reserved for other namespaces: cpu=10',
  },
  {
    // anti-affinity-bound: one replica per host (required anti-affinity to its own label): 4 hosts, 4 replicas
    what: 'anti-affinity-bound',
    hosts: hosts(4, '16'),
    workload: pod('db').label('app', 'db').antiAffinity({ app: 'db' }).req({ cpu: '1' }).obj(),
    count: 4,
    stoppedBy: "0/4 hosts are available: 4 host(s) didn't match pod anti-affinity rules.",
  },
  {
    // spread-bound: maxSkew 1 over two zones, zone a holds 2 replicas (2 cpu), so zone b at most 2 + 1 = 3: 5
    what: 'spread-bound',
    hosts: [host('small').cpu('2').label(ZONE, 'a').obj(), host('big').cpu('16').label(ZONE, 'b').obj()],
    workload: pod('web').label('app', 'web').spread(1, ZONE, 'DoNotSchedule', { app: 'web' }).req({ cpu: '1' }).obj(),
    count: 5,
    stoppedBy: "0/2 hosts are available: 1 Insufficient cpu, 1 host(s) didn't match pod topology spread constraints.",
  },
  {
    // pod slots: 2 hosts × 3 slots, 1 already used: 5, though cpu would allow 32
    what: 'slot-bound',
    hosts: [host('p0').cpu('16').pods(3).obj(), host('p1').cpu('16').pods(3).obj()],
    running: [pod('x').req({ cpu: '100m' }).boundTo('p0').obj()],
    workload: pod('web').req({ cpu: '1' }).obj(),
    count: 5,
    stoppedBy: '0/2 hosts are available: 2 Too many pods.',
  },
];

function engineFor(backend: BackendName, c: Case): Engine {
  const engine = new Engine({ backend, trackPlacements: true });
  engine.upsertHosts(c.hosts);
  engine.setQuotas(c.quotas ?? []);
  engine.setPolicies(c.policies ?? []);
  engine.bindExisting(c.running ?? []);
  return engine;
}

const replicas = (t: WorkloadTemplate, n: number, from: number): WorkloadTemplate => ({
  ...t,
  instances: Array.from({ length: n }, (_, i) => ({ name: `${t.instances[0].name}-${from + i}` })),
});

describe.each(BACKENDS)('capacity headroom (%s)', (backend) => {
  it.each(CASES)('$what: $count more, then: $stoppedBy', (c) => {
    const engine = engineFor(backend, c);
    engine.compile(c.workload); // interns its namespace: the ledger's rows are then the same before and after
    const before = engine.ledger();
    const report = engine.headroom(c.workload);
    expect(report.headroom).toEqual({ count: c.count, stoppedBy: { message: c.stoppedBy, grade: expect.any(String) } });
    expect(report.quotaFree.count).toBe(c.quotaFree ?? c.count);
    expect(engine.ledger()).toEqual(before); // the question changes nothing
    // Placing that many succeeds; one more fails for the reason given.
    const [placed] = engine.place([replicas(c.workload, c.count, 0)]).outcomes;
    expect(placed.placed.filter(Boolean)).toHaveLength(c.count);
    const [next] = engine.place([replicas(c.workload, 1, c.count)]).outcomes;
    expect(next.placed).toEqual([false]);
    expect(next.failure?.message).toBe(c.stoppedBy);
    expect(engine.headroom(c.workload).headroom.count).toBe(0);
  });

  it('per zone: the same question with the zone required, every zone of the hosts', () => {
    // zone a: 2 hosts × 4 cpu ÷ 1 = 8; zone b: 1 host × 2 cpu = 2; all: 10
    const engine = new Engine({ backend });
    engine.upsertHosts([
      host('a0').cpu('4').label(ZONE, 'a').obj(),
      host('a1').cpu('4').label(ZONE, 'a').obj(),
      host('b0').cpu('2').label(ZONE, 'b').obj(),
      host('none').cpu('64').obj(), // no zone label: counted in the whole, in no zone
    ]);
    const report = engine.headroom(pod('web').req({ cpu: '1' }).obj());
    expect(report.headroom.count).toBe(74);
    expect(report.zones.map((z) => [z.zone, z.headroom.count])).toEqual([
      ['a', 8],
      ['b', 2],
    ]);
    expect(report.zones[1].headroom.stoppedBy?.message).toBe(
      "0/4 hosts are available: 1 Insufficient cpu, 3 host(s) didn't match Pod's node affinity/selector.",
    );
  });

  it('a workload admission refuses whatever the hosts: 0, and the reason', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(hosts(2, '4'));
    engine.setQuotas([quota('team', 'q', { 'requests.cpu': '10' })]);
    const report = engine.headroom(pod('web').ns('team').obj()); // no cpu request under a cpu quota
    expect(report.headroom).toEqual({
      count: 0,
      stoppedBy: { message: 'failed quota: q: must specify requests.cpu for: web', grade: 'UnschedulableAndUnresolvable' },
    });
    // the quota aside, only pod slots bound it: 2 hosts × 110
    expect(report.quotaFree).toEqual({
      count: 220,
      stoppedBy: { message: '0/2 hosts are available: 2 Too many pods.', grade: 'Unschedulable' },
    });
  });

  it('a limit stops the count before the cluster does: no reason then', () => {
    const engine = new Engine({ backend });
    engine.upsertHosts(hosts(2, '64'));
    expect(engine.headroom(pod('web').req({ cpu: '1' }).obj(), { limit: 10 }).headroom).toEqual({ count: 10, stoppedBy: null });
  });
});
