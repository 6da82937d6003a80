// `placer serve --kubeconfig` at SIGTERM, as a real process against the fake API server, whose
// Binding answers a test can hold (a slow API server; the real one cannot be slowed on cue): a
// bind in flight gets its Binding's answer before the API client closes, in the extender and in
// scheduler mode, and --shutdown-grace-period bounds the whole shutdown.

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiServer, type Obj } from '../apiserver/fake-apiserver.js';
import { bind, killAll, kubeconfigFor, removeTempDirs, startReplica, type Replica } from '../apiserver/replica.js';
import { until } from '../apiserver/until.js';
import { hv, web } from './kube-harness.js';

let f: FakeApiServer;
afterAll(() => removeTempDirs());

/** Hold every Binding POST until the returned function is called. */
function holdBindings(): () => void {
  let release = (): void => {};
  f.bindingGate = new Promise<void>((r) => (release = r));
  return () => {
    f.bindingGate = undefined;
    release();
  };
}

const alive = (r: Replica): boolean => r.proc.exitCode === null && r.proc.signalCode === null;

describe('placer serve --kubeconfig: SIGTERM with a Binding in flight (real processes, fake API server)', () => {
  beforeEach(async () => {
    f = await FakeApiServer.start({ token: 'e2e-token' });
    f.create(hv('hv-1').obj());
  });
  afterEach(async () => {
    killAll();
    await f.stop();
  });

  it("the extender's bind in flight gets its Binding's answer before placer exits", async () => {
    const pod = f.create(web('w-1', 'team', '1').obj());
    const r = await startReplica(kubeconfigFor(f), ['--shutdown-grace-period', '20s']);
    const release = holdBindings();
    const answer = bind(r, pod, 'hv-1');
    await until(() => f.bindingPosts.get('team/w-1') === 1, 5000, 'the Binding POST at the API server');
    r.proc.kill('SIGTERM');
    // placer waits for the answer: the client that carries the POST stays open
    await new Promise((res) => setTimeout(res, 1000));
    expect(alive(r)).toBe(true);
    release();
    expect(await answer).toBe('');
    expect(f.bindings.map((b) => `${b.namespace}/${b.name}@${b.node}`)).toEqual(['team/w-1@hv-1']);
    expect((await r.exited).code).toBe(0);
  });

  it('--shutdown-grace-period bounds the wait: a Binding never answered does not hold placer', async () => {
    const pod = f.create(web('w-2', 'team', '1').obj());
    const r = await startReplica(kubeconfigFor(f), ['--shutdown-grace-period', '1s']);
    const release = holdBindings();
    try {
      const answer = bind(r, pod, 'hv-1').catch((err: unknown) => `no answer: ${String(err)}`);
      await until(() => f.bindingPosts.get('team/w-2') === 1, 5000, 'the Binding POST at the API server');
      const t0 = performance.now();
      r.proc.kill('SIGTERM');
      expect((await r.exited).code).toBe(0);
      // the grace period, then the confirmation the binder waits for (1.5 s) at most, and the exit
      expect(performance.now() - t0).toBeLessThan(8000);
      expect(await answer).not.toBe('');
    } finally {
      release();
    }
  });

  it("scheduler mode: a Binding in flight gets its answer, and the pod's placement stands", async () => {
    const r = await startReplica(kubeconfigFor(f), ['--scheduler-name', 'placer', '--no-leader-elect', '--shutdown-grace-period', '20s']);
    const release = holdBindings();
    const p = web('s-1', 'team', '1').obj();
    (p.spec as Obj).schedulerName = 'placer';
    f.create(p);
    await until(() => f.bindingPosts.get('team/s-1') === 1, 10_000, "scheduler mode's Binding POST at the API server");
    r.proc.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 1000));
    expect(alive(r)).toBe(true);
    release();
    expect((await r.exited).code).toBe(0);
    expect(f.bindings.map((b) => `${b.namespace}/${b.name}@${b.node}`)).toEqual(['team/s-1@hv-1']);
    // its log: bound, not "binding failed"
    expect(r.stderr()).not.toMatch(/binding failed/);
  });
});
