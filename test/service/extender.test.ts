// Contract tests for the scheduler-extender verbs, in both request modes, with payloads shaped
// like kube-scheduler's (informer objects without kind/apiVersion, managedFields, init containers
// and sidecars, overhead, defaulted tolerations, resolved priority; Nodes with full status).
//
// The fixture pod requests, by kube-scheduler's PodRequests:
//   cpu    = max(4 + 0.005 + 0.1 (sidecar), 0.5 init) + 0.25 overhead           = 4355m
//   memory = max(16Gi + 35M + 64Mi, 256Mi init) + 160Mi overhead              = 17449750208
// Nodes: esx-a01 63800m / 527080476Ki (empty), esx-a02 7800m / 32653476Ki (a 6-cpu pod runs
// there), esx-b01 like esx-a01 but tainted placer.dev/maintenance=true:NoSchedule.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Binder } from '../../service/apiserver/binding.js';
import { fixture, harness, type Harness, type Obj } from './harness.js';

const FILTER_KEYS = ['Nodes', 'NodeNames', 'FailedNodes', 'FailedAndUnresolvableNodes', 'Error'];
const NAMES = ['esx-a01', 'esx-a02', 'esx-b01'];

function nodeList(): { metadata: Obj; items: Obj[] } {
  return fixture('nodes.json');
}

function podFixture(patch: (p: Obj) => void = () => {}): Obj {
  const p = fixture('pod.json');
  patch(p);
  return p;
}

/** Nodes as manifests for /v1/apply (informer objects carry no kind/apiVersion). */
function nodeManifests(): Obj[] {
  return nodeList().items.map((n) => ({ apiVersion: 'v1', kind: 'Node', ...n }));
}

function runningPod(
  name: string,
  ns: string,
  host: string,
  cpu: string,
  uid: string,
  labels: Record<string, string> = {},
  priority?: number,
): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, uid, labels },
    spec: {
      nodeName: host,
      ...(priority !== undefined && { priority }),
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory: '1Gi' } } }],
    },
  };
}

async function apply(h: Harness, objs: Obj[]): Promise<Obj> {
  const r = await h.json('POST', '/v1/apply', objs);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

describe('extender: filter and prioritize', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await apply(h, [...nodeManifests(), runningPod('filler', 'batch', 'esx-a02', '6', 'uid-filler')]);
  });
  afterEach(() => h.close());

  it('Nodes mode: echoes the passing Node objects, lists every rejected node with its grade, Error empty', async () => {
    const nodes = nodeList();
    const r = await h.json('POST', '/scheduler/filter', { Pod: podFixture(), Nodes: nodes, NodeNames: null });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(FILTER_KEYS);
    expect(r.body.NodeNames).toBeNull();
    expect(r.body.Error).toBe('');
    // the exact objects kube-scheduler sent, untouched
    expect((r.body.Nodes as Obj).items).toEqual([nodes.items[0]]);
    expect(r.body.FailedNodes).toEqual({ 'esx-a02': 'placer: Insufficient cpu' }); // 6 + 4.355 > 7.8: evicting could help
    expect(Object.keys(r.body.FailedAndUnresolvableNodes as Obj)).toEqual(['esx-b01']);
    expect((r.body.FailedAndUnresolvableNodes as Obj)['esx-b01']).toMatch(
      /^placer: .*untolerated taint \{placer\.dev\/maintenance: true\}/,
    );
  });

  it('NodeNames mode: answers names; a host placer does not know is unresolvable and says how to fix it', async () => {
    const r = await h.json('POST', '/scheduler/filter', { Pod: podFixture(), Nodes: null, NodeNames: [...NAMES, 'esx-zz9'] });
    expect(Object.keys(r.body)).toEqual(FILTER_KEYS);
    expect(r.body.Nodes).toBeNull();
    expect(r.body.NodeNames).toEqual(['esx-a01']);
    expect(r.body.FailedNodes).toEqual({ 'esx-a02': 'placer: Insufficient cpu' });
    const unresolvable = r.body.FailedAndUnresolvableNodes as Record<string, string>;
    expect(Object.keys(unresolvable).sort()).toEqual(['esx-b01', 'esx-zz9']);
    expect(unresolvable['esx-zz9']).toMatch(/does not know host "esx-zz9".*POST \/v1\/apply.*nodeCacheCapable: false/);
    expect(r.body.Error).toBe('');
  });

  it('Nodes mode refreshes the host table (new and changed nodes), durably', async () => {
    const nodes = nodeList();
    const extra = structuredClone(nodes.items[0]);
    (extra.metadata as Obj).name = 'esx-c01';
    ((extra.status as Obj).allocatable as Obj).cpu = '31900m';
    ((nodes.items[1].status as Obj).allocatable as Obj).cpu = '15800m'; // esx-a02 grew: the pod fits now
    const r = await h.json('POST', '/scheduler/filter', {
      Pod: podFixture(),
      Nodes: { metadata: {}, items: [...nodes.items, extra] },
      NodeNames: null,
    });
    expect(((r.body.Nodes as Obj).items as Obj[]).map((n) => (n.metadata as Obj).name)).toEqual(['esx-a01', 'esx-a02', 'esx-c01']);
    await h.restart();
    const hosts = (await h.json('GET', '/v1/hosts')).body.items as Obj[];
    const byName = new Map(hosts.map((x) => [x.name, x]));
    expect((byName.get('esx-c01')?.allocatable as Obj).cpu).toBe('31900m');
    expect((byName.get('esx-a02')?.allocatable as Obj).cpu).toBe('15800m');
  });

  it('Nodes mode trusts resourceVersion: a Node already read at its version is not read again, unless the host changed another way since', async () => {
    const filter = async (items: Obj[]) =>
      (await h.json('POST', '/scheduler/filter', { Pod: podFixture(), Nodes: { metadata: {}, items }, NodeNames: null })).body;
    const cpuOf = async (name: string) =>
      (((await h.json('GET', '/v1/hosts')).body.items as Obj[]).find((x) => x.name === name)!.allocatable as Obj).cpu;
    const at = (rv: string, cpu: string): Obj[] => {
      const items = nodeList().items;
      (items[1].metadata as Obj).resourceVersion = rv;
      ((items[1].status as Obj).allocatable as Obj).cpu = cpu;
      return items;
    };
    // esx-a02 at 7800m holds a 6-cpu pod: the 4355m pod does not fit there
    expect((await filter(at('100', '7800m'))).FailedNodes).toEqual({ 'esx-a02': 'placer: Insufficient cpu' });
    // the host is changed through the API (15800m): the version placer read before no longer vouches for it
    await apply(h, [
      {
        ...nodeManifests()[1],
        status: {
          ...(nodeManifests()[1].status as Obj),
          allocatable: { ...((nodeManifests()[1].status as Obj).allocatable as Obj), cpu: '15800m' },
        },
      },
    ]);
    expect(await cpuOf('esx-a02')).toBe('15800m');
    expect((await filter(at('100', '7800m'))).FailedNodes).toEqual({ 'esx-a02': 'placer: Insufficient cpu' });
    expect(await cpuOf('esx-a02')).toBe('7800m');
    // a new version is read, and echoed as sent
    const echoed = await filter(at('101', '15800m'));
    expect(echoed.FailedNodes).toEqual({});
    expect(await cpuOf('esx-a02')).toBe('15800m');
    expect(
      ((echoed.Nodes as Obj).items as Obj[]).map((n) => [(n.metadata as Obj).name, ((n.status as Obj).allocatable as Obj).cpu]),
    ).toEqual([
      ['esx-a01', '63800m'],
      ['esx-a02', '15800m'],
    ]);
    expect(((echoed.Nodes as Obj).items as Obj[])[1]).toEqual(at('101', '15800m')[1]);
    // one version, one content: the API server never sends another Node under a version it sent
    // (a sender that does is not re-read until the version moves)
    expect((await filter(at('101', '7800m'))).FailedNodes).toEqual({});
    expect(await cpuOf('esx-a02')).toBe('15800m');
  });

  it('a Node that does not parse is rejected by itself; the others are judged', async () => {
    const nodes = nodeList();
    ((nodes.items[1].status as Obj).allocatable as Obj).cpu = '-2';
    const r = await h.json('POST', '/scheduler/filter', { Pod: podFixture(), Nodes: nodes, NodeNames: null });
    expect(r.body.Error).toBe('');
    expect((r.body.FailedAndUnresolvableNodes as Record<string, string>)['esx-a02']).toMatch(
      /status\.allocatable\.cpu: Invalid value: "-2": must be greater than or equal to 0/,
    );
  });

  it('matches keys case-insensitively and tolerates Go nulls for empty lists and maps', async () => {
    const pod = podFixture((p) => {
      const spec = p.spec as Obj;
      spec.nodeSelector = null;
      spec.tolerations = null;
      spec.volumes = null;
      (p.metadata as Obj).annotations = null;
    });
    const r = await h.json('POST', '/scheduler/filter', { pod, nodes: null, nodenames: NAMES });
    expect(r.body.NodeNames).toEqual(['esx-a01']);
    expect(r.body.Error).toBe('');
  });

  it('quota exhausted: every node is FailedAndUnresolvable with the Kubernetes quota message', async () => {
    await apply(h, [
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'compute', namespace: 'team-payments' },
        spec: { hard: { 'requests.cpu': '4' } },
      },
    ]);
    const r = await h.json('POST', '/scheduler/filter', { Pod: podFixture(), Nodes: null, NodeNames: NAMES });
    expect(r.body.NodeNames).toEqual([]);
    expect(r.body.FailedNodes).toEqual({});
    const msg = 'placer: exceeded quota: compute, requested: requests.cpu=4355m, used: requests.cpu=0, limited: requests.cpu=4';
    expect(r.body.FailedAndUnresolvableNodes).toEqual({ 'esx-a01': msg, 'esx-a02': msg, 'esx-b01': msg });
    expect(r.body.Error).toBe('');
  });

  it('a pod placer cannot read is a genuine failure: Error, in the mode of the request', async () => {
    const pod = podFixture((p) => {
      (((p.spec as Obj).containers as Obj[])[0].resources as Obj).requests = { cpu: '4 cores', memory: '16Gi' };
    });
    const r = await h.json('POST', '/scheduler/filter', { Pod: pod, Nodes: null, NodeNames: NAMES });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(FILTER_KEYS);
    expect(r.body.NodeNames).toEqual([]);
    expect(r.body.Error).toMatch(/^placer: .*Pod\.spec\.containers\[0\]\.resources\.requests\.cpu: Invalid value: "4 cores"/);
  });

  it('a pod whose PriorityClass placer does not know is judged by its resolved spec.priority', async () => {
    const pod = podFixture((p) => ((p.spec as Obj).priorityClassName = 'not-in-placer'));
    const r = await h.json('POST', '/scheduler/filter', { Pod: pod, Nodes: null, NodeNames: NAMES });
    expect(r.body.Error).toBe('');
    expect(r.body.NodeNames).toEqual(['esx-a01']);
  });

  it('prioritize: a bare list of integer scores 0..10 in both modes (infeasible and unknown 0)', async () => {
    // esx-a01 is feasible and holds nothing kube-scheduler does not see (no VirtualMachine): 10,
    // what kube-scheduler's own NodeResourcesFit and BalancedAllocation score is not scored twice
    const want = [
      { Host: 'esx-a01', Score: 10 },
      { Host: 'esx-a02', Score: 0 },
      { Host: 'esx-b01', Score: 0 },
    ];
    const byNames = await h.json<Obj[]>('POST', '/scheduler/prioritize', { Pod: podFixture(), Nodes: null, NodeNames: NAMES });
    expect(byNames.status).toBe(200);
    expect(byNames.body).toEqual(want);
    const byNodes = await h.json<Obj[]>('POST', '/scheduler/prioritize', { Pod: podFixture(), Nodes: nodeList(), NodeNames: null });
    expect(byNodes.body).toEqual(want);
    for (const e of byNodes.body) expect(Object.keys(e)).toEqual(['Host', 'Score']);
    const unknown = await h.json<Obj[]>('POST', '/scheduler/prioritize', { Pod: podFixture(), NodeNames: ['nope'] });
    expect(unknown.body).toEqual([{ Host: 'nope', Score: 0 }]);
  });

  it('transport errors answer a Status with the HTTP code', async () => {
    const bad = await h.json('POST', '/scheduler/filter', '{"Pod": {', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'BadRequest', code: 400 });
    const type = await h.json('POST', '/scheduler/filter', 'Pod=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(type.status).toBe(415);
    expect(type.body).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
  });
});

describe('extender: bind', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await apply(h, [...nodeManifests(), runningPod('filler', 'batch', 'esx-a02', '6', 'uid-filler')]);
  });
  afterEach(() => h.close());

  const bindArgs = (name: string, uid: string, node: string) => ({ PodName: name, PodNamespace: 'team-payments', PodUID: uid, Node: node });

  it('commits the placement durably; idempotent for the same pod and host; a second host is an error', async () => {
    await h.json('POST', '/scheduler/filter', { Pod: podFixture(), Nodes: null, NodeNames: NAMES });
    const pod = podFixture().metadata as Obj;
    const first = await h.json('POST', '/scheduler/bind', bindArgs(pod.name as string, pod.uid as string, 'esx-a01'));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ Error: '' });
    const used = async () => ((await h.json('GET', '/v1/hosts')).body.items as Obj[]).find((x) => x.name === 'esx-a01')!.used as Obj;
    expect(await used()).toMatchObject({ cpu: '4355m', pods: '1' });

    const again = await h.json('POST', '/scheduler/bind', bindArgs(pod.name as string, pod.uid as string, 'esx-a01'));
    expect(again.body).toEqual({ Error: '' });
    expect(await used()).toMatchObject({ cpu: '4355m', pods: '1' });

    const elsewhere = await h.json('POST', '/scheduler/bind', bindArgs(pod.name as string, pod.uid as string, 'esx-b01'));
    expect(elsewhere.body.Error).toMatch(/already bound to host esx-a01; it cannot be bound to esx-b01/);

    await h.restart();
    const list = (await h.json('GET', '/v1/placements?namespace=team-payments')).body;
    expect(list).toEqual({
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'PlacementList',
      items: [
        {
          namespace: 'team-payments',
          kind: 'Pod',
          name: pod.name,
          host: 'esx-a01',
          uid: pod.uid,
          owner: 'ReplicaSet/vm-launcher-db-7c9f8d6b5',
          origin: 'bind',
        },
      ],
    });
  });

  it('a bind to a host without room is an error and changes nothing', async () => {
    await h.json('POST', '/scheduler/filter', { Pod: podFixture(), Nodes: null, NodeNames: NAMES });
    const before = await h.json('GET', '/v1/hosts');
    const pod = podFixture().metadata as Obj;
    const r = await h.json('POST', '/scheduler/bind', bindArgs(pod.name as string, pod.uid as string, 'esx-a02'));
    expect(r.body.Error).toMatch(/host esx-a02 does not fit: Insufficient cpu/);
    expect(await h.json('GET', '/v1/hosts')).toEqual(before);
    expect((await h.json('GET', '/v1/placements?namespace=team-payments')).body.items).toEqual([]);
  });

  it('a pod placer has not seen in filter/prioritize cannot be bound (its resources are unknown)', async () => {
    const r = await h.json('POST', '/scheduler/bind', bindArgs('ghost', 'uid-ghost', 'esx-a01'));
    expect(r.body.Error).toMatch(/has not seen pod team-payments\/ghost/);
  });

  it('after bind, filtering the same pod again only passes its host', async () => {
    await h.json('POST', '/scheduler/filter', { Pod: podFixture(), NodeNames: NAMES });
    const pod = podFixture().metadata as Obj;
    await h.json('POST', '/scheduler/bind', bindArgs(pod.name as string, pod.uid as string, 'esx-a01'));
    const r = await h.json('POST', '/scheduler/filter', { Pod: podFixture(), NodeNames: NAMES });
    expect(r.body.NodeNames).toEqual(['esx-a01']);
  });
});

describe('extender: preempt', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await apply(h, [
      ...nodeManifests(),
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'compute', namespace: 'team-payments' },
        spec: { hard: { 'requests.cpu': '12' } },
      },
      // esx-a02: 6 cpu of a batch pod; esx-a01: 10 cpu of team-payments (quota 12 is nearly used)
      runningPod('filler', 'batch', 'esx-a02', '6', 'uid-filler', { app: 'filler' }),
      runningPod('hog', 'team-payments', 'esx-a01', '10', 'uid-hog', { app: 'hog' }),
      runningPod('small', 'team-payments', 'esx-a01', '100m', 'uid-small', { app: 'small' }),
    ]);
  });
  afterEach(() => h.close());

  it('keeps only nodes where placer admits the pod with the victims gone (quota, capacity, taints), at least one victim each', async () => {
    // esx-a02: evicting the batch pod frees the capacity, but team-payments' quota (10.1 + 4.355 > 12) still refuses
    // esx-a01: evicting hog frees quota and capacity → kept; evicting only `small` frees too little quota → dropped
    // esx-b01: no eviction removes a taint → dropped; a node with no victims is never returned
    const r = await h.json('POST', '/scheduler/preempt', {
      Pod: podFixture(),
      NodeNameToVictims: null,
      NodeNameToMetaVictims: {
        'esx-a01': { Pods: [{ UID: 'uid-hog' }], NumPDBViolations: 0 },
        'esx-a02': { Pods: [{ UID: 'uid-filler' }], NumPDBViolations: 0 },
        'esx-b01': { Pods: [{ UID: 'uid-small' }], NumPDBViolations: 0 },
        'esx-zz9': { Pods: [], NumPDBViolations: 0 },
      },
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['NodeNameToMetaVictims']);
    expect(r.body.NodeNameToMetaVictims).toEqual({ 'esx-a01': { Pods: [{ UID: 'uid-hog' }], NumPDBViolations: 0 } });
    // every vetoed node is logged with placer's reason (the pod's event only says "no candidate node for preemption")
    const vetoes = h.logs.filter((l) => l.msg === 'preemption vetoed on this node');
    expect(vetoes.map((l) => [l.node, l.level])).toEqual([
      ['esx-a02', 30],
      ['esx-b01', 30],
      ['esx-zz9', 30],
    ]);
    expect(String(vetoes[0].reason)).toContain('exceeded quota: compute');
    expect(String(vetoes[1].reason)).toMatch(/exceeded quota|untolerated taint/); // the first rule that refuses it
    expect(vetoes[2].reason).toBe('no victims proposed');

    const small = await h.json('POST', '/scheduler/preempt', {
      Pod: podFixture(),
      NodeNameToVictims: null,
      NodeNameToMetaVictims: { 'esx-a01': { Pods: [{ UID: 'uid-small' }], NumPDBViolations: 0 } },
    });
    expect(small.body).toEqual({ NodeNameToMetaVictims: {} });
    expect(h.logs.filter((l) => l.msg === 'preemption vetoed on every candidate node')).toHaveLength(1);
  });

  it('checking changes nothing: the victims still hold their capacity and quota afterwards', async () => {
    const before = [await h.json('GET', '/v1/hosts'), await h.json('GET', '/v1/namespaces')];
    await h.json('POST', '/scheduler/preempt', {
      Pod: podFixture(),
      NodeNameToMetaVictims: { 'esx-a01': { Pods: [{ UID: 'uid-hog' }], NumPDBViolations: 0 } },
    });
    expect([await h.json('GET', '/v1/hosts'), await h.json('GET', '/v1/namespaces')]).toEqual(before);
  });

  it('full-Pod victims (nodeCacheCapable: false) are answered with NodeNameToMetaVictims; PDB violations are counted', async () => {
    await apply(h, [
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'hog', namespace: 'team-payments' },
        spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'hog' } } },
      },
    ]);
    const victim = {
      metadata: { name: 'hog', namespace: 'team-payments', uid: 'uid-hog', labels: { app: 'hog' } },
      spec: { nodeName: 'esx-a01', containers: null },
      status: { phase: 'Running' },
    };
    const r = await h.json('POST', '/scheduler/preempt', {
      Pod: podFixture(),
      NodeNameToVictims: { 'esx-a01': { Pods: [victim], NumPDBViolations: 0 } },
      NodeNameToMetaVictims: null,
    });
    expect(r.body).toEqual({ NodeNameToMetaVictims: { 'esx-a01': { Pods: [{ UID: 'uid-hog' }], NumPDBViolations: 1 } } });
  });
});

describe('extender: bind creates the Binding in the API server (standalone --apiserver)', () => {
  let h: Harness;
  let api: Server;
  let answer = 201;
  const seen: { method: string; url: string; auth: string | undefined; body: Obj }[] = [];
  beforeEach(async () => {
    seen.length = 0;
    answer = 201;
    api = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body: JSON.parse(text) as Obj });
        res.writeHead(answer, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            answer === 201
              ? {}
              : {
                  kind: 'Status',
                  status: 'Failure',
                  message: answer === 409 ? 'pod is already assigned to node "esx-a01"' : 'etcd is sad',
                  code: answer,
                },
          ),
        );
      });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'placer-token-')), 'token');
    writeFileSync(tokenFile, 'sekret\n');
    h = await harness({ binder: new Binder({ url: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, tokenFile }) });
    await apply(h, nodeManifests());
    await h.json('POST', '/scheduler/filter', { Pod: podFixture(), NodeNames: NAMES });
  });
  afterEach(async () => {
    h.close();
    await new Promise((r) => api.close(r));
  });
  const md = () => podFixture().metadata as Obj;

  it("posts kube-scheduler's DefaultBinder request with the service account token", async () => {
    const r = await h.json('POST', '/scheduler/bind', {
      PodName: md().name,
      PodNamespace: 'team-payments',
      PodUID: md().uid,
      Node: 'esx-a01',
    });
    expect(r.body).toEqual({ Error: '' });
    expect(seen).toEqual([
      {
        method: 'POST',
        url: `/api/v1/namespaces/team-payments/pods/${md().name}/binding`,
        auth: 'Bearer sekret',
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: md().name, namespace: 'team-payments', uid: md().uid },
          target: { apiVersion: 'v1', kind: 'Node', name: 'esx-a01' },
        },
      },
    ]);
    // a replay finds the pod bound already (409): still success, still one placement
    answer = 409;
    expect(
      (await h.json('POST', '/scheduler/bind', { PodName: md().name, PodNamespace: 'team-payments', PodUID: md().uid, Node: 'esx-a01' }))
        .body,
    ).toEqual({ Error: '' });
    expect((await h.json('GET', '/v1/placements')).body.items).toHaveLength(1);
  });

  it('when the API server refuses, the bind is an error and placer releases what it reserved', async () => {
    answer = 500;
    const before = await h.json('GET', '/v1/hosts');
    const r = await h.json('POST', '/scheduler/bind', {
      PodName: md().name,
      PodNamespace: 'team-payments',
      PodUID: md().uid,
      Node: 'esx-a01',
    });
    expect(r.body.Error).toMatch(/the API server refused the Binding \(500\): etcd is sad/);
    expect(await h.json('GET', '/v1/hosts')).toEqual(before);
    await h.restart();
    expect((await h.json('GET', '/v1/placements')).body.items).toEqual([]);
  });
});
