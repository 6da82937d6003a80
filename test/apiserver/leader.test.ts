// Lease leader election against the fake API server, in process, with short timings
// (lease 1 s, renew deadline 600 ms, retry 100 ms): one leader at a time, a leader that cannot
// renew stops leading at its renew deadline, a released lease is taken over at the next retry,
// an expired one after the lease duration. (The SIGKILL takeover runs real processes:
// test/realk8s/schedmode-ha.test.ts.)

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig, type Obj } from '../../service/apiserver/client.js';
import { LeaseElector, validateLeaseTimings } from '../../service/apiserver/leader.js';
import { FakeApiServer } from './fake-apiserver.js';
import { until } from './until.js';

const silent = pino({ level: 'silent' });
const TIMINGS = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };

let f: FakeApiServer;
let client: KubeClient;
let dir: string;
const electors: LeaseElector[] = [];

beforeEach(async () => {
  f = await FakeApiServer.start();
  dir = mkdtempSync(join(tmpdir(), 'placer-lease-'));
  writeFileSync(join(dir, 'kubeconfig'), f.kubeconfig());
  client = await KubeClient.connect(await loadKubeConfig({ kubeconfig: join(dir, 'kubeconfig') }));
});
afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
  client.close();
  await f.stop();
  rmSync(dir, { recursive: true, force: true });
});

function elector(identity: string): LeaseElector {
  const e = new LeaseElector(client, { namespace: 'placer-system', name: 'placer', identity, ...TIMINGS }, silent);
  electors.push(e);
  return e;
}

const lease = (): Obj | undefined => f.get('Lease', 'placer-system', 'placer');
const spec = (): Obj => (lease()?.spec ?? {}) as Obj;

describe('Lease leader election', () => {
  it('creates the Lease, renews it, and only one replica leads', async () => {
    const a = elector('a');
    a.start();
    await until(() => a.isLeader());
    const b = elector('b');
    b.start();
    expect(spec()).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(String(spec().renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/); // MicroTime
    const firstRenew = spec().renewTime;
    // for two lease durations: a renews, b never leads
    const end = performance.now() + 2000;
    while (performance.now() < end) {
      expect(b.isLeader()).toBe(false);
      expect(a.isLeader()).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(spec().renewTime).not.toBe(firstRenew);
    expect(b.holder()).toBe('a');
  });

  it('a leader that cannot renew stops leading at its renew deadline, writing nothing; once the API answers again exactly one leads', async () => {
    const a = elector('a');
    const changes: boolean[] = [];
    a.onChange((l) => changes.push(l));
    a.start();
    await until(() => a.isLeader());
    const b = elector('b');
    b.start();
    await until(() => b.holder() === 'a');
    const renewed = spec().renewTime;
    f.leaseWritesFail = true;
    const cut = performance.now();
    await until(() => !a.isLeader(), 2000);
    // at most the renew deadline after the last successful renewal (plus one retry of slack)
    expect(performance.now() - cut).toBeLessThanOrEqual(TIMINGS.renewDeadlineMs + TIMINGS.retryPeriodMs + 100);
    await until(() => changes.length === 2);
    expect(changes).toEqual([true, false]);
    expect(spec().renewTime).toBe(renewed); // nothing was written
    // the API server answers again: whoever wins, exactly one leads
    f.leaseWritesFail = false;
    await until(() => a.isLeader() || b.isLeader(), 3000);
    expect(a.isLeader() && b.isLeader()).toBe(false);
  });

  it('a follower acquires a lease its holder stopped renewing, one lease duration after it saw the last renewal (transition counted)', async () => {
    // a lease held by a replica that died: renewed once, long ago as far as anyone can see
    f.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'placer', namespace: 'placer-system' },
      spec: { holderIdentity: 'dead', leaseDurationSeconds: 1, leaseTransitions: 4 },
    });
    const b = elector('b');
    const t0 = performance.now();
    b.start();
    await until(() => b.isLeader(), 3000);
    // b first observes the record, then waits the lease duration from that observation
    expect(performance.now() - t0).toBeGreaterThanOrEqual(TIMINGS.leaseDurationMs - 50);
    expect(spec()).toMatchObject({ holderIdentity: 'b', leaseTransitions: 5 });
  });

  it('stop() releases the lease: the follower takes over at its next retry, not a lease duration later', async () => {
    const a = elector('a');
    a.start();
    await until(() => a.isLeader());
    const b = elector('b');
    b.start();
    await until(() => b.holder() === 'a');
    await a.stop();
    expect(spec().holderIdentity).toBe('');
    const t0 = performance.now();
    await until(() => b.isLeader(), 2000);
    expect(performance.now() - t0).toBeLessThan(TIMINGS.leaseDurationMs);
  });

  it('loses a write race with a 409 and does not lead', async () => {
    const a = elector('a');
    // another writer bumps the Lease between a's read and a's write
    f.requestHook = (method, path) => {
      if (method === 'PUT' && path.endsWith('/leases/placer'))
        f.modify('Lease', 'placer-system', 'placer', (o) => ((o.spec as Obj).holderIdentity = 'other'));
      return undefined;
    };
    f.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'placer', namespace: 'placer-system' },
      spec: { holderIdentity: '', leaseDurationSeconds: 1 },
    });
    a.start();
    await until(() => f.requests.filter((q) => q.method === 'PUT').length >= 3);
    expect(a.isLeader()).toBe(false);
  });

  it('refuses timings client-go refuses', () => {
    expect(() => validateLeaseTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 })).toThrow(
      /lease-duration must be greater/,
    );
    expect(() => validateLeaseTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 2000, retryPeriodMs: 2000 })).toThrow(
      /renew-deadline must be greater than 1.2/,
    );
    expect(() => validateLeaseTimings({ leaseDurationMs: 1500, renewDeadlineMs: 1000, retryPeriodMs: 100 })).toThrow(/whole seconds/);
  });
});
