// Pod topology spread constraints: defaults, matchLabelKeys merged into the selector, and every
// validation error of validateTopologySpreadConstraints with its full message.

import { describe, expect, it } from 'vitest';
import type { LabelSelector, TopologySpreadConstraint } from '../../../model/types.js';
import { deployment, inputErrorOf, job, parseObjects, pod, type PodBuilder } from '../../fixtures/k8s.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';
const sel = (matchLabels: Record<string, string>, matchExpressions: LabelSelector['matchExpressions'] = []): LabelSelector => ({
  matchLabels: new Map(Object.entries(matchLabels)),
  matchExpressions,
});
const spreadOf = (b: { obj(): Record<string, unknown> }): TopologySpreadConstraint[] => {
  const { workloads } = parseObjects([b.obj()]);
  expect(workloads).toHaveLength(1);
  return workloads[0]!.topologySpread!;
};

describe('topology spread constraints', () => {
  it('reads every field; nodeAffinityPolicy defaults to Honor, nodeTaintsPolicy to Ignore', () => {
    const c = spreadOf(
      pod('web-0')
        .labels({ app: 'web' })
        .container({ cpu: '1' })
        .topologySpread(
          {
            maxSkew: 1,
            topologyKey: ZONE,
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: 'web' } },
            minDomains: 3,
          },
          {
            maxSkew: 2,
            topologyKey: HOST,
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] },
            nodeAffinityPolicy: 'Ignore',
            nodeTaintsPolicy: 'Honor',
          },
        ),
    );
    expect(c).toEqual([
      {
        maxSkew: 1,
        topologyKey: ZONE,
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: sel({ app: 'web' }),
        minDomains: 3,
        nodeAffinityPolicy: 'Honor',
        nodeTaintsPolicy: 'Ignore',
      },
      {
        maxSkew: 2,
        topologyKey: HOST,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: sel({}, [{ key: 'app', operator: 'In', values: ['web'] }]),
        nodeAffinityPolicy: 'Ignore',
        nodeTaintsPolicy: 'Honor',
      },
    ]);
    expect('minDomains' in c[1]!).toBe(false);
  });

  it('a constraint without labelSelector has a null selector', () => {
    expect(
      spreadOf(pod('p').container().topologySpread({ maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway' }))[0]!
        .labelSelector,
    ).toBeNull();
  });

  it('the same topologyKey with both actions is two constraints, not a duplicate', () => {
    const c = spreadOf(
      pod('p')
        .container()
        .topologySpread(
          { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: {} },
          { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: {} },
        ),
    );
    expect(c.map((x) => x.whenUnsatisfiable)).toEqual(['DoNotSchedule', 'ScheduleAnyway']);
  });

  it('matchLabelKeys: key In [pod value] for keys the pod has', () => {
    const c = spreadOf(
      pod('p')
        .labels({ app: 'web', version: 'v3' })
        .container()
        .topologySpread({
          maxSkew: 1,
          topologyKey: ZONE,
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: 'web' } },
          matchLabelKeys: ['version', 'shard'],
        }),
    );
    expect(c[0]!.labelSelector).toEqual(sel({ app: 'web' }, [{ key: 'version', operator: 'In', values: ['v3'] }]));
  });

  it('a Job template carries its constraints to every pod', () => {
    const { workloads } = parseObjects([
      job('etl')
        .job({ parallelism: 4, completions: 8 })
        .container({ cpu: '2' })
        .topologySpread({
          maxSkew: 1,
          topologyKey: HOST,
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { app: 'etl' } },
        })
        .obj(),
    ]);
    expect(workloads[0]!.instances).toHaveLength(4);
    expect(workloads[0]!.topologySpread).toEqual([
      {
        maxSkew: 1,
        topologyKey: HOST,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: sel({ app: 'etl' }),
        nodeAffinityPolicy: 'Honor',
        nodeTaintsPolicy: 'Ignore',
      },
    ]);
  });
});

describe('bad topology spread constraints: the full message', () => {
  const TSC = 'spec.topologySpreadConstraints';
  const base = { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } } };
  const web = (...cs: Record<string, unknown>[]): PodBuilder =>
    pod('web')
      .ns('shop')
      .labels({ app: 'web', version: 'v1' })
      .container()
      .topologySpread(...cs);

  it.each<[string, PodBuilder, string]>([
    ['maxSkew 0', web({ ...base, maxSkew: 0 }), `${TSC}[0].maxSkew: Invalid value: 0: must be greater than zero`],
    ['no maxSkew', web({ ...base, maxSkew: undefined }), `${TSC}[0].maxSkew: Invalid value: 0: must be greater than zero`],
    [
      'a negative maxSkew on the second constraint',
      web(base, { ...base, topologyKey: HOST, maxSkew: -1 }),
      `${TSC}[1].maxSkew: Invalid value: -1: must be greater than zero`,
    ],
    ['no topologyKey', web({ ...base, topologyKey: '' }), `${TSC}[0].topologyKey: Required value: can not be empty`],
    [
      'no whenUnsatisfiable',
      web({ ...base, whenUnsatisfiable: undefined }),
      `${TSC}[0].whenUnsatisfiable: Unsupported value: "": supported values: "DoNotSchedule", "ScheduleAnyway"`,
    ],
    [
      'an unknown whenUnsatisfiable',
      web({ ...base, whenUnsatisfiable: 'Ignore' }),
      `${TSC}[0].whenUnsatisfiable: Unsupported value: "Ignore": supported values: "DoNotSchedule", "ScheduleAnyway"`,
    ],
    [
      // reported on the first of the pair
      'a repeated {topologyKey, whenUnsatisfiable} pair',
      web({ ...base, topologyKey: HOST }, base, { ...base, maxSkew: 2, labelSelector: { matchLabels: { app: 'other' } } }),
      `${TSC}[1].{topologyKey, whenUnsatisfiable}: Duplicate value: "{${ZONE}, DoNotSchedule}"`,
    ],
    ['minDomains 0', web({ ...base, minDomains: 0 }), `${TSC}[0].minDomains: Invalid value: 0: must be greater than zero`],
    [
      'minDomains with ScheduleAnyway',
      web({ ...base, whenUnsatisfiable: 'ScheduleAnyway', minDomains: 2 }),
      `${TSC}[0].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway`,
    ],
    [
      'an unknown nodeAffinityPolicy',
      web({ ...base, nodeAffinityPolicy: 'Always' }),
      `${TSC}[0].nodeAffinityPolicy: Unsupported value: "Always": supported values: "Honor", "Ignore"`,
    ],
    [
      'an empty nodeTaintsPolicy',
      web({ ...base, nodeTaintsPolicy: '' }),
      `${TSC}[0].nodeTaintsPolicy: Unsupported value: "": supported values: "Honor", "Ignore"`,
    ],
    [
      'matchLabelKeys without labelSelector',
      web({ ...base, labelSelector: undefined, matchLabelKeys: ['version'] }),
      `${TSC}[0].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set`,
    ],
    [
      'an invalid matchLabelKeys key',
      web({ ...base, matchLabelKeys: ['version', 'not/a/key'] }),
      `${TSC}[0].matchLabelKeys[1]: Invalid value: "not/a/key": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ],
    [
      'a matchLabelKeys key also in the selector',
      web({ ...base, matchLabelKeys: ['app'] }),
      `${TSC}[0].matchLabelKeys[0]: Invalid value: "app": exists in both matchLabelKeys and labelSelector`,
    ],
    [
      'a matchLabelKeys key also in matchExpressions, even when the pod lacks it',
      web({ ...base, labelSelector: { matchExpressions: [{ key: 'shard', operator: 'Exists' }] }, matchLabelKeys: ['shard'] }),
      `${TSC}[0].matchLabelKeys[0]: Invalid value: "shard": exists in both matchLabelKeys and labelSelector`,
    ],
    [
      'an invalid selector',
      web({ ...base, labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [] }] } }),
      `${TSC}[0].labelSelector.matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
    ],
  ])('%s', (_name, b, tail) => {
    expect(inputErrorOf(() => parseObjects([b.obj()]))).toBe(`test.yaml: document 1 (Pod shop/web): ${tail}`);
  });

  it('names the template path of a controller', () => {
    const d = deployment('web')
      .ns('shop')
      .container()
      .topologySpread({ ...base, maxSkew: 0 });
    expect(inputErrorOf(() => parseObjects([d.obj()]))).toBe(
      'test.yaml: document 1 (Deployment shop/web): spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero',
    );
  });
});
