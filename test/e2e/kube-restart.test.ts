// `placer serve --kubeconfig` as a real process against the fake API server: 410 Expired relists —
// as the HTTP status too, which a real API server does not answer on cue — the watches' accounting
// of VirtualMachines across them, and bad flags. Each test gets a cluster of its own. Restarts,
// compaction and an API without vm-operator are tested against the real control plane (test/realk8s).

import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vm, vmClass } from '../fixtures/k8s.js';
import { FakeApiServer, type Obj } from '../apiserver/fake-apiserver.js';
import { killAll, kubeconfigFor, metric, removeTempDirs, startReplica, type Replica } from '../apiserver/replica.js';
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
  const start = (): Promise<Replica> => startReplica(kubeconfigFor(f));

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

  it('refuses bad flags clearly', async () => {
    const bad = await startReplica(kubeconfigFor(f), ['--bootstrap', 'examples/']).catch((e: Error) => e.message);
    expect(bad).toContain('error: Kubernetes mode does not take --bootstrap');
    const both = await startReplica(kubeconfigFor(f), ['--in-cluster']).catch((e: Error) => e.message);
    expect(both).toContain('error: Kubernetes mode does not take --kubeconfig and --in-cluster');
  });
});
