// Kubernetes mode with a namespace per CI run: `placer serve --kubeconfig` (a real process)
// against the fake API server, where each run creates a Namespace, a ResourceQuota and a pod whose
// node affinity and toleration name the run, and deletes them again (the watch's DELETE events).
// The engine's names — namespaces, constraint programs, label values, toleration keys — follow
// the live runs: at most those of the classes a collection waits for, not one set per namespace.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer, type Obj } from '../apiserver/fake-apiserver.js';
import { call, killAll, kubeconfigFor, removeTempDirs, startReplica, type Replica } from '../apiserver/replica.js';
import { until } from '../apiserver/until.js';
import { node, pod } from '../fixtures/k8s.js';
import { placements } from './kube-harness.js';

const RUNS = 500;
const BATCH = 25;
/** Candidates a class collection waits for (core-wasm/src/compiler.ts COLLECT_AFTER). */
const COLLECT_AFTER = 64;
/** Engine names a run adds: its namespace, its constraint program, two label values, a toleration key. */
const NAMES_PER_RUN = 5;

function gauge(text: string, name: string, labels = ''): number {
  const m = new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} ([0-9.e+-]+)$`, 'm').exec(text);
  if (!m) throw new Error(`${name}${labels} is not in /metrics`);
  return Number(m[1]);
}

/** Run r's objects: its Namespace, a ResourceQuota and a pod already bound to a host. */
function runObjects(r: number): Obj[] {
  const ns = `ci-${r}`;
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota', namespace: ns }, spec: { hard: { 'requests.cpu': '4' } } },
    pod(`test-${r}`)
      .ns(ns)
      .container({ cpu: '500m', memory: '64Mi' })
      .requiredAffinity({
        matchExpressions: [
          { key: 'ci.example.com/pool', operator: 'In', values: ['ci', `pool-${r}`] },
          { key: 'ci.example.com/excluded', operator: 'NotIn', values: [`run-${r}`] },
        ],
      })
      .toleration({ key: `ci.example.com/run-${r}`, operator: 'Exists', effect: 'NoSchedule' })
      .nodeName(r % 2 === 0 ? 'c-1' : 'c-2')
      .obj(),
  ];
}

let f: FakeApiServer;
afterAll(() => removeTempDirs());

describe('placer serve --kubeconfig with a namespace per CI run (real process, fake API server)', () => {
  let r: Replica;
  beforeAll(async () => {
    f = await FakeApiServer.start({ token: 'ns-churn-token' });
    r = await startReplica(kubeconfigFor(f));
  });
  afterAll(async () => {
    killAll();
    await f.stop();
  });

  it(`${RUNS} namespaces created and deleted through the API server leave their names behind only until collected`, async () => {
    for (const name of ['c-1', 'c-2'])
      f.create(node(name).labels({ 'ci.example.com/pool': 'ci' }).allocatable({ cpu: '64', memory: '256Gi', pods: '110' }).obj());
    await until(async () => (await call(r, 'GET', '/v1/hosts')).body.items !== undefined, 5000, 'hosts listed');
    const names = async (): Promise<number> =>
      gauge((await call(r, 'GET', '/metrics')).text, 'placer_engine_interned_names', '{table="engine"}');
    let base = -1;
    let most = 0;
    for (let b = 0; b < RUNS / BATCH; b++) {
      const runs = Array.from({ length: BATCH }, (_, i) => b * BATCH + i);
      for (const run of runs) for (const o of runObjects(run)) f.create(o);
      await until(async () => Object.keys(await placements(r)).length === BATCH, 10_000, `batch ${b} placed`);
      for (const run of runs) {
        f.remove('Pod', `ci-${run}`, `test-${run}`);
        f.remove('ResourceQuota', `ci-${run}`, 'quota');
        f.remove('Namespace', '', `ci-${run}`);
      }
      await until(async () => Object.keys(await placements(r)).length === 0, 10_000, `batch ${b} gone`);
      const n = await names();
      if (b === 0) base = n;
      most = Math.max(most, n);
    }
    // without freeing, 500 runs would add 2,500 names; with it, at most those of the classes a
    // collection waits for (and of the batch that was live) remain at any time
    expect(most - base).toBeLessThanOrEqual(NAMES_PER_RUN * (COLLECT_AFTER + BATCH));
    const m = (await call(r, 'GET', '/metrics')).text;
    expect(gauge(m, 'placer_engine_classes')).toBeLessThan(COLLECT_AFTER + BATCH);
    expect(gauge(m, 'placer_placements')).toBe(0);
    // no namespace of a run is listed any more
    const listed = ((await call(r, 'GET', '/v1/namespaces')).body.items as Obj[]).map((n) => n.namespace);
    expect(listed.filter((n) => String(n).startsWith('ci-'))).toEqual([]);
  });
});
