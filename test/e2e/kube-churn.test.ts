// Kubernetes mode under churn: `placer serve --kubeconfig` (a real process) against the fake API
// server, rollouts whose pods each carry a new pod-template-hash come and go through the API
// server's watch — some created already bound, some bound through the extender — and what placer
// keeps does not grow with them: no placement, owner or shape outlives its pod, the classes stay
// below what a collection waits for, the extender's pod cache empties as pods are bound.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, type Obj } from '../apiserver/fake-apiserver.js';
import { bind, call, filter, killAll, kubeconfigFor, removeTempDirs, startReplica, type Replica } from '../apiserver/replica.js';
import { until } from '../apiserver/until.js';
import { pod } from '../fixtures/k8s.js';
import { hv, placements } from './kube-harness.js';

const ROLLOUTS = 90;
const PER_ROLLOUT = 3;
/** Candidates a class collection waits for (core-wasm/src/compiler.ts COLLECT_AFTER). */
const COLLECT_AFTER = 64;

/** One value of a gauge, by its labels (`{}` for none). */
function gauge(text: string, name: string, labels = ''): number {
  const m = new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} ([0-9.e+-]+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name}${labels} is not in /metrics`);
  return Number(m[1]);
}

let f: FakeApiServer;
afterAll(() => removeTempDirs());

describe('placer serve --kubeconfig under churn (real process, fake API server)', () => {
  let r: Replica;
  beforeAll(async () => {
    f = await FakeApiServer.start({ token: 'churn-token' });
    r = await startReplica(kubeconfigFor(f));
  });
  afterAll(async () => {
    killAll();
    await f.stop();
  });

  it('rollouts created and deleted through the API server leave nothing behind', async () => {
    f.create(hv('c-1', '16').obj());
    f.create(hv('c-2', '16').obj());
    let previous: Obj[] = [];
    let most = 0;
    for (let k = 0; k < ROLLOUTS; k++) {
      const hash = `h${k.toString(36)}x9`;
      const current: Obj[] = [];
      for (let i = 0; i < PER_ROLLOUT; i++) {
        const b = pod(`web-${hash}-${i}`)
          .ns('churn')
          .labels({ app: 'web', 'pod-template-hash': hash })
          .ownedBy('ReplicaSet', `web-${hash}`)
          .container({ cpu: `${100 * (i + 1)}m`, memory: '128Mi' });
        if (i === 0) {
          // through the extender: filter, then bind (placer posts the Binding)
          const p = f.create(b.obj());
          await until(async () => (await filter(r, p, ['c-1', 'c-2'])).passed.length === 2, 5000, `${hash} mirrored`);
          expect(await bind(r, p, k % 2 === 0 ? 'c-1' : 'c-2')).toBe('');
          current.push(p);
        } else current.push(f.create(b.nodeName(i % 2 === 0 ? 'c-1' : 'c-2').obj()));
      }
      for (const p of previous) f.remove('Pod', 'churn', String((p.metadata as Obj).name));
      previous = current;
      await until(async () => Object.keys(await placements(r, 'churn')).length === PER_ROLLOUT, 5000, `rollout ${k} alone`);
      most = Math.max(most, gauge((await call(r, 'GET', '/metrics')).text, 'placer_engine_classes'));
    }
    for (const p of previous) f.remove('Pod', 'churn', String((p.metadata as Obj).name));
    await until(async () => Object.keys(await placements(r, 'churn')).length === 0, 5000, 'every pod gone');

    const m = (await call(r, 'GET', '/metrics')).text;
    expect(gauge(m, 'placer_placements')).toBe(0);
    expect(gauge(m, 'placer_engine_interned_names', '{table="owners"}')).toBe(0);
    expect(gauge(m, 'placer_engine_interned_names', '{table="shapes"}')).toBe(0);
    expect(gauge(m, 'placer_cache_entries', '{cache="extender_pods"}')).toBe(0);
    // 270 pods in 90 rollouts made 270 classes; at most the uncollected candidates and the live ones remain
    expect(most).toBeLessThanOrEqual(COLLECT_AFTER + 2 * PER_ROLLOUT);
    expect(gauge(m, 'placer_engine_classes')).toBeLessThan(COLLECT_AFTER);
  });
});
