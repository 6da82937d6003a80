// Pod → WorkloadTemplate: kube-scheduler's request math (reference §3.5) and the quota facts.
// Arithmetic in comments: cpu in millicores, memory in bytes.

import { fc, test as ftest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { WorkloadTemplate } from '../../../model/types.js';
import { parseObjects, pod, type PodBuilder } from '../../fixtures/k8s.js';

const Mi = 1024n * 1024n;
const Gi = 1024n * Mi;

function template(p: PodBuilder): WorkloadTemplate {
  const { workloads } = parseObjects([p.obj()]);
  expect(workloads).toHaveLength(1);
  return workloads[0]!;
}

const entries = (m: Map<string, bigint>): Record<string, bigint> => Object.fromEntries(m);

describe('requests: max(Σ containers + sidecars, init containers) → pod-level → + overhead', () => {
  it.each<[string, PodBuilder, Record<string, bigint>]>([
    [
      // fit.go's worked example. containers Σ = {3, 2G}; init max = {2, 3G}; max = {3, 3G}
      'IC1{2,1G} IC2{2,3G} C1{2,1G} C2{1,1G} ⇒ {3 CPU, 3G}',
      pod('p')
        .initContainer({ cpu: '2', memory: '1G' })
        .initContainer({ cpu: '2', memory: '3G' })
        .container({ cpu: '2', memory: '1G' })
        .container({ cpu: '1', memory: '1G' }),
      { cpu: 3000n, memory: 3_000_000_000n },
    ],
    [
      // reference §3.5 fixture pod. cpu: 4 + 0.005 = 4.005 > 0.5 (init); + 0.25 overhead = 4.255
      // memory: 16640Mi + 35M = 17448304640 + 35000000 = 17483304640 > 256Mi; + 160Mi (167772160) = 17651076800
      'the fixture pod ⇒ cpu 4255m, memory 17651076800',
      pod('virt-launcher')
        .container(
          { cpu: '4', memory: '16640Mi', 'devices.example.com/kvm': '1' },
          { name: 'compute', limits: { 'devices.example.com/kvm': '1' } },
        )
        .container({ cpu: '5m', memory: '35M' }, { name: 'guest-console-log' })
        .initContainer({ cpu: '500m', memory: '256Mi' }, { name: 'container-disk-binary' })
        .overhead({ cpu: '250m', memory: '160Mi' }),
      { cpu: 4255n, memory: 17_651_076_800n, 'devices.example.com/kvm': 1n },
    ],
    [
      // sidecar S{1,1Gi} then init I{2,1Gi}, container C{1,1Gi}
      // Σ = C + S = {2, 2Gi}; uses: S = {1,1Gi}, I = I + S = {3, 2Gi}; max = {3, 2Gi}
      'a sidecar counts in the sum and under later init containers',
      pod('p')
        .initContainer({ cpu: '1', memory: '1Gi' }, { sidecar: true })
        .initContainer({ cpu: '2', memory: '1Gi' })
        .container({ cpu: '1', memory: '1Gi' }),
      { cpu: 3000n, memory: 2n * Gi },
    ],
    [
      // init I{4,1Gi} before sidecar S{1,1Gi}: I's use is only I. Σ = C + S = {2, 2Gi}; max({2,2Gi},{4,1Gi}) = {4, 2Gi}
      'an init container before a sidecar does not carry it',
      pod('p')
        .initContainer({ cpu: '4', memory: '1Gi' })
        .initContainer({ cpu: '1', memory: '1Gi' }, { sidecar: true })
        .container({ cpu: '1', memory: '1Gi' }),
      { cpu: 4000n, memory: 2n * Gi },
    ],
    [
      // two sidecars: uses S1 = {1}, S2 = S1 + S2 = {3}; Σ = C{1} + S1 + S2 = {4}
      'sidecar uses are cumulative',
      pod('p').initContainer({ cpu: '1' }, { sidecar: true }).initContainer({ cpu: '2' }, { sidecar: true }).container({ cpu: '1' }),
      { cpu: 4000n },
    ],
    [
      // pod-level requests replace cpu and memory; the extended resource stays aggregated
      'pod-level spec.resources.requests replace cpu/memory',
      pod('p')
        .container({ cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '1' }, { limits: { 'nvidia.com/gpu': '1' } })
        .podResources({ cpu: '4', memory: '8Gi' }),
      { cpu: 4000n, memory: 8n * Gi, 'nvidia.com/gpu': 1n },
    ],
    [
      // defaulting: no container requests cpu/memory and pod limits {2, 4Gi} ⇒ pod requests = pod limits
      'pod-level limits become requests when no container requests',
      pod('p').container().podResources(undefined, { cpu: '2', memory: '4Gi' }),
      { cpu: 2000n, memory: 4n * Gi },
    ],
    [
      // defaulting: containers request cpu 500m ⇒ pod cpu request = aggregate 500m, not the 2-core limit;
      // memory is requested by no container ⇒ the pod limit
      'pod-level requests default to the containers aggregate where containers request',
      pod('p').container({ cpu: '500m' }).podResources(undefined, { cpu: '2', memory: '4Gi' }),
      { cpu: 500n, memory: 4n * Gi },
    ],
    [
      // API defaulting: a limit without a request becomes the request
      'container limits default the requests',
      pod('p').container(undefined, { limits: { cpu: '2', memory: '1Gi' } }),
      { cpu: 2000n, memory: Gi },
    ],
    [
      // 0.0005 + 0.0005 = 0.001 cores: summed exactly, rounded once ⇒ 1m (not 1m + 1m)
      'sums are exact and rounded once',
      pod('p').container({ cpu: '0.0005' }).container({ cpu: '500u' }),
      { cpu: 1n },
    ],
    [
      // overhead is added even to resources no container requests
      'overhead alone',
      pod('p').container().overhead({ cpu: '250m', memory: '160Mi' }),
      { cpu: 250n, memory: 160n * Mi },
    ],
    ['no requests at all', pod('p').container(), {}],
    [
      // an explicit "0" is a present key
      'explicit zero is kept',
      pod('p').container({ cpu: '0', memory: 0 }),
      { cpu: 0n, memory: 0n },
    ],
    [
      // bare YAML/JSON numbers are quantities too: 0.5 cores, 1073741824 bytes
      'JSON numbers',
      pod('p').container({ cpu: 0.5, memory: 1073741824, 'ephemeral-storage': '1Gi' }),
      { cpu: 500n, memory: Gi, 'ephemeral-storage': Gi },
    ],
    [
      'hugepages are aggregated like any resource',
      pod('p').container({ cpu: '1', memory: '1Gi', 'hugepages-2Mi': '512Mi' }, { limits: { 'hugepages-2Mi': '512Mi' } }),
      { cpu: 1000n, memory: Gi, 'hugepages-2Mi': 512n * Mi },
    ],
  ])('%s', (_name, p, expected) => {
    expect(entries(template(p).requests)).toEqual(expected);
  });
});

describe('limits: same aggregation; overhead only where a limit exists', () => {
  it.each<[string, PodBuilder, Record<string, bigint>]>([
    [
      // Σ limits cpu = 1 + 2 = 3; init {4} ⇒ 4; + overhead 250m ⇒ 4250m; memory has no limit ⇒ no overhead
      'overhead is added only to limited resources',
      pod('p')
        .container({ cpu: '1' }, { limits: { cpu: '1' } })
        .container({ cpu: '1' }, { limits: { cpu: '2' } })
        .initContainer(undefined, { limits: { cpu: '4' } })
        .overhead({ cpu: '250m', memory: '160Mi' }),
      { cpu: 4250n },
    ],
    [
      'pod-level limits replace cpu/memory',
      pod('p')
        .container({ cpu: '1' }, { limits: { cpu: '1', memory: '1Gi' } })
        .podResources({ cpu: '1' }, { cpu: '3' }),
      { cpu: 3000n, memory: Gi },
    ],
    [
      // defaultPodLimits: pod requests set, no pod limits, every container limits memory ⇒ pod limit = Σ = 3Gi
      'pod-level limits default from containers when all of them have one',
      pod('p')
        .container({ memory: '1Gi' }, { limits: { memory: '1Gi' } })
        .container({ memory: '1Gi' }, { limits: { memory: '2Gi' } })
        .podResources({ memory: '2Gi' }),
      { memory: 3n * Gi },
    ],
  ])('%s', (_name, p, expected) => {
    expect(entries(template(p).limits)).toEqual(expected);
  });
});

describe('nonZeroRequests: 100m / 200Mi per container where the key is missing', () => {
  it.each<[string, PodBuilder, bigint, bigint]>([
    // A: {100m, 200Mi}; B: {300m, 200Mi}; Σ = {400m, 400Mi}; init I: {100m, 1Gi} ⇒ max = {400m, 1Gi}
    ['per container, init containers too', pod('p').container().container({ cpu: '300m' }).initContainer({ memory: '1Gi' }), 400n, Gi],
    // C{0 cpu} keeps 0; memory defaulted 200Mi = 209715200
    ['explicit zero is not defaulted', pod('p').container({ cpu: '0' }), 0n, 209_715_200n],
    // one bare container: exactly the defaults
    ['a best-effort pod', pod('p').container(), 100n, 209_715_200n],
    // 100m + 250m overhead; 200Mi + 160Mi
    ['plus overhead', pod('p').container().overhead({ cpu: '250m', memory: '160Mi' }), 350n, 360n * Mi],
    // pod-level requests replace the defaulted aggregate
    ['pod-level replaces', pod('p').container().container().podResources({ cpu: '2', memory: '1Gi' }), 2000n, Gi],
  ])('%s', (_name, p, cpu, memory) => {
    expect(template(p).nonZeroRequests).toEqual({ cpu, memory });
  });

  it('the fixture pod is unchanged by the defaults (every container requests both)', () => {
    const t = template(
      pod('p')
        .container({ cpu: '4', memory: '16640Mi' })
        .container({ cpu: '5m', memory: '35M' })
        .initContainer({ cpu: '500m', memory: '256Mi' })
        .overhead({ cpu: '250m', memory: '160Mi' }),
    );
    expect(t.nonZeroRequests).toEqual({ cpu: 4255n, memory: 17_651_076_800n });
  });
});

describe('quota facts', () => {
  it('names the containers (then init containers) missing cpu/memory requests and limits', () => {
    const t = template(
      pod('p')
        .container({ cpu: '1', memory: '1Gi' }, { name: 'app', limits: { cpu: '1' } })
        .container({ memory: '1Gi' }, { name: 'proxy' })
        .initContainer(undefined, { name: 'setup', limits: { memory: '64Mi' } }), // limit defaults its request
    );
    expect(t.missingRequests).toEqual({ cpu: ['proxy', 'setup'], memory: [] });
    expect(t.missingLimits).toEqual({ cpu: ['proxy', 'setup'], memory: ['app', 'proxy'] });
  });

  it.each<[string, PodBuilder, boolean]>([
    ['nothing requested', pod('p').container().initContainer(), true],
    ['only ephemeral-storage', pod('p').container({ 'ephemeral-storage': '1Gi' }), true],
    ['zero cpu does not count', pod('p').container({ cpu: '0' }), true],
    ['a cpu request', pod('p').container({ cpu: '10m' }), false],
    [
      'a memory limit on an init container',
      pod('p')
        .container()
        .initContainer(undefined, { limits: { memory: '1Mi' } }),
      false,
    ],
    ['pod-level requests', pod('p').container().podResources({ cpu: '1' }), false],
  ])('bestEffort: %s ⇒ %s', (_n, p, expected) => {
    expect(template(p).bestEffort).toBe(expected);
  });

  it('terminating = activeDeadlineSeconds is set', () => {
    expect(template(pod('p').container()).terminating).toBe(false);
    expect(template(pod('p').container().activeDeadlineSeconds(600)).terminating).toBe(true);
  });
});

describe('scheduling fields', () => {
  it('reads node selector, affinity, tolerations, priority and labels', () => {
    const t = template(
      pod('p')
        .ns('team-a')
        .labels({ app: 'web', tier: 'frontend' })
        .container({ cpu: '1' })
        .nodeSelector({ 'topology.kubernetes.io/zone': 'zone-a' })
        .requiredAffinity(
          {
            matchExpressions: [
              { key: 'gpu', operator: 'Exists' },
              { key: 'cpu-mhz', operator: 'Gt', values: ['2000'] },
            ],
          },
          { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['hv-7'] }] },
        )
        .preferredAffinity({ weight: 40, preference: { matchExpressions: [{ key: 'ssd', operator: 'In', values: ['true'] }] } })
        .toleration({ key: 'dedicated', value: 'team-a', effect: 'NoSchedule' })
        .toleration({ operator: 'Exists' })
        .toleration({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 })
        .priorityClass('high')
        .priority(1000)
        .preemptionPolicy('Never'),
    );
    expect(t.namespace).toBe('team-a');
    expect(t.labels).toEqual(
      new Map([
        ['app', 'web'],
        ['tier', 'frontend'],
      ]),
    );
    expect(t.nodeSelector).toEqual(new Map([['topology.kubernetes.io/zone', 'zone-a']]));
    expect(t.requiredAffinity).toEqual([
      {
        matchExpressions: [
          { key: 'gpu', operator: 'Exists', values: [] },
          { key: 'cpu-mhz', operator: 'Gt', values: ['2000'] },
        ],
        matchFields: [],
      },
      { matchExpressions: [], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['hv-7'] }] },
    ]);
    expect(t.preferredAffinity).toEqual([
      { weight: 40, preference: { matchExpressions: [{ key: 'ssd', operator: 'In', values: ['true'] }], matchFields: [] } },
    ]);
    expect(t.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'team-a', effect: 'NoSchedule' },
      { key: '', operator: 'Exists', value: '', effect: '' },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', value: '', effect: 'NoExecute' },
    ]);
    expect(t.priorityClassName).toBe('high');
    expect(t.priority).toBe(1000);
    expect(t.preemptionPolicy).toBe('Never');
    expect(t.owner).toBeUndefined();
  });

  it('leaves absent fields absent', () => {
    const t = template(pod('p').container());
    expect(t.namespace).toBe('default');
    expect(t.requiredAffinity).toBeNull();
    expect(t.preferredAffinity).toEqual([]);
    expect('priorityClassName' in t || 'priority' in t || 'preemptionPolicy' in t).toBe(false);
  });

  it('spec.nodeName is the bound host; uid is kept', () => {
    const t = template(pod('p').uid('8f6d0c1e').container().nodeName('hv-3').phase('Running'));
    expect(t.instances).toEqual([{ name: 'p', uid: '8f6d0c1e', boundHost: 'hv-3' }]);
  });

  it('skips Succeeded and Failed pods (reported as ignored)', () => {
    const parsed = parseObjects([
      pod('done').container({ cpu: '1' }).nodeName('hv-1').phase('Succeeded').obj(),
      pod('crashed').ns('b').container({ cpu: '1' }).phase('Failed').obj(),
      pod('running').container({ cpu: '1' }).phase('Running').obj(),
    ]);
    expect(parsed.workloads.map((w) => w.instances[0]!.name)).toEqual(['running']);
    expect(parsed.ignored.map((i) => `${i.kind} ${i.name}`)).toEqual(['Pod default/done', 'Pod b/crashed']);
  });

  it('generateName gets a deterministic suffix', () => {
    const obj = pod('x')
      .container()
      .without('metadata', 'name')
      .patch({ metadata: { generateName: 'job-runner-' } })
      .obj();
    const a = parseObjects([obj]).workloads[0]!.instances[0]!.name;
    expect(a).toMatch(/^job-runner-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(parseObjects([obj]).workloads[0]!.instances[0]!.name).toBe(a);
  });
});

describe('request math, property', () => {
  // An independent statement of kube-scheduler's rule for one resource (cpu, in millicores):
  // result = max(Σ containers + Σ sidecars, max over init containers of (own + sidecars before it)).
  const containerCpu = fc.array(fc.integer({ min: 0, max: 64_000 }), { minLength: 1, maxLength: 4 });
  const initCpu = fc.array(fc.record({ milli: fc.integer({ min: 0, max: 64_000 }), sidecar: fc.boolean() }), { maxLength: 4 });

  ftest.prop([containerCpu, initCpu, fc.integer({ min: 0, max: 1000 })])(
    'matches max(Σ containers + sidecars, init uses) + overhead',
    (cs, inits, overhead) => {
      let p = pod('p');
      for (const c of cs) p = p.container({ cpu: `${c}m` });
      for (const i of inits) p = p.initContainer({ cpu: `${i.milli}m` }, { sidecar: i.sidecar });
      p = p.overhead({ cpu: `${overhead}m` });
      let sidecars = 0;
      let initMax = 0;
      for (const i of inits) {
        if (i.sidecar) sidecars += i.milli;
        initMax = Math.max(initMax, i.sidecar ? sidecars : i.milli + sidecars);
      }
      const sum = cs.reduce((a, b) => a + b, 0) + sidecars;
      expect(template(p).requests.get('cpu')).toBe(BigInt(Math.max(sum, initMax) + overhead));
    },
  );
});
