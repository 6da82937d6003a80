// VirtualMachine → WorkloadTemplate through its class: the rule documented at the top of
// service/manifests/vm.ts. cpu in millicores, memory in bytes.

import { describe, expect, it } from 'vitest';
import { mhzToMillicores } from '../../../service/manifests/vm.js';
import type { WorkloadTemplate } from '../../../model/types.js';
import { inputErrorOf, parseObjects, resolveObjects, vm, vmClass } from '../../fixtures/k8s.js';

const Gi = 1024n ** 3n;
const entries = (m: Map<string, bigint>): Record<string, bigint> => Object.fromEntries(m);
const one = (objs: Record<string, unknown>[], mhz = 2000): WorkloadTemplate => {
  const ws = resolveObjects(objs, mhz).workloads;
  expect(ws).toHaveLength(1);
  return ws[0]!;
};

describe('VirtualMachine requests and limits', () => {
  it('a class without policies reserves its full size', () => {
    // best-effort class {4 vCPU, 16Gi}: requests = limits = {4000m, 16Gi}
    const t = one([
      vmClass('best-effort-large').ns('vms').hardware(4, '16Gi').obj(),
      vm('web-1').ns('vms').uid('vm-uid-1').className('best-effort-large').obj(),
    ]);
    expect(t.kind).toBe('VirtualMachine');
    expect(t.namespace).toBe('vms');
    expect(t.owner).toBeUndefined();
    expect(t.instances).toEqual([{ name: 'web-1', uid: 'vm-uid-1' }]);
    expect(entries(t.requests)).toEqual({ cpu: 4000n, memory: 16n * Gi });
    expect(entries(t.limits)).toEqual({ cpu: 4000n, memory: 16n * Gi });
    expect(t.nonZeroRequests).toEqual({ cpu: 4000n, memory: 16n * Gi });
    expect(t.missingRequests).toEqual({ cpu: [], memory: [] });
    expect(t.missingLimits).toEqual({ cpu: [], memory: [] });
    expect(t.bestEffort).toBe(false);
    expect(t.terminating).toBe(false);
    expect(t.requests.has('pods')).toBe(false); // the engine adds the slot
  });

  it('class reservation and limits (cores) take precedence over the size', () => {
    // requests: cpu 1000m (class), memory 8Gi (class); limits: cpu 3 cores (class), memory = size 16Gi
    const t = one([
      vmClass('guaranteed-medium').ns('vms').hardware(4, '16Gi').reservation({ cpu: '1000m', memory: '8Gi' }).limit({ cpu: '3' }).obj(),
      vm('db').ns('vms').className('guaranteed-medium').obj(),
    ]);
    expect(entries(t.requests)).toEqual({ cpu: 1000n, memory: 8n * Gi });
    expect(entries(t.limits)).toEqual({ cpu: 3000n, memory: 16n * Gi });
  });

  it('v1alpha6 spec.resources override the class; cpu requests are MHz', () => {
    // size {8 vCPU, 32Gi}; requests.cpu 2000 MHz at 2100 MHz/core: ceil(2000 × 1000 / 2100) = ceil(952.38) = 953m
    // limits.cpu -1 (unlimited) falls through to the size: 8 × 1000 = 8000m; limits.memory 24Gi
    const t = one(
      [
        vmClass('small').ns('vms').hardware(2, '4Gi').reservation({ cpu: '500m' }).obj(),
        vm('big')
          .ns('vms')
          .className('small')
          .resources({
            size: { cpu: '8', memory: '32Gi' },
            requests: { cpu: '2000', memory: '16Gi' },
            limits: { cpu: '-1', memory: '24Gi' },
          })
          .obj(),
      ],
      2100,
    );
    expect(entries(t.requests)).toEqual({ cpu: 953n, memory: 16n * Gi });
    expect(entries(t.limits)).toEqual({ cpu: 8000n, memory: 24n * Gi });
  });

  it('falls back to the class reservation when the VM gives only a size', () => {
    // size.cpu 6 replaces hardware.cpus, but the class reservation of 1500m still applies to cpu
    const t = one([
      vmClass('c').ns('vms').hardware(2, '4Gi').reservation({ cpu: '1500m' }).obj(),
      vm('v')
        .ns('vms')
        .className('c')
        .resources({ size: { cpu: 6, memory: '12Gi' } })
        .obj(),
    ]);
    expect(entries(t.requests)).toEqual({ cpu: 1500n, memory: 12n * Gi });
    expect(entries(t.limits)).toEqual({ cpu: 6000n, memory: 12n * Gi });
  });

  it('counts vGPU devices as nvidia.com/gpu', () => {
    const t = one([
      vmClass('gpu').ns('ml').hardware(8, '64Gi').vgpus('grid_v100d-4q', 'grid_v100d-4q').obj(),
      vm('trainer').ns('ml').className('gpu').obj(),
    ]);
    expect(entries(t.requests)).toEqual({ cpu: 8000n, memory: 64n * Gi, 'nvidia.com/gpu': 2n });
    expect(t.limits.get('nvidia.com/gpu')).toBe(2n);
  });

  it('a v1alpha6 VM without a class uses its size', () => {
    const t = one([
      vm('free')
        .ns('vms')
        .resources({ size: { cpu: 2, memory: '4Gi' } })
        .obj(),
    ]);
    expect(entries(t.requests)).toEqual({ cpu: 2000n, memory: 4n * Gi });
  });

  it('reads sizes from configSpec when the class has no hardware', () => {
    const cls = vmClass('cs')
      .ns('vms')
      .patch({ spec: { configSpec: { _typeName: 'VirtualMachineConfigSpec', numCPUs: 3, memoryMB: 6144 } } });
    const t = one([cls.obj(), vm('v').ns('vms').className('cs').obj()]);
    expect(entries(t.requests)).toEqual({ cpu: 3000n, memory: 6n * Gi });
  });

  it.each<[bigint, number, bigint]>([
    [2000n, 2000, 1000n],
    [2000n, 2100, 953n],
    [1n, 3000, 1n], // ceil(0.33) = 1m
    [0n, 2000, 0n],
  ])('mhzToMillicores(%s MHz, %s MHz/core) = %sm', (mhz, per, milli) => {
    expect(mhzToMillicores(mhz, per)).toBe(milli);
  });
});

describe('every vm-operator version', () => {
  it('v1alpha1: cluster-scoped class, lowercase powerState, status.host', () => {
    const parsed = parseObjects([
      vmClass('small', 'v1alpha1').hardware(2, '4Gi').obj(),
      vm('legacy', 'v1alpha1')
        .ns('vms')
        .className('small')
        .powerState('poweredOff')
        .status({ host: 'hv-9', powerState: 'poweredOff' })
        .obj(),
    ]);
    expect(parsed.vmClasses[0]!.namespace).toBeUndefined();
    expect(parsed.vms[0]).toMatchObject({
      apiVersion: 'vmoperator.vmware.com/v1alpha1',
      powerState: 'PoweredOff',
      boundHost: 'hv-9',
      className: 'small',
    });
    const t = resolveObjects([
      vmClass('small', 'v1alpha1').hardware(2, '4Gi').obj(),
      vm('legacy', 'v1alpha1').ns('vms').className('small').status({ host: 'hv-9' }).obj(),
    ]).workloads[0]!;
    expect(t.instances).toEqual([{ name: 'legacy', boundHost: 'hv-9' }]);
  });

  it.each(['v1alpha2', 'v1alpha3', 'v1alpha4'])('%s: namespaced class, status.host', (v) => {
    const parsed = parseObjects([
      vmClass('c', v).ns('vms').hardware(1, '1Gi').obj(),
      vm('x', v).ns('vms').className('c').powerState('PoweredOn').status({ host: 'hv-1' }).obj(),
    ]);
    expect(parsed.vmClasses[0]!.namespace).toBe('vms');
    expect(parsed.vms[0]).toMatchObject({ powerState: 'PoweredOn', boundHost: 'hv-1' });
  });

  it.each(['v1alpha5', 'v1alpha6'])('%s: status.nodeName and spec.class.name', (v) => {
    const parsed = parseObjects([
      vm('x', v)
        .ns('vms')
        .patch({ spec: { class: { kind: 'VirtualMachineClassInstance', name: 'medium' } } })
        .status({ nodeName: 'hv-2' })
        .obj(),
    ]);
    expect(parsed.vms[0]).toMatchObject({ className: 'medium', boundHost: 'hv-2' });
  });

  it('looks the class up in the VM namespace first, then cluster-scoped', () => {
    const ws = resolveObjects([
      vmClass('small').ns('a').hardware(2, '4Gi').obj(),
      vmClass('small', 'v1alpha1').hardware(4, '8Gi').obj(),
      vm('in-a').ns('a').className('small').obj(),
      vm('in-b').ns('b').className('small').obj(),
    ]).workloads;
    expect(ws.map((w) => [w.instances[0]!.name, w.requests.get('cpu')])).toEqual([
      ['in-a', 2000n],
      ['in-b', 4000n],
    ]);
  });
});

describe('bad VMs', () => {
  it.each<[string, Record<string, unknown>[], string]>([
    [
      'an unknown class',
      [vmClass('small').ns('other').hardware(1, '1Gi').obj(), vm('v').ns('vms').className('small').obj()],
      'test.yaml: document 2 (VirtualMachine vms/v): spec.className: no VirtualMachineClass with name small was found in namespace vms or cluster-wide',
    ],
    [
      'an unknown class named by spec.class.name',
      [
        vm('v', 'v1alpha5')
          .ns('vms')
          .patch({ spec: { class: { name: 'gone' } } })
          .obj(),
      ],
      'test.yaml: document 1 (VirtualMachine vms/v): spec.class.name: no VirtualMachineClass with name gone was found in namespace vms or cluster-wide',
    ],
    [
      'no class and no size',
      [
        vm('v')
          .ns('vms')
          .resources({ size: { cpu: 2 } })
          .obj(),
      ],
      'test.yaml: document 1 (VirtualMachine vms/v): spec.className: Required value: a VirtualMachineClass is required unless spec.resources.size.cpu and spec.resources.size.memory are both set',
    ],
    [
      'millicores in a v1alpha6 cpu field',
      [
        vm('v')
          .ns('vms')
          .className('c')
          .resources({ requests: { cpu: '2000m' } })
          .obj(),
      ],
      `test.yaml: document 1 (VirtualMachine vms/v): spec.resources.requests.cpu: Invalid value: "2000m": CPU must be a whole number without the 'm' (milli) suffix: use '4' for 4 vCPUs or '2000' for 2000 MHz, not '4000m' or '2000m'`,
    ],
    [
      'spec.resources before v1alpha6',
      [
        vm('v', 'v1alpha4')
          .ns('vms')
          .className('c')
          .resources({ size: { cpu: 2 } })
          .obj(),
      ],
      'test.yaml: document 1 (VirtualMachine vms/v): spec.resources: field not declared in schema (spec.resources is served from vmoperator.vmware.com/v1alpha6)',
    ],
    [
      'a v1alpha2+ powerState spelled the v1alpha1 way',
      [vm('v', 'v1alpha3').ns('vms').className('c').powerState('poweredOn').obj()],
      'test.yaml: document 1 (VirtualMachine vms/v): spec.powerState: Unsupported value: "poweredOn": supported values: "PoweredOn", "PoweredOff", "Suspended"',
    ],
    [
      'an unserved version',
      [vm('v', 'v1alpha7').ns('vms').className('c').obj()],
      'test.yaml: document 1 (VirtualMachine): apiVersion: no matches for kind "VirtualMachine" in version "vmoperator.vmware.com/v1alpha7" (served: vmoperator.vmware.com/v1alpha1, vmoperator.vmware.com/v1alpha2, vmoperator.vmware.com/v1alpha3, vmoperator.vmware.com/v1alpha4, vmoperator.vmware.com/v1alpha5, vmoperator.vmware.com/v1alpha6)',
    ],
    [
      'a class that declares no CPUs',
      [
        vmClass('empty')
          .ns('vms')
          .patch({ spec: { hardware: { memory: '1Gi' } } })
          .obj(),
        vm('v').ns('vms').className('empty').obj(),
      ],
      'test.yaml: document 2 (VirtualMachine vms/v): spec.className: VirtualMachineClass empty declares no vCPUs (spec.hardware.cpus)',
    ],
  ])('%s', (_name, objs, message) => {
    expect(inputErrorOf(() => resolveObjects(objs))).toBe(message);
  });

  it('leaves KubeVirt VirtualMachines alone', () => {
    const kubevirt = {
      apiVersion: 'kubevirt.io/v1',
      kind: 'VirtualMachine',
      metadata: { name: 'kv', namespace: 'x' },
      spec: { running: true },
    };
    const parsed = parseObjects([kubevirt]);
    expect(parsed.vms).toEqual([]);
    expect(parsed.ignored).toEqual([
      {
        kind: 'VirtualMachine',
        apiVersion: 'kubevirt.io/v1',
        name: 'x/kv',
        source: { file: 'test.yaml', doc: 0, path: '' },
        why: 'placer does not read this kind',
      },
    ]);
  });
});

describe('VirtualMachine spec.affinity', () => {
  const ZONE = 'topology.kubernetes.io/zone';
  const HOST = 'kubernetes.io/hostname';
  const term = (matchLabels: Record<string, string>, topologyKey: string) => ({
    labelSelector: { matchLabels: new Map(Object.entries(matchLabels)), matchExpressions: [] },
    namespaces: [],
    namespaceSelector: null,
    topologyKey,
  });
  const cls = vmClass('small').ns('vms').hardware(2, '4Gi');

  it('maps vmAffinity / vmAntiAffinity to pod-affinity terms; preferred terms get weight 1', () => {
    const t = one([
      cls.obj(),
      vm('db-1')
        .ns('vms')
        .labels({ app: 'db' })
        .className('small')
        .affinity({
          vmAffinity: {
            requiredDuringSchedulingPreferredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: ZONE }],
          },
          vmAntiAffinity: {
            requiredDuringSchedulingPreferredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: HOST }],
            preferredDuringSchedulingPreferredDuringExecution: [
              { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'db-replica'] }] }, topologyKey: ZONE },
            ],
            requiredDuringSchedulingRequiredDuringExecution: [{ labelSelector: { matchLabels: { role: 'primary' } }, topologyKey: ZONE }],
          },
        })
        .patch({ spec: { groupName: 'db-group' } })
        .obj(),
    ]);
    expect(t.podAffinity).toEqual({ required: [term({ app: 'cache' }, ZONE)], preferred: [] });
    expect(t.podAntiAffinity).toEqual({
      required: [term({ app: 'db' }, HOST), term({ role: 'primary' }, ZONE)],
      preferred: [
        {
          weight: 1,
          term: {
            labelSelector: { matchLabels: new Map(), matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'db-replica'] }] },
            namespaces: [],
            namespaceSelector: null,
            topologyKey: ZONE,
          },
        },
      ],
    });
    expect(t.topologySpread).toEqual([]);
  });

  it.each(['v1alpha2', 'v1alpha3', 'v1alpha4', 'v1alpha5'])('is read in %s', (v) => {
    const t = one([
      vmClass('small', v).ns('vms').hardware(2, '4Gi').obj(),
      vm('x', v)
        .ns('vms')
        .className('small')
        .affinity({
          vmAntiAffinity: {
            preferredDuringSchedulingPreferredDuringExecution: [{ labelSelector: { matchLabels: { a: 'b' } }, topologyKey: HOST }],
          },
        })
        .obj(),
    ]);
    expect(t.podAntiAffinity!.preferred).toHaveLength(1);
  });

  it('a VM without affinity has empty terms', () => {
    const t = one([cls.obj(), vm('plain').ns('vms').className('small').obj()]);
    expect(t.podAffinity).toEqual({ required: [], preferred: [] });
    expect(t.podAntiAffinity).toEqual({ required: [], preferred: [] });
  });

  const ANTI = 'spec.affinity.vmAntiAffinity.requiredDuringSchedulingPreferredDuringExecution[0]';
  it.each<[string, string, Record<string, unknown>, string]>([
    [
      'affinity in v1alpha1',
      'v1alpha1',
      { vmAntiAffinity: {} },
      'spec.affinity: field not declared in schema (spec.affinity is served from vmoperator.vmware.com/v1alpha2)',
    ],
    [
      'the pre-release zoneAffinity',
      'v1alpha5',
      { zoneAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [] } },
      'spec.affinity.zoneAffinity: field not declared in schema',
    ],
    [
      'an IgnoredDuringExecution term',
      'v1alpha5',
      { vmAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: HOST }] } },
      'spec.affinity.vmAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution: field not declared in schema',
    ],
    [
      'no topologyKey',
      'v1alpha5',
      { vmAntiAffinity: { requiredDuringSchedulingPreferredDuringExecution: [{ labelSelector: {} }] } },
      `${ANTI}.topologyKey: Required value`,
    ],
    [
      'an operator other than In',
      'v1alpha6',
      {
        vmAntiAffinity: {
          requiredDuringSchedulingPreferredDuringExecution: [
            { labelSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['x'] }] }, topologyKey: ZONE },
          ],
        },
      },
      `${ANTI}.labelSelector.matchExpressions[0].operator: Unsupported value: "NotIn": supported values: "In"`,
    ],
    [
      'a VM Operator label in matchLabels',
      'v1alpha6',
      {
        vmAntiAffinity: {
          requiredDuringSchedulingPreferredDuringExecution: [
            { labelSelector: { matchLabels: { 'vmoperator.vmware.com/paused': 'x' } }, topologyKey: ZONE },
          ],
        },
      },
      `${ANTI}.labelSelector.matchLabels: Forbidden: label selector can not contain VM Operator managed labels (vmoperator.vmware.com)`,
    ],
    [
      'a host topology for vmAffinity',
      'v1alpha6',
      {
        vmAffinity: {
          preferredDuringSchedulingPreferredDuringExecution: [{ labelSelector: { matchLabels: { app: 'x' } }, topologyKey: HOST }],
        },
      },
      `spec.affinity.vmAffinity.preferredDuringSchedulingPreferredDuringExecution[0].topologyKey: Unsupported value: "${HOST}": supported values: "${ZONE}"`,
    ],
    [
      'a rack topology for vmAntiAffinity',
      'v1alpha6',
      {
        vmAntiAffinity: {
          requiredDuringSchedulingPreferredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'example.com/rack' },
          ],
        },
      },
      `${ANTI}.topologyKey: Unsupported value: "example.com/rack": supported values: "${ZONE}", "${HOST}"`,
    ],
    [
      'In without values',
      'v1alpha6',
      {
        vmAntiAffinity: {
          requiredDuringSchedulingPreferredDuringExecution: [
            { labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, topologyKey: ZONE },
          ],
        },
      },
      `${ANTI}.labelSelector.matchExpressions[0].values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`,
    ],
  ])('rejects %s', (_name, v, affinity, tail) => {
    expect(inputErrorOf(() => parseObjects([vm('v', v).ns('vms').className('small').affinity(affinity).obj()]))).toBe(
      `test.yaml: document 1 (VirtualMachine vms/v): ${tail}`,
    );
  });
});
