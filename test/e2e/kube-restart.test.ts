// `placer serve --kubeconfig` as a real process against the fake API server: 410 Expired relists,
// the watches' accounting of VirtualMachines across them, an API without vm-operator, restarts
// that converge on what the API says, and bad flags. Each test gets a cluster of its own.

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vm, vmClass } from '../fixtures/k8s.js';
import { FakeApiServer, type Obj } from '../apiserver/fake-apiserver.js';
import { bind, call, filter, killAll, kubeconfigFor, metric, removeTempDirs, startReplica, type Replica } from '../apiserver/replica.js';
import { until } from '../apiserver/until.js';
import { apiPlacements, hosts, hv, json, placements, web } from './kube-harness.js';

let f: FakeApiServer;
afterAll(() => removeTempDirs());

describe('placer serve --kubeconfig: relists and restarts (real processes, fake API server)', () => {
  beforeEach(async () => {
    f = await FakeApiServer.start({ token: 'e2e-token' });
  });
  afterEach(async () => {
    killAll();
    await f.stop();
  });
  const start = (): Promise<Replica> => startReplica(kubeconfigFor(f), ['--no-leader-elect']);

  it.each(['event', 'http'] as const)('relists on 410 Expired (%s) and converges on what the API says', async (how) => {
    f.expiredAs = how;
    f.create(hv('hv-1').obj());
    f.create(hv('hv-2').obj());
    f.create(web('a', 'team', '1').nodeName('hv-1').obj());
    f.create(web('b', 'team', '1').nodeName('hv-2').obj());
    const r = await start();
    await until(() => f.openWatches() === 9, 5000, 'every resource watched');
    // the watches drop; while they are down everything changes and the history is compacted
    f.closeWatches();
    f.remove('Pod', 'team', 'a');
    f.remove('Node', '', 'hv-1');
    f.create(hv('hv-3').obj());
    f.create(web('c', 'team', '2').nodeName('hv-3').obj());
    f.modify('Pod', 'team', 'b', (o) => (o.status = { phase: 'Failed' }));
    f.compact();
    f.closeWatches();
    await until(
      async () => json(await placements(r)) === json(apiPlacements(f)) && Object.keys(await hosts(r, '')).join() === 'hv-2,hv-3',
      10_000,
      'converged',
    );
    expect(await placements(r)).toEqual({ 'team/c': 'hv-3' });
    expect(await metric(r, 'placer_kube_relists_total', { resource: 'Pod', reason: 'expired' })).toBeGreaterThanOrEqual(1);
    expect(await metric(r, 'placer_kube_relists_total', { resource: 'Node', reason: 'expired' })).toBeGreaterThanOrEqual(1);
  });

  it('relists on 410 Expired and keeps VirtualMachine accounting right', async () => {
    f.create(hv('hv-1').obj());
    f.create(hv('hv-2').obj());
    f.create(vmClass('small').ns('team').hardware(1, '2Gi').obj());
    f.create(vm('a').ns('team').className('small').status({ nodeName: 'hv-1' }).obj());
    f.create(vm('b').ns('team').className('small').status({ nodeName: 'hv-1' }).obj());
    const r = await start();
    await until(async () => Object.keys(await placements(r)).length === 2, 5000, 'VMs mirrored');
    await until(() => f.openWatches() === 9, 5000, 'every resource watched');
    // the watches drop; meanwhile a VM goes, one moves, one comes and the class grows
    f.closeWatches();
    f.remove('VirtualMachine', 'team', 'a');
    f.modify('VirtualMachine', 'team', 'b', (o) => ((o.status as Obj).nodeName = 'hv-2'));
    f.create(vm('c').ns('team').className('small').status({ nodeName: 'hv-1' }).obj());
    f.modify('VirtualMachineClass', 'team', 'small', (o) => ((o.spec as Obj).hardware = { cpus: 2, memory: '4Gi' }));
    f.compact();
    f.closeWatches();
    await until(
      async () =>
        json(await placements(r)) === json(apiPlacements(f)) &&
        json((await hosts(r, ''))['hv-1'].used) === json({ cpu: '2', memory: '4Gi', pods: '1' }),
      10_000,
      'converged',
    );
    expect(await placements(r)).toEqual({ 'team/b': 'hv-2', 'team/c': 'hv-1' });
    expect(await hosts(r, '')).toEqual({
      'hv-1': { used: { cpu: '2', memory: '4Gi', pods: '1' }, unschedulable: false, workloads: 1 },
      'hv-2': { used: { cpu: '2', memory: '4Gi', pods: '1' }, unschedulable: false, workloads: 1 },
    });
    expect(await metric(r, 'placer_kube_relists_total', { resource: 'VirtualMachine', reason: 'expired' })).toBeGreaterThanOrEqual(1);
  });

  it('without vm-operator (its API 404) placer serves: pods are mirrored and bound, VirtualMachines taken as none', async () => {
    f.uninstall('vmoperator.vmware.com');
    f.create(hv('hv-1').obj());
    f.create(web('q', 'team', '1').nodeName('hv-1').obj());
    const p = f.create(web('p', 'team', '2').obj());
    const r = await start();
    expect(await placements(r)).toEqual({ 'team/q': 'hv-1' });
    expect((await call(r, 'GET', '/readyz')).status).toBe(200);
    expect((await filter(r, p, ['hv-1'])).passed).toEqual(['hv-1']);
    expect(await bind(r, p, 'hv-1')).toBe('');
    expect(f.requests.some((q) => q.path === '/apis/vmoperator.vmware.com/v1alpha6/virtualmachines')).toBe(true);
    expect(r.stdout() + r.stderr()).toContain('the API server does not serve this resource');
  });

  it('a restart relists: the state equals the API, nothing stale survives', async () => {
    f.create(hv('hv-1').obj());
    f.create(hv('hv-2').obj());
    const p = f.create(web('p', 'team', '1').obj());
    f.create(web('q', 'team', '1').nodeName('hv-2').obj());
    const r1 = await start();
    await filter(r1, p, ['hv-1', 'hv-2']);
    expect(await bind(r1, p, 'hv-1')).toBe('');
    r1.proc.kill('SIGKILL');
    await r1.exited;
    // while placer is down
    f.remove('Pod', 'team', 'q');
    f.remove('Node', '', 'hv-2');
    f.create(hv('hv-3').obj());
    f.create(web('s', 'team', '1').nodeName('hv-3').obj());
    const r2 = await start();
    expect(await placements(r2)).toEqual(apiPlacements(f));
    expect(await placements(r2)).toEqual({ 'team/p': 'hv-1', 'team/s': 'hv-3' });
    expect(await hosts(r2, '')).toEqual({
      'hv-1': { used: { cpu: '1', memory: '1Gi', pods: '1' }, unschedulable: false, workloads: 1 },
      'hv-3': { used: { cpu: '1', memory: '1Gi', pods: '1' }, unschedulable: false, workloads: 1 },
    });
  });

  it('refuses bad flags clearly', async () => {
    const bad = await startReplica(kubeconfigFor(f), ['--bootstrap', 'examples/']).catch((e: Error) => e.message);
    expect(bad).toContain('error: Kubernetes mode does not take --bootstrap');
    const timings = await startReplica(kubeconfigFor(f), [
      '--leader-elect-lease-duration',
      '2s',
      '--leader-elect-renew-deadline',
      '3s',
    ]).catch((e: Error) => e.message);
    expect(timings).toContain('--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline');
  });
});
