// prioritize adds only what kube-scheduler does not score itself (extender-judge.ts): its
// NodeResourcesFit and BalancedAllocation already score the pods bound to a node, so a pod's
// occupancy must not move placer's answer; a VirtualMachine's, which kube-scheduler does not see,
// must — in the direction of the strategy. A NamespacePolicy's other strategy is placer's alone.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extenderNode } from '../fixtures/extender-cluster.js';
import { harness, type Harness, type Obj } from './harness.js';

const NAMES = ['node-pod', 'node-vm', 'node-empty'];

const pod = (name: string, cpu: string, memory: string, namespace = 'apps', nodeName?: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, uid: `uid-${name}` },
  spec: { ...(nodeName && { nodeName }), containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory } } }] },
});

describe('extender prioritize: no double counting of what kube-scheduler scores', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    const r = await h.json('POST', '/v1/apply', [
      ...NAMES.map((n) => extenderNode(n, '8', '32Gi')),
      // the same requests on two nodes: a pod kube-scheduler sees, a VM it does not
      pod('running', '4', '16Gi', 'apps', 'node-pod'),
      {
        apiVersion: 'vmoperator.vmware.com/v1alpha6',
        kind: 'VirtualMachine',
        metadata: { name: 'vm', namespace: 'apps' },
        spec: { imageName: 'ubuntu', resources: { size: { cpu: '4', memory: '16Gi' } } },
        status: { nodeName: 'node-vm' },
      },
      {
        apiVersion: 'placer.dev/v1alpha1',
        kind: 'NamespacePolicy',
        metadata: { name: 'pack', namespace: 'packed' },
        spec: { placement: { strategy: 'MostAllocated' } },
      },
    ]);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });
  afterEach(() => h.close());

  const prioritize = async (p: Obj): Promise<Record<string, number>> => {
    const r = await h.json<{ Host: string; Score: number }[]>('POST', '/scheduler/prioritize', { Pod: p, Nodes: null, NodeNames: NAMES });
    expect(r.status).toBe(200);
    return Object.fromEntries(r.body.map((e) => [e.Host, e.Score]));
  };

  it("the profile's strategy: a pod's occupancy scores nothing (kube-scheduler counts it), a VM's half its share", async () => {
    // node-vm: the VM holds 4 of 8 cpu and 16 of 32Gi, share 0.5 → 10 − 5
    expect(await prioritize(pod('new', '1', '1Gi'))).toEqual({ 'node-pod': 10, 'node-vm': 5, 'node-empty': 10 });
  });

  it('the answer follows the VM: gone, every node scores alike', async () => {
    expect((await h.json('DELETE', '/v1/namespaces/apps/VirtualMachine/vm')).status).toBe(200);
    expect(await prioritize(pod('new', '1', '1Gi'))).toEqual({ 'node-pod': 10, 'node-vm': 10, 'node-empty': 10 });
  });

  it("a NamespacePolicy's strategy kube-scheduler does not score: placer's whole resource score, scaled", async () => {
    const s = await prioritize(pod('new', '1', '1Gi', 'packed'));
    // MostAllocated + BalancedAllocation (weight 1 by default, kube-scheduler's default profile)
    // over 0..200, scaled to 0..10. Half-full nodes with the pod: cpu 5/8 → 62, memory 17/32 → 53,
    // mean 57; BalancedAllocation 100 − 50·|0.625 − 0.53125| = 95.3 → 95: ⌊152·10 / 200⌋ = 7. The
    // empty node: cpu 12, memory 3, mean 7; BalancedAllocation 100 − 50·|0.125 − 0.03125| → 95:
    // ⌊102·10 / 200⌋ = 5 (MostAllocated alone would answer 5, 5 and 0).
    expect(s).toEqual({ 'node-pod': 7, 'node-vm': 7, 'node-empty': 5 });
  });
});
