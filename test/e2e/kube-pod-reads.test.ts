// A bound pod's next versions on the watch are parsed again only when something placer reads
// changed (service/state/pod-reads.ts, service/apiserver/sync.ts): its Binding and status updates cost a string
// comparison, a change of its requests or labels is read, and what placer keeps to compare goes
// with the pod. `placer serve --kubeconfig` as a real process against the fake API server.

import { describe, expect, it } from 'vitest';
import type { Obj } from '../apiserver/fake-apiserver.js';
import { bind, filter, metric } from '../apiserver/replica.js';
import { until } from '../apiserver/until.js';
import { hosts, hv, placements, replicaOnFakeApi, web } from './kube-harness.js';

describe('placer serve --kubeconfig: a bound pod is parsed again only when what placer reads changed', () => {
  const fake = replicaOnFakeApi();
  const versions = async (read: 'parsed' | 'unchanged'): Promise<number> => metric(fake.r(), 'placer_kube_pod_versions_total', { read });
  const reads = async (): Promise<number> => metric(fake.r(), 'placer_kube_pod_reads');
  const watched = async (): Promise<number> => metric(fake.r(), 'placer_kube_watch_events_total', { resource: 'Pod', type: 'MODIFIED' });

  /** Modify a pod in the fake API server and wait until placer's watch has shown the new version. */
  async function modify(ns: string, name: string, fn: (o: Obj) => void): Promise<void> {
    const before = await watched();
    fake.f().modify('Pod', ns, name, fn);
    await until(async () => (await watched()) > before, 5000, `${ns}/${name} modified`);
  }

  it('its Binding and status updates are not parsed; new requests or labels are; its reads go with it', async () => {
    const [f, r] = [fake.f(), fake.r()];
    f.create(hv('r-1').obj());
    const p = f.create(web('p', 'reads', '1').obj());
    await until(async () => (await filter(r, p, ['r-1'])).passed.length === 1, 5000, 'mirrored');
    const parsed0 = await versions('parsed');
    const unchanged0 = await versions('unchanged');

    // the bind took the filter's template (the pending version reads the same); so does the bound version
    expect(await bind(r, p, 'r-1')).toBe('');
    await until(async () => (await versions('unchanged')) === unchanged0 + 1, 5000, 'the bound version compared');
    expect(await versions('parsed')).toBe(parsed0);
    expect(await reads()).toBe(1);

    // a kubelet's status update: nothing placer reads
    await modify('reads', 'p', (o) => {
      o.status = { ...(o.status as Obj), conditions: [{ type: 'PodScheduled', status: 'True' }] };
    });
    expect(await versions('unchanged')).toBe(unchanged0 + 2);
    expect(await versions('parsed')).toBe(parsed0);

    // requests changed (an in-place resize): read, and the host's usage follows
    await modify('reads', 'p', (o) => {
      (((o.spec as Obj).containers as Obj[])[0].resources as Obj).requests = { cpu: '2', memory: '1Gi' };
    });
    expect(await versions('parsed')).toBe(parsed0 + 1);
    await until(async () => ((await hosts(r, 'r-'))['r-1'].used as Obj).cpu === '2', 5000, 'the resize held');

    // a label changed: read; a phase change to Running: read (phase is one of placer's reads)
    await modify('reads', 'p', (o) => ((o.metadata as Obj).labels = { app: 'web' }));
    expect(await versions('parsed')).toBe(parsed0 + 2);
    await modify('reads', 'p', (o) => ((o.status as Obj).phase = 'Running'));
    expect(await versions('parsed')).toBe(parsed0 + 3);
    expect(await versions('unchanged')).toBe(unchanged0 + 2);
    expect(await placements(r, 'reads')).toEqual({ 'reads/p': 'r-1' });

    // gone: nothing kept
    f.remove('Pod', 'reads', 'p');
    await until(async () => (await reads()) === 0, 5000, 'reads freed');
    expect(await placements(r, 'reads')).toEqual({});
  });

  it('what placer keeps to compare does not grow with history: pods bound and deleted leave nothing', async () => {
    const [f, r] = [fake.f(), fake.r()];
    f.create(hv('h-1', '64').obj());
    for (let round = 0; round < 3; round++) {
      const pods = Array.from({ length: 10 }, (_, i) => f.create(web(`c-${round}-${i}`, 'churn', '100m').obj()));
      for (const p of pods) {
        await until(async () => (await filter(r, p, ['h-1'])).passed.length === 1, 5000, 'mirrored');
        expect(await bind(r, p, 'h-1')).toBe('');
      }
      await until(async () => (await reads()) === 10, 5000, 'ten held');
      for (const p of pods) f.remove('Pod', 'churn', String((p.metadata as Obj).name));
      await until(async () => (await reads()) === 0, 5000, 'freed');
    }
    expect(await placements(r, 'churn')).toEqual({});
  });
});
