import { describe, expect, it } from 'vitest';
import { parseIndexes } from '../../../service/manifests/controller-record.js';
import { fnv32a, generateName, safeEncodeString, suffix5, templateHash } from '../../../service/manifests/names.js';
import type { WorkloadTemplate } from '../../../model/types.js';
import { parseText } from '../../../service/manifests/load.js';
import { parseManifests } from '../../../service/manifests/parse.js';
import { deployment, inputErrorOf, job, parseObjects, pod, replicaSet, statefulSet } from '../../fixtures/k8s.js';

const SAFE = /^[bcdfghjklmnpqrstvwxz2456789]+$/;
const names = (ws: WorkloadTemplate[]): string[] => ws.flatMap((w) => w.instances.map((i) => i.name));
const summary = (ws: WorkloadTemplate[]): string[] =>
  ws.map((w) => `${w.owner ?? '-'}: ${w.instances.map((i) => (i.boundHost ? `${i.name}@${i.boundHost}` : i.name)).join(' ')}`);

describe('names', () => {
  it('FNV-32a and SafeEncodeString match Go', () => {
    expect(fnv32a('')).toBe(0x811c9dc5);
    expect(fnv32a('a')).toBe(0xe40c292c);
    expect(fnv32a('foobar')).toBe(0xbf9cf968);
    // non-ASCII is hashed as UTF-8 bytes: "é" = c3 a9
    expect(fnv32a('é')).toBe(Math.imul(Math.imul(0x811c9dc5 ^ 0xc3, 0x01000193) ^ 0xa9, 0x01000193) >>> 0);
    // '0'..'9' are code points 48..57; mod 27 → 21..26, 0..3 → "456789bcdf"
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });

  it('template hashes and suffixes are deterministic and use the safe alphabet', () => {
    const h = templateHash('{"spec":{}}');
    expect(h).toBe(safeEncodeString(String(fnv32a('{"spec":{}}'))));
    expect(templateHash('{"spec":{}}', 1)).not.toBe(h); // status.collisionCount changes the hash
    expect(suffix5('web-7d9f/0')).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(suffix5('web-7d9f/0')).toBe(suffix5('web-7d9f/0'));
    expect(generateName('x'.repeat(70), 's')).toHaveLength(63); // base cut to 58 + 5
  });

  it('parses Job completedIndexes', () => {
    expect([...parseIndexes('1,3-5,7')]).toEqual([1, 3, 4, 5, 7]);
    expect([...parseIndexes('')]).toEqual([]);
  });
});

describe('Deployment', () => {
  it('expands replicas into one template named like the controller (Deployment → ReplicaSet → pods)', () => {
    const [w, ...rest] = parseObjects([deployment('web').ns('shop').replicas(3).container({ cpu: '500m', memory: '1Gi' }).obj()]).workloads;
    expect(rest).toEqual([]);
    expect(w!.owner).toBe('Deployment/web');
    expect(w!.namespace).toBe('shop');
    const hash = w!.labels.get('pod-template-hash')!;
    expect(hash).toMatch(SAFE);
    expect(w!.labels.get('app')).toBe('web');
    expect(w!.instances).toHaveLength(3);
    for (const i of w!.instances) {
      expect(i.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(i.boundHost).toBeUndefined();
    }
    expect(new Set(names([w!])).size).toBe(3);
    expect(Object.fromEntries(w!.requests)).toEqual({ cpu: 500n, memory: 1024n ** 3n });
    expect(w!.source).toEqual({ file: 'test.yaml', doc: 0, path: '' });
  });

  it('gives the same names for the same input, whatever the key order or file format', () => {
    const d = deployment('web').replicas(2).container({ cpu: '1' }).obj();
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v;
    const again = reversed(d) as Record<string, unknown>;
    expect(names(parseObjects([d]).workloads)).toEqual(names(parseObjects([again]).workloads));
    expect(names(parseManifests(parseText(JSON.stringify(d), 'd.json')).workloads)).toEqual(names(parseObjects([d]).workloads));
    expect(names(parseObjects([d]).workloads)).toEqual(['web-69d8d44c57-2hmmx', 'web-69d8d44c57-qw82r']);
  });

  it('defaults replicas to 1; replicas 0 yields nothing', () => {
    expect(names(parseObjects([deployment('one').container().obj()]).workloads)).toHaveLength(1);
    expect(parseObjects([deployment('none').replicas(0).container().obj()]).workloads).toEqual([]);
  });

  it('cuts long names to 58 characters before the random part', () => {
    const long = 'a'.repeat(60);
    for (const n of names(parseObjects([deployment(long).replicas(2).container().obj()]).workloads)) expect(n.length).toBe(63);
  });

  it('counts the pods of a `kubectl get all` dump instead of adding replicas on top', () => {
    const d = deployment('web').ns('shop').uid('d-1').replicas(3).container({ cpu: '1' });
    const rs = replicaSet('web-5d4b8c')
      .ns('shop')
      .uid('rs-1')
      .replicas(3)
      .container({ cpu: '1' })
      .ownedBy('Deployment', 'web', 'd-1')
      .labels({ app: 'web', 'pod-template-hash': '5d4b8c' })
      .templateLabels({ app: 'web', 'pod-template-hash': '5d4b8c' })
      .patch({ spec: { selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4b8c' } } } });
    const running = (name: string, host: string) =>
      pod(name)
        .ns('shop')
        .uid(`u-${name}`)
        .labels({ app: 'web', 'pod-template-hash': '5d4b8c' })
        .ownedBy('ReplicaSet', 'web-5d4b8c', 'rs-1')
        .container({ cpu: '1' })
        .nodeName(host)
        .phase('Running');
    const ws = parseObjects([
      running('web-5d4b8c-abcde', 'hv-1').obj(),
      d.obj(),
      rs.obj(),
      running('web-5d4b8c-fghij', 'hv-2').obj(),
    ]).workloads;
    // 3 replicas − 2 running = 1 new pod; the ReplicaSet is not expanded on its own; the new pod reuses its name
    expect(ws).toHaveLength(1);
    expect(ws[0]!.owner).toBe('Deployment/web');
    expect(ws[0]!.instances.slice(0, 2)).toEqual([
      { name: 'web-5d4b8c-abcde', uid: 'u-web-5d4b8c-abcde', boundHost: 'hv-1' },
      { name: 'web-5d4b8c-fghij', uid: 'u-web-5d4b8c-fghij', boundHost: 'hv-2' },
    ]);
    expect(ws[0]!.instances[2]!.name).toMatch(/^web-5d4b8c-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(ws[0]!.labels.get('pod-template-hash')).toBe('5d4b8c');
  });

  it('attributes pods by the ReplicaSet name or by the pod-template-hash label when the ReplicaSet is absent', () => {
    const ws = parseObjects([
      deployment('api').replicas(3).container({ cpu: '1' }).obj(),
      pod('api-7f9c6-aaaaa')
        .labels({ app: 'api', 'pod-template-hash': '7f9c6' })
        .ownedBy('ReplicaSet', 'api-7f9c6')
        .container({ cpu: '1' })
        .nodeName('hv-1')
        .obj(),
      pod('api-7f9c6-bbbbb').labels({ app: 'api', 'pod-template-hash': '7f9c6' }).container({ cpu: '1' }).nodeName('hv-2').obj(),
    ]).workloads;
    expect(names(ws)).toHaveLength(3); // 2 existing + 1 new
    expect(ws.every((w) => w.owner === 'Deployment/api')).toBe(true);
  });

  it('keeps existing pods whose shape differs (an older revision) in their own template, same owner', () => {
    const ws = parseObjects([
      deployment('api').replicas(2).container({ cpu: '2' }).obj(),
      pod('api-old-aaaaa')
        .labels({ 'pod-template-hash': 'old' })
        .ownedBy('ReplicaSet', 'api-old')
        .container({ cpu: '1' })
        .nodeName('hv-1')
        .obj(),
    ]).workloads;
    expect(summary(ws)).toEqual([
      expect.stringMatching(/^Deployment\/api: api-[a-z0-9]+-[a-z0-9]{5}$/),
      'Deployment/api: api-old-aaaaa@hv-1',
    ]);
    expect(ws.map((w) => w.requests.get('cpu'))).toEqual([2000n, 1000n]);
  });

  it('never reuses a name already taken in the namespace', () => {
    const first = names(parseObjects([deployment('web').replicas(1).container().obj()]).workloads)[0]!;
    const ws = parseObjects([pod(first).container().obj(), deployment('web').replicas(1).container().obj()]).workloads;
    expect(names(ws)[0]).toBe(first); // the bare pod
    expect(names(ws)[1]).not.toBe(first);
  });
});

describe('ReplicaSet', () => {
  it('expands a standalone ReplicaSet', () => {
    const ws = parseObjects([replicaSet('cache').replicas(2).container({ memory: '2Gi' }).obj()]).workloads;
    expect(ws[0]!.owner).toBe('ReplicaSet/cache');
    expect(names(ws)).toHaveLength(2);
    for (const n of names(ws)) expect(n).toMatch(/^cache-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});

describe('StatefulSet', () => {
  it('names pods by ordinal', () => {
    expect(summary(parseObjects([statefulSet('db').replicas(3).container().obj()]).workloads)).toEqual(['StatefulSet/db: db-0 db-1 db-2']);
    expect(
      names(
        parseObjects([
          statefulSet('db')
            .replicas(2)
            .patch({ spec: { ordinals: { start: 5 } } })
            .container()
            .obj(),
        ]).workloads,
      ),
    ).toEqual(['db-5', 'db-6']);
  });

  it('fills in the missing ordinals around existing pods', () => {
    const ws = parseObjects([
      statefulSet('db').uid('s1').replicas(3).container().obj(),
      pod('db-1').labels({ app: 'db' }).ownedBy('StatefulSet', 'db', 's1').container().nodeName('hv-4').obj(),
    ]).workloads;
    expect(summary(ws)).toEqual(['StatefulSet/db: db-1@hv-4 db-0 db-2']);
  });
});

describe('Job', () => {
  it.each<[string, ReturnType<typeof job>, number]>([
    ['no parallelism or completions: one pod', job('j').container(), 1],
    ['parallelism 3 of 10 completions', job('j').job({ parallelism: 3, completions: 10 }).container(), 3],
    ['completions below parallelism', job('j').job({ parallelism: 5, completions: 2 }).container(), 2],
    ['work queue (no completions): parallelism', job('j').job({ parallelism: 4 }).container(), 4],
    ['completions only: parallelism defaults to 1', job('j').job({ completions: 5 }).container(), 1],
    ['suspended', job('j').job({ parallelism: 3, completions: 3, suspend: true }).container(), 0],
    [
      'finished',
      job('j')
        .job({ parallelism: 3, completions: 3 })
        .status({ conditions: [{ type: 'Complete', status: 'True' }] })
        .container(),
      0,
    ],
    // 5 completions − 3 succeeded = 2 remaining, parallelism 4 ⇒ 2
    ['status.succeeded counts', job('j').job({ parallelism: 4, completions: 5 }).status({ succeeded: 3 }).container(), 2],
    // a work queue stops creating pods once one succeeded
    ['work queue after a success', job('j').job({ parallelism: 4 }).status({ succeeded: 1 }).container(), 0],
  ])('%s ⇒ %i pods', (_name, j, count) => {
    const ws = parseObjects([j.obj()]).workloads;
    expect(names(ws)).toHaveLength(count);
    for (const n of names(ws)) expect(n).toMatch(/^j-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    if (count) expect(ws[0]!.owner).toBe('Job/j');
  });

  it('Indexed: <job>-<index>-<5 chars>, lowest pending indexes first', () => {
    const ws = parseObjects([
      job('train').job({ indexed: true, completions: 5, parallelism: 3 }).status({ completedIndexes: '0,2' }).container().obj(),
    ]).workloads;
    expect(names(ws).map((n) => n.replace(/[bcdfghjklmnpqrstvwxz2456789]{5}$/, '*'))).toEqual(['train-1-*', 'train-3-*', 'train-4-*']);
  });

  it('counts active and succeeded pods of the Job', () => {
    const owned = (name: string, phase: string) =>
      pod(name).labels({ 'batch.kubernetes.io/job-name': 'etl' }).ownedBy('Job', 'etl', undefined, 'batch/v1').container().phase(phase);
    const parsed = parseObjects([
      job('etl').job({ parallelism: 2, completions: 4 }).container().obj(),
      owned('etl-aaaaa', 'Succeeded').obj(),
      owned('etl-bbbbb', 'Running').nodeName('hv-1').obj(),
    ]);
    // 4 − 1 succeeded = 3 remaining, parallelism 2 ⇒ 2 active wanted, 1 running ⇒ 1 new
    expect(names(parsed.workloads)).toHaveLength(2);
    expect(names(parsed.workloads)[0]).toBe('etl-bbbbb');
    expect(parsed.ignored.map((i) => i.name)).toEqual(['default/etl-aaaaa']);
  });
});

describe('owned pods without their controller', () => {
  it('groups identical pods of one owner into one template and creates none', () => {
    const p = (n: string, host: string) => pod(n).ownedBy('ReplicaSet', 'legacy-6c9f').container({ cpu: '250m' }).nodeName(host);
    const ws = parseObjects([
      p('legacy-6c9f-aaaaa', 'hv-1').obj(),
      p('legacy-6c9f-bbbbb', 'hv-2').obj(),
      pod('bare').container().obj(),
    ]).workloads;
    expect(summary(ws)).toEqual(['ReplicaSet/legacy-6c9f: legacy-6c9f-aaaaa@hv-1 legacy-6c9f-bbbbb@hv-2', '-: bare']);
  });
});

describe('controller validation', () => {
  it.each<[string, ReturnType<typeof deployment>, string]>([
    [
      'negative replicas',
      deployment('d').replicas(-1).container(),
      '(Deployment default/d): spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'selector not matching the template labels',
      deployment('d')
        .container()
        .patch({ spec: { selector: { matchLabels: { app: 'other' } } } }),
      '(Deployment default/d): spec.template.metadata.labels: Invalid value: {"app":"d"}: `selector` does not match template `labels`',
    ],
    ['no selector', deployment('d').container().without('spec', 'selector'), '(Deployment default/d): spec.selector: Required value'],
    [
      'a Job without restartPolicy',
      job('j').container().specPatch({ restartPolicy: null }),
      '(Job default/j): spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ],
    [
      'a Deployment with restartPolicy Never',
      deployment('d').container().specPatch({ restartPolicy: 'Never' }),
      '(Deployment default/d): spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ],
    [
      'an Indexed Job without completions',
      job('j').job({ indexed: true, parallelism: 2 }).container(),
      '(Job default/j): spec.completions: Required value: when completion mode is Indexed',
    ],
    [
      'a bad template',
      deployment('d').container({ cpu: '-1' }),
      '(Deployment default/d): spec.template.spec.containers[0].resources.requests.cpu: Invalid value: "-1": must be greater than or equal to 0',
    ],
  ])('%s', (_name, b, tail) => {
    expect(inputErrorOf(() => parseObjects([b.obj()]))).toBe(`test.yaml: document 1 ${tail}`);
  });
});
