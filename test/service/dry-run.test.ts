// A dry-run apply changes nothing, seen from inside: the engine's ledger (per-host usage,
// quota and namespace usage, free capacity, topology counters), its hosts and namespaces, the
// placements placer holds, the pending list and the store's generation are equal before and
// after — for requests that place, upsert and cordon hosts, change quotas and policies, or fail —
// and the real apply that follows answers exactly what the dry run answered.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPaths, parseText } from '../../service/manifests/index.js';
import type { PlacerState } from '../../service/state/state.js';
import { harness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await harness();
  h.state.apply(await loadPaths([join(import.meta.dirname, '..', '..', 'examples')]));
});
afterAll(() => h.close());

/**
 * The ledger of the present hosts: a host a dry run added stays behind as an absent, empty slot
 * (as after a failed apply) and comes back in that slot, so no decision depends on it.
 */
function presentLedger(s: PlacerState) {
  const present = new Set(s.engine.hostNames().map((n) => s.engine.hostSlot(n)));
  const l = s.engine.ledger();
  return { ...l, hosts: l.hosts.filter((_, slot) => present.has(slot)) };
}

const inside = (s: PlacerState) => ({
  ledger: presentLedger(s),
  hosts: s.engine.hostUsage(),
  namespaces: s.engine.namespaceUsage(),
  objects: s.engine.hostNames().map((n) => s.engine.hostObj(n)),
  placements: s.placements(),
  pending: s.pending.list().map(({ template: _t, ...p }) => p),
  generation: s.store.generation,
});

const deployment = (ns: string, name: string, replicas: number, cpu: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
${extra}      containers: [{name: c, image: x, resources: {requests: {cpu: ${cpu}, memory: 1Gi}}}]`;

const cases = [
  {
    name: 'a Deployment spread over zones',
    yaml: deployment(
      'team-shop',
      'dry',
      6,
      '2',
      '      topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: dry}}}]\n',
    ),
  },
  { name: 'a Deployment over its quota', yaml: deployment('team-web', 'dry-over', 3, '1') },
  {
    name: 'a new host and workloads pinned to it',
    yaml: `apiVersion: v1\nkind: Node\nmetadata: {name: esx-dry, labels: {kubernetes.io/hostname: esx-dry, topology.kubernetes.io/zone: dc1-zone-a}}\nstatus: {allocatable: {cpu: "64", memory: 512Gi, pods: "1024"}}\n---\n${deployment('team-shop', 'pinned', 2, '20', '      nodeSelector: {kubernetes.io/hostname: esx-dry}\n')}`,
  },
  {
    name: 'a cordon of every zone-a host by their manifests, then a placement',
    yaml: `${['esx-a01', 'esx-a02'].map((n) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}, labels: {kubernetes.io/hostname: ${n}, topology.kubernetes.io/zone: dc1-zone-a}}\nspec: {unschedulable: true}\nstatus: {allocatable: {cpu: "64", memory: 512Gi, pods: "1024"}}`).join('\n---\n')}\n---\n${deployment('team-shop', 'after-cordon', 2, '1')}`,
  },
  {
    name: 'a quota raised and a Deployment that needs it',
    yaml: `apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: web-compute, namespace: team-web}\nspec: {hard: {requests.cpu: "400", requests.memory: 2Ti, pods: "1000"}}\n---\n${deployment('team-web', 'bigger', 10, '4')}`,
  },
  {
    name: 'a PriorityClass and nothing else',
    yaml: 'apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: dry-class}\nvalue: 5',
  },
];

describe('dry-run apply (in process: the engine ledger)', () => {
  it.each(cases)('$name: nothing changes, and the real apply answers the same', ({ yaml }) => {
    const manifests = parseText(yaml, 'request body');
    const before = inside(h.state);
    const dry = h.state.apply(manifests, { dryRun: true });
    expect(inside(h.state)).toEqual(before);
    const real = h.state.apply(manifests);
    expect(real.result).toEqual(dry.result);
    expect(inside(h.state).generation).toBeGreaterThan(before.generation);
  });

  it('a dry run that fails (a host placer holds on another host) leaves everything as it was', () => {
    const held = h.state.placements().find((p) => p.kind === 'Pod')!;
    const before = inside(h.state);
    const other = h.state.engine.hostNames().find((n) => n !== held.host)!;
    const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: ${held.name}, namespace: ${held.namespace}}\nspec:\n  nodeName: ${other}\n  containers: [{name: c, image: x}]`;
    expect(() => h.state.apply(parseText(pod, 'request body'), { dryRun: true })).toThrow(/according to placer/);
    expect(inside(h.state)).toEqual(before);
  });
});
