// Inter-pod affinity and anti-affinity: the terms as the model carries them, matchLabelKeys /
// mismatchLabelKeys merged as kube-apiserver merges them on pod create, and every validation error
// of validatePodAffinityTerm with its full message.

import { describe, expect, it } from 'vitest';
import type { InterPodAffinity, LabelSelector, PodAffinityTerm, WorkloadTemplate } from '../../../model/types.js';
import { deployment, inputErrorOf, parseObjects, pod, replicaSet, statefulSet, type PodBuilder } from '../../fixtures/k8s.js';

const one = (b: { obj(): Record<string, unknown> }): WorkloadTemplate => {
  const { workloads } = parseObjects([b.obj()]);
  expect(workloads).toHaveLength(1);
  return workloads[0]!;
};

const term = (t: Partial<PodAffinityTerm> & { topologyKey: string }): PodAffinityTerm => ({
  labelSelector: null,
  namespaces: [],
  namespaceSelector: null,
  ...t,
});
const sel = (matchLabels: Record<string, string>, matchExpressions: LabelSelector['matchExpressions'] = []): LabelSelector => ({
  matchLabels: new Map(Object.entries(matchLabels)),
  matchExpressions,
});
const NONE: InterPodAffinity = { required: [], preferred: [] };
const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

describe('inter-pod affinity terms', () => {
  it('reads required and preferred terms of both kinds', () => {
    const t = one(
      pod('web-0')
        .ns('shop')
        .labels({ app: 'web' })
        .container({ cpu: '1' })
        .requiredPodAntiAffinity({ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: HOST })
        .requiredPodAffinity({
          labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'db-replica'] }] },
          namespaceSelector: { matchLabels: { team: 'payments' } },
          topologyKey: ZONE,
        })
        .preferredPodAffinity({
          weight: 50,
          podAffinityTerm: {
            labelSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
            namespaces: ['shared', 'cache'],
            topologyKey: ZONE,
          },
        })
        .preferredPodAntiAffinity({ weight: 100, podAffinityTerm: { labelSelector: {}, namespaceSelector: {}, topologyKey: HOST } }),
    );
    expect(t.podAntiAffinity).toEqual({
      required: [term({ labelSelector: sel({ app: 'web' }), topologyKey: HOST })],
      preferred: [{ weight: 100, term: term({ labelSelector: sel({}), namespaceSelector: sel({}), topologyKey: HOST }) }],
    });
    expect(t.podAffinity).toEqual({
      required: [
        term({
          labelSelector: sel({}, [{ key: 'app', operator: 'In', values: ['db', 'db-replica'] }]),
          namespaceSelector: sel({ team: 'payments' }),
          topologyKey: ZONE,
        }),
      ],
      preferred: [
        {
          weight: 50,
          term: term({
            labelSelector: sel({}, [{ key: 'tier', operator: 'Exists', values: [] }]),
            namespaces: ['shared', 'cache'],
            topologyKey: ZONE,
          }),
        },
      ],
    });
  });

  it('fills in empty terms when the pod has none', () => {
    const t = one(pod('p').container());
    expect(t.podAffinity).toEqual(NONE);
    expect(t.podAntiAffinity).toEqual(NONE);
    expect(t.topologySpread).toEqual([]);
  });

  it('a term without labelSelector keeps a null selector (it matches nothing)', () => {
    const t = one(pod('p').container().requiredPodAffinity({ topologyKey: HOST }));
    expect(t.podAffinity!.required).toEqual([term({ topologyKey: HOST })]);
  });

  it.each<[string, ReturnType<typeof deployment>]>([
    ['Deployment', deployment('web').replicas(3)],
    ['ReplicaSet', replicaSet('web').replicas(3)],
    ['StatefulSet', statefulSet('web').replicas(3)],
  ])('every replica of a %s carries the template terms', (_kind, b) => {
    const t = one(
      b
        .ns('shop')
        .container({ cpu: '500m' })
        .requiredPodAntiAffinity({ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: HOST }),
    );
    expect(t.instances).toHaveLength(3);
    expect(t.podAntiAffinity!.required).toEqual([term({ labelSelector: sel({ app: 'web' }), topologyKey: HOST })]);
  });
});

describe('matchLabelKeys / mismatchLabelKeys are merged into the selector', () => {
  it('key In [value] and key NotIn [value]; keys the pod lacks are ignored', () => {
    const t = one(
      pod('web-0')
        .labels({ app: 'web', version: 'v2', tenant: 'acme' })
        .container()
        .requiredPodAntiAffinity({
          labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tenant', operator: 'Exists' }] },
          matchLabelKeys: ['version', 'canary'],
          mismatchLabelKeys: ['tenant'],
          topologyKey: HOST,
        }),
    );
    expect(t.podAntiAffinity!.required[0]!.labelSelector).toEqual(
      sel({ app: 'web' }, [
        { key: 'tenant', operator: 'Exists', values: [] },
        { key: 'version', operator: 'In', values: ['v2'] },
        { key: 'tenant', operator: 'NotIn', values: ['acme'] },
      ]),
    );
  });

  it('preferred terms are merged too', () => {
    const t = one(
      pod('p')
        .labels({ team: 'a' })
        .container()
        .preferredPodAffinity({ weight: 10, podAffinityTerm: { labelSelector: {}, mismatchLabelKeys: ['team'], topologyKey: ZONE } }),
    );
    expect(t.podAffinity!.preferred[0]!.term.labelSelector).toEqual(sel({}, [{ key: 'team', operator: 'NotIn', values: ['a'] }]));
  });

  it('a key in both matchLabelKeys and labelSelector is accepted when the pod lacks the label', () => {
    const t = one(
      pod('p')
        .container()
        .requiredPodAffinity({ labelSelector: { matchLabels: { app: 'x' } }, matchLabelKeys: ['app'], topologyKey: HOST }),
    );
    expect(t.podAffinity!.required[0]!.labelSelector).toEqual(sel({ app: 'x' }));
  });

  it('a Deployment merges the pod-template-hash its ReplicaSet adds (rolling-update spreading)', () => {
    const t = one(
      deployment('web')
        .ns('shop')
        .replicas(2)
        .container({ cpu: '1' })
        .requiredPodAntiAffinity({
          labelSelector: { matchLabels: { app: 'web' } },
          matchLabelKeys: ['pod-template-hash'],
          topologyKey: HOST,
        })
        .topologySpread({
          maxSkew: 1,
          topologyKey: ZONE,
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'web' } },
          matchLabelKeys: ['pod-template-hash'],
        }),
    );
    const hash = t.labels.get('pod-template-hash')!;
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    const merged = sel({ app: 'web' }, [{ key: 'pod-template-hash', operator: 'In', values: [hash] }]);
    expect(t.podAntiAffinity!.required[0]!.labelSelector).toEqual(merged);
    expect(t.topologySpread![0]!.labelSelector).toEqual(merged);
  });

  it('existing pods of the Deployment with the same hash share the template; another revision does not', () => {
    const d = deployment('web')
      .replicas(3)
      .container({ cpu: '1' })
      .requiredPodAntiAffinity({
        labelSelector: { matchLabels: { app: 'web' } },
        matchLabelKeys: ['pod-template-hash'],
        topologyKey: HOST,
      });
    const hash = one(d).labels.get('pod-template-hash')!;
    const existing = (name: string, h: string, host: string): PodBuilder =>
      pod(name)
        .labels({ app: 'web', 'pod-template-hash': h })
        .ownedBy('ReplicaSet', `web-${h}`)
        .container({ cpu: '1' })
        .requiredPodAntiAffinity({
          labelSelector: { matchLabels: { app: 'web' } },
          matchLabelKeys: ['pod-template-hash'],
          topologyKey: HOST,
        })
        .nodeName(host);
    const ws = parseObjects([
      d.obj(),
      existing(`web-${hash}-aaaaa`, hash, 'hv-1').obj(),
      existing('web-old1-bbbbb', 'old1', 'hv-2').obj(),
    ]).workloads;
    // 3 replicas − 2 running pods (both revisions count) = 1 new pod, in the template of its revision
    expect(ws.map((w) => w.instances.map((i) => i.name))).toEqual([
      [`web-${hash}-aaaaa`, expect.stringMatching(new RegExp(`^web-${hash}-`))],
      ['web-old1-bbbbb'],
    ]);
    expect(ws[1]!.podAntiAffinity!.required[0]!.labelSelector!.matchExpressions).toEqual([
      { key: 'pod-template-hash', operator: 'In', values: ['old1'] },
    ]);
  });
});

describe('bad inter-pod affinity: the full message', () => {
  const AFF = 'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]';
  const PREF = 'spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]';
  const web = (): PodBuilder => pod('web').ns('shop').labels({ app: 'web', version: 'v2' }).container();
  const req = (t: Record<string, unknown>): PodBuilder => web().requiredPodAffinity({ topologyKey: HOST, ...t });
  const NAME_PART =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const LABEL_VALUE =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

  it.each<[string, PodBuilder, string]>([
    [
      'no topologyKey',
      web().requiredPodAffinity({ labelSelector: { matchLabels: { app: 'db' } } }),
      `${AFF}.topologyKey: Required value: can not be empty`,
    ],
    [
      'a topologyKey with a space',
      req({ topologyKey: 'kubernetes.io/host name' }),
      `${AFF}.topologyKey: Invalid value: "kubernetes.io/host name": ${NAME_PART}`,
    ],
    [
      'a topologyKey with two slashes',
      req({ topologyKey: 'a/b/c' }),
      `${AFF}.topologyKey: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [
      'a topologyKey with an upper-case prefix',
      req({ topologyKey: 'Example.com/zone' }),
      `${AFF}.topologyKey: Invalid value: "Example.com/zone": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ],
    [
      'In without values',
      req({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] } }),
      `${AFF}.labelSelector.matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
    ],
    [
      'Exists with values',
      req({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['web'] }] } }),
      `${AFF}.labelSelector.matchExpressions[0].values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`,
    ],
    [
      'a node-affinity operator in a label selector',
      req({ labelSelector: { matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] } }),
      `${AFF}.labelSelector.matchExpressions[0].operator: Invalid value: "Gt": not a valid selector operator`,
    ],
    [
      'a bad label value in matchLabels',
      req({ labelSelector: { matchLabels: { app: 'web server' } } }),
      `${AFF}.labelSelector.matchLabels: Invalid value: "web server": ${LABEL_VALUE}`,
    ],
    [
      'a bad label key in matchLabels',
      req({ labelSelector: { matchLabels: { 'app name': 'web' } } }),
      `${AFF}.labelSelector.matchLabels: Invalid value: "app name": ${NAME_PART}`,
    ],
    [
      'a bad value in matchExpressions',
      req({ labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web', '-db'] }] } }),
      `${AFF}.labelSelector.matchExpressions[0].values[1]: Invalid value: "-db": ${LABEL_VALUE}`,
    ],
    [
      'a bad key in a namespaceSelector',
      req({ namespaceSelector: { matchExpressions: [{ key: '-team', operator: 'Exists' }] } }),
      `${AFF}.namespaceSelector.matchExpressions[0].key: Invalid value: "-team": ${NAME_PART}`,
    ],
    [
      'an invalid namespace name (reported at `namespace`, as Kubernetes does)',
      req({ namespaces: ['shop', 'Team_A'] }),
      `${AFF}.namespace: Invalid value: "Team_A": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ],
    ['a namespace with dots', req({ namespaces: ['team.a'] }), `${AFF}.namespace: Invalid value: "team.a": must not contain dots`],
    [
      'a weight of 0',
      web().preferredPodAntiAffinity({ weight: 0, podAffinityTerm: { labelSelector: {}, topologyKey: HOST } }),
      `${PREF}.weight: Invalid value: 0: must be in the range 1-100`,
    ],
    [
      'a weight of 101',
      web().preferredPodAntiAffinity({ weight: 101, podAffinityTerm: { labelSelector: {}, topologyKey: HOST } }),
      `${PREF}.weight: Invalid value: 101: must be in the range 1-100`,
    ],
    [
      'a preferred term without podAffinityTerm',
      web().preferredPodAntiAffinity({ weight: 5 }),
      `${PREF}.podAffinityTerm.topologyKey: Required value: can not be empty`,
    ],
    [
      'matchLabelKeys without labelSelector',
      req({ matchLabelKeys: ['version'] }),
      `${AFF}.matchLabelKeys: Forbidden: must not be specified when labelSelector is not set`,
    ],
    [
      'mismatchLabelKeys without labelSelector',
      req({ mismatchLabelKeys: ['version'] }),
      `${AFF}.mismatchLabelKeys: Forbidden: must not be specified when labelSelector is not set`,
    ],
    [
      'an invalid matchLabelKeys key',
      req({ labelSelector: {}, matchLabelKeys: ['version', 'bad key'] }),
      `${AFF}.matchLabelKeys[1]: Invalid value: "bad key": ${NAME_PART}`,
    ],
    [
      'a key in both matchLabelKeys and mismatchLabelKeys',
      req({ labelSelector: {}, matchLabelKeys: ['version'], mismatchLabelKeys: ['version'] }),
      `${AFF}.matchLabelKeys[0]: Invalid value: "version": exists in both matchLabelKeys and mismatchLabelKeys`,
    ],
    [
      // merged: app In [web] after matchLabels app ⇒ the key is in the selector twice
      'a matchLabelKeys key also in matchLabels (the error names the term and the key index)',
      req({ labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['version', 'app'] }),
      `${AFF}[1]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`,
    ],
    [
      'a matchLabelKeys key also in matchExpressions',
      req({ labelSelector: { matchExpressions: [{ key: 'version', operator: 'Exists' }] }, matchLabelKeys: ['version'] }),
      `${AFF}[0]: Invalid value: "version": exists in both matchLabelKeys and labelSelector`,
    ],
    // kubernetes/kubernetes#130614: a key listed twice is merged twice
    [
      'a matchLabelKeys key listed twice',
      req({ labelSelector: {}, matchLabelKeys: ['app', 'app'] }),
      `${AFF}[1]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`,
    ],
  ])('%s', (_name, b, tail) => {
    expect(inputErrorOf(() => parseObjects([b.obj()]))).toBe(`test.yaml: document 1 (Pod shop/web): ${tail}`);
  });

  it('names the template path of a controller, checking the merge with the labels its pods get', () => {
    const d = deployment('web')
      .ns('shop')
      .container()
      .requiredPodAntiAffinity({
        labelSelector: { matchExpressions: [{ key: 'pod-template-hash', operator: 'Exists' }] },
        matchLabelKeys: ['pod-template-hash'],
        topologyKey: HOST,
      });
    expect(inputErrorOf(() => parseObjects([d.obj()]))).toBe(
      'test.yaml: document 1 (Deployment shop/web): spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0][0]: Invalid value: "pod-template-hash": exists in both matchLabelKeys and labelSelector',
    );
  });
});
