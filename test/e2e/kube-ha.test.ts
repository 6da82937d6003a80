// High availability: two `placer serve --kubeconfig` replicas share one Lease (short timings:
// lease 2 s, renew deadline 1.5 s, retry 250 ms). A driver plays kube-scheduler: it sends each pod's
// filter and bind to the replica a Service would pick — the ready one, the leader — and retries
// a pod whose bind failed, as kube-scheduler requeues it. Mid-stream the leader is SIGKILLed.
//
// Proven: the follower is not ready (a `leader` check) and its /bind errors without writing; it
// takes over within about one lease period; no pod is bound twice (the fake refuses a second
// Binding and counts every POST); every acknowledged binding is in the API and in the survivor.

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { node, pod } from '../fixtures/k8s.js';
import { FakeApiServer, type Obj } from '../apiserver/fake-apiserver.js';
import {
  bind,
  call,
  filter,
  killAll,
  kubeconfigFor,
  placements,
  removeTempDirs,
  startReplica,
  type Replica,
} from '../apiserver/replica.js';
import { until } from '../apiserver/until.js';

const LEASE_MS = 2000;
const RETRY_MS = 250;
const ELECTION = ['--leader-elect-lease-duration', '2s', '--leader-elect-renew-deadline', '1500ms', '--leader-elect-retry-period', '250ms'];
const NODES = ['hv-1', 'hv-2', 'hv-3'];
const PODS = 40;

let f: FakeApiServer;
beforeEach(async () => {
  f = await FakeApiServer.start();
});
afterEach(async () => {
  killAll();
  await f.stop();
});
afterAll(() => removeTempDirs());

const ready = async (r: Replica): Promise<boolean> => {
  try {
    return (await fetch(`${r.url}/readyz`)).status === 200;
  } catch {
    return false; // killed
  }
};

describe('two replicas, one Lease', () => {
  it('the follower takes over within a lease period of the leader being SIGKILLed mid-stream; no pod bound twice, no acknowledged binding lost', async () => {
    for (const n of NODES) f.create(node(n).allocatable({ cpu: '32', memory: '128Gi', pods: '110' }).obj());
    const pods: Obj[] = [];
    for (let i = 0; i < PODS; i++)
      pods.push(
        f.create(
          pod(`web-${String(i).padStart(2, '0')}`)
            .ns('team')
            .container({ cpu: '100m', memory: '256Mi' })
            .obj(),
        ),
      );
    const kubeconfig = kubeconfigFor(f);
    const replicas = await Promise.all([startReplica(kubeconfig, ELECTION), startReplica(kubeconfig, ELECTION)]);
    await until(async () => (await Promise.all(replicas.map(ready))).filter(Boolean).length === 1, 10_000, 'one leader');
    const leader = (await ready(replicas[0])) ? replicas[0] : replicas[1];
    const follower = leader === replicas[0] ? replicas[1] : replicas[0];

    // the follower: not ready, by its leader check; its bind errors and writes nothing
    const verbose = await call(follower, 'GET', '/readyz?verbose');
    expect(verbose.status).toBe(503);
    expect(verbose.text).toContain('[+]informers-synced ok\n[-]leader failed\nreadyz check failed');
    expect(await bind(follower, pods[0], 'hv-1')).toMatch(
      /^placer: this replica \(.+\) is not the leader; the leader is .+: only the leader binds$/,
    );
    expect(f.bindingPosts.size).toBe(0);

    // kube-scheduler: 4 binding cycles at a time, each pod filtered then bound on the ready replica.
    // The leader is killed the moment the API server has bound the 16th pod, before it answers:
    // that binding's answer is lost for sure, and (201s come 40 ms after the bind) others in flight
    f.bindingResponseDelayMs = 40;
    const acked = new Map<string, string>();
    let killedAt = 0;
    let lostAcks: string[] = [];
    f.afterBinding = () => {
      if (f.bindings.length !== 16) return;
      killedAt = performance.now();
      leader.proc.kill('SIGKILL');
      lostAcks = f.bindings.map((b) => `${b.namespace}/${b.name}`).filter((k) => !acked.has(k));
    };
    const queue = [...pods];
    let firstAckAfterKill = 0;
    const deadline = performance.now() + 45_000;
    const worker = async (): Promise<void> => {
      for (let p = queue.shift(); p; p = queue.shift()) {
        const name = String((p.metadata as Obj).name);
        for (;;) {
          if (performance.now() > deadline) throw new Error(`pod ${name} not bound in time`);
          const target = (await ready(replicas[0])) ? replicas[0] : (await ready(replicas[1])) ? replicas[1] : undefined;
          let err = 'no ready replica';
          if (target) {
            try {
              const { passed } = await filter(target, p, NODES);
              err = passed?.length ? await bind(target, p, passed[0]) : 'no node passed';
              if (err === '') {
                acked.set(`team/${name}`, passed[0]);
                if (target === follower && killedAt > 0 && firstAckAfterKill === 0) firstAckAfterKill = performance.now();
                break;
              }
            } catch (e) {
              err = (e as Error).message; // the replica died under the request
            }
          }
          await new Promise((r) => setTimeout(r, 50)); // requeue with a little backoff
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect((await leader.exited).signal).toBe('SIGKILL');
    expect(acked.size).toBe(PODS);
    // bindings the API took whose answers died with the leader: kube-scheduler retried them on the survivor
    expect(lostAcks.length).toBeGreaterThanOrEqual(1);

    // takeover: the lease expires a lease duration after the follower last saw it renewed, which
    // it checks every retry period (+20% jitter); the margin absorbs a loaded CI machine
    const takeover = firstAckAfterKill - killedAt;
    expect(takeover).toBeGreaterThan(0);
    expect(takeover).toBeLessThan(LEASE_MS + 3 * RETRY_MS + 1500);

    // no pod bound twice: one accepted Binding per pod (a replayed POST gets 409 and is not counted)
    const perPod = new Map<string, number>();
    for (const b of f.bindings) perPod.set(`${b.namespace}/${b.name}`, (perPod.get(`${b.namespace}/${b.name}`) ?? 0) + 1);
    expect([...perPod.values()].every((n) => n === 1)).toBe(true);
    expect(perPod.size).toBe(PODS);
    // no acknowledged binding lost: the API has each on the acknowledged node, and so does the survivor
    for (const [key, n] of acked) expect((f.get('Pod', 'team', key.split('/')[1])!.spec as Obj).nodeName).toBe(n);
    await until(async () => Object.keys(await placements(follower)).length === PODS, 5000, 'survivor mirrors every binding');
    expect(await placements(follower)).toEqual(Object.fromEntries(acked));
    expect((await call(follower, 'GET', '/readyz?verbose')).text).toContain('[+]leader ok');
  });

  it('a replica stopped gracefully hands the lease over at once (released, not expired)', async () => {
    f.create(node('hv-1').allocatable({ cpu: '4', memory: '8Gi', pods: '10' }).obj());
    const kubeconfig = kubeconfigFor(f);
    // a long lease: only a release lets the follower in quickly
    const slow = ['--leader-elect-lease-duration', '30s', '--leader-elect-renew-deadline', '20s', '--leader-elect-retry-period', '250ms'];
    const a = await startReplica(kubeconfig, slow);
    await until(() => ready(a), 10_000, 'a leads');
    const b = await startReplica(kubeconfig, slow);
    await until(async () => (await call(b, 'GET', '/readyz?verbose')).text.includes('[-]leader failed'), 5000, 'b follows');
    const t0 = performance.now();
    a.proc.kill('SIGTERM');
    expect(await a.exited).toEqual({ code: 0, signal: null });
    await until(() => ready(b), 5000, 'b leads');
    expect(performance.now() - t0).toBeLessThan(5000); // far less than the 30 s lease
    expect(((f.get('Lease', 'placer-system', 'placer')!.spec as Obj).leaseTransitions as number) >= 1).toBe(true);
  });
});
