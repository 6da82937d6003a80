// `placer serve --kubeconfig` as a real process against the fake API server (test/apiserver), for
// the binding faults a real API server cannot be made to produce on cue: the answer to a Binding
// the API server took lost on the way, a 403 from a misconfigured RBAC, a 409 naming another node
// before the watch shows it. Everything else of Kubernetes mode is tested against the real control
// plane (test/realk8s). Every wait is bounded.

import { describe, expect, it } from 'vitest';
import type { Obj } from '../apiserver/fake-apiserver.js';
import { bind, filter } from '../apiserver/replica.js';
import { until } from '../apiserver/until.js';
import { hosts, hv, json, placements, replicaOnFakeApi, web } from './kube-harness.js';

describe('placer serve --kubeconfig: one replica (real process, fake API server)', () => {
  const fake = replicaOnFakeApi();

  it('a 409 "already assigned to node <this node>" is the bind the API already took: success once the watch shows the pod there with this UID', async () => {
    const [f, r] = [fake.f(), fake.r()];
    f.create(hv('l-1').obj());
    const p = f.create(web('p', 'lost', '1').obj());
    await until(async () => (await filter(r, p, ['l-1'])).passed.length === 1, 5000, 'mirrored');
    // another replica's Binding reached the API server, its answer was lost, kube-scheduler retried
    // here before this replica's watch showed it: the API server answers 409 for this very node
    f.bindingHook = (b) => {
      f.modify('Pod', b.namespace, b.name, (o) => ((o.spec as Obj).nodeName = b.node));
      return {
        code: 409,
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on pods/binding "${b.name}": pod ${b.name} is already assigned to node "${b.node}"`,
      };
    };
    try {
      expect(await bind(r, p, 'l-1')).toBe('');
    } finally {
      f.bindingHook = undefined;
    }
    expect(f.bindingPosts.get('lost/p')).toBe(1);
    expect(await placements(r, 'lost')).toEqual({ 'lost/p': 'l-1' });
    expect((await hosts(r, 'l-'))['l-1'].used).toEqual({ cpu: '1', memory: '1Gi', pods: '1' });
  });

  it('a bind the API server refuses changes nothing: a 403 (RBAC misconfigured), a 409 naming another node', async () => {
    const [f, r] = [fake.f(), fake.r()];
    f.create(hv('f-1', '2').obj());
    f.create(web('running', 'fail', '1').nodeName('f-1').obj());
    const p = f.create(web('p', 'fail', '1').obj());
    await until(async () => (await filter(r, p, ['f-1'])).passed.length === 1, 5000, 'mirrored');
    const before = json([await hosts(r, 'f-'), await placements(r, 'fail')]);
    const unchanged = async () => expect(json([await hosts(r, 'f-'), await placements(r, 'fail')])).toBe(before);

    f.bindingHook = () => ({
      code: 403,
      reason: 'Forbidden',
      message:
        'pods "p" is forbidden: User "system:serviceaccount:placer-system:placer" cannot create resource "pods/binding" in API group "" in the namespace "fail"',
    });
    expect(await bind(r, p, 'f-1')).toMatch(
      /^placer: the API server refused the Binding of pod fail\/p to node f-1: 403 Forbidden: pods "p" is forbidden/,
    );
    await unchanged();
    // a 409 saying the pod is already on another node (bound by someone else; the watch has not
    // shown it yet) is a failure, not the bind's own lost answer
    f.bindingHook = () => ({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "f-9"',
    });
    expect(await bind(r, p, 'f-1')).toBe(
      'placer: the API server refused the Binding of pod fail/p to node f-1: 409 Conflict: Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "f-9"',
    );
    await unchanged();
    f.bindingHook = undefined;
    expect(f.bindings.filter((b) => b.namespace === 'fail')).toEqual([]);
  });
});
