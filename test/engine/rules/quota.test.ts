// rules/quota.ts: ResourceQuota as the API server's quota admission counts it. Twin:
// core-wasm/assembly/admit.ts (quotaExceeded).
//
// Kubernetes' answers, by function:
//   quotaKeySource       pkg/quota/v1/evaluator/core/pods.go: podResources, podResourcePrefixes,
//                        isExtendedResourceNameForQuota, podEvaluator.MatchingResources;
//                        object counts (count/<resource>) from the generic object-count evaluator
//   quotaDelta           pods.go podComputeUsageHelper (bare cpu/memory/ephemeral-storage and
//                        requests.* from requests, limits.* from limits, pods 1 per pod)
//   exceededQuota        staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/controller.go
//                        checkRequest: quota.LessThanOrEqual(used + requested, hard) over the
//                        requested keys only
//   quotaMatches         staging/src/k8s.io/apiserver/pkg/quota/v1/generic/evaluator.go Matches +
//                        getScopeSelectorsFromQuota (spec.scopes become Exists selectors, all ANDed);
//                        pods.go podMatchesScopeFunc / podMatchesSelector (PriorityClass is a label
//                        selector over {PriorityClass: <name>}, no label when the pod names none);
//                        MatchesNoScopeFunc for every other kind (VirtualMachines)
//   mustSpecifyRejection pods.go Constraints + validationSet + enforcePodContainerConstraints;
//                        controller.go "failed quota: %s: %v"

import { describe, expect, it } from 'vitest';
import { DIM_CPU, DIM_EPHEMERAL, DIM_MEMORY, QuotaSource } from '../../../core-wasm/src/contract.js';
import { exceededQuota, mustSpecifyRejection, quotaDelta, quotaKeySource, quotaMatches } from '../../../core-wasm/src/rules/quota.js';
import type { PodAffinityTerm, QuotaObj, QuotaScope, WorkloadTemplate } from '../../../model/types.js';
import { pod, vm } from '../../fixtures/model.js';
import { cls, entry, scopedQuota } from '../../fixtures/rules.js';

const GI = 2 ** 30;
const DIM_GPU = 4; // an extended resource, interned after the fixed dimensions

describe('quotaKeySource', () => {
  it.each([
    // counted per object
    { key: 'pods', want: { source: QuotaSource.PodCount } }, // podResources: ResourcePods, 1 per non-terminal pod
    { key: 'count/pods', want: { source: QuotaSource.PodCount } }, // podObjectCountName
    { key: 'count/virtualmachines.vmoperator.vmware.com', want: { source: QuotaSource.VMCount } }, // object count of vm-operator VMs
    // the request, under its bare name: podComputeUsageHelper sets cpu and requests.cpu alike
    { key: 'cpu', want: { source: QuotaSource.Requests, resource: 'cpu' } }, // bare cpu is requests.cpu
    { key: 'memory', want: { source: QuotaSource.Requests, resource: 'memory' } }, // bare memory is requests.memory
    // bare ephemeral-storage is requests.ephemeral-storage
    { key: 'ephemeral-storage', want: { source: QuotaSource.Requests, resource: 'ephemeral-storage' } },
    { key: 'hugepages-2Mi', want: { source: QuotaSource.Requests, resource: 'hugepages-2Mi' } }, // podResourcePrefixes: hugepages-
    // the request, under requests.<r>
    { key: 'requests.cpu', want: { source: QuotaSource.Requests, resource: 'cpu' } }, // podResources
    { key: 'requests.memory', want: { source: QuotaSource.Requests, resource: 'memory' } }, // podResources
    { key: 'requests.ephemeral-storage', want: { source: QuotaSource.Requests, resource: 'ephemeral-storage' } }, // podResources
    { key: 'requests.hugepages-1Gi', want: { source: QuotaSource.Requests, resource: 'hugepages-1Gi' } }, // prefix requests.hugepages-
    // extended resources are quota'd as requests.<name> only (isExtendedResourceNameForQuota)
    { key: 'requests.nvidia.com/gpu', want: { source: QuotaSource.Requests, resource: 'nvidia.com/gpu' } },
    // the limit, under limits.<r>
    { key: 'limits.cpu', want: { source: QuotaSource.Limits, resource: 'cpu' } }, // podResources
    { key: 'limits.memory', want: { source: QuotaSource.Limits, resource: 'memory' } }, // podResources
    { key: 'limits.ephemeral-storage', want: { source: QuotaSource.Limits, resource: 'ephemeral-storage' } }, // podResources
    // not the pod evaluator's: PVCs, services, other kinds' object counts
    { key: 'requests.storage', want: null }, // the PVC evaluator's, not placement business
    { key: 'persistentvolumeclaims', want: null }, // the PVC evaluator's
    { key: 'services', want: null }, // the service evaluator's
    { key: 'configmaps', want: null }, // an object count of configmaps
    { key: 'count/deployments.apps', want: null }, // an object count of another kind
    { key: 'count/services', want: null }, // an object count of services
    { key: 'nvidia.com/gpu', want: null }, // a bare extended name: MatchingResources ignores it
    // extended resources are not overcommitted, so quota has no limits.<extended> (isExtendedResourceNameForQuota)
    { key: 'limits.nvidia.com/gpu', want: null },
    { key: 'limits.hugepages-2Mi', want: null }, // podResourcePrefixes: hugepages- and requests.hugepages- only
    { key: 'requests.pods', want: null }, // a native name outside podResources
    { key: 'requests.example.kubernetes.io/foo', want: null }, // kubernetes.io/ names are native, not extended
  ])('$key', ({ key, want }) => {
    expect(quotaKeySource(key)).toEqual(want);
  });
});

describe('quotaDelta', () => {
  const requests = (dim: number) => ({ quota: 0, source: QuotaSource.Requests, dim, hard: 0n });
  const limits = (dim: number) => ({ quota: 0, source: QuotaSource.Limits, dim, hard: 0n });
  const podCount = { quota: 0, source: QuotaSource.PodCount, dim: 0, hard: 0n };
  const vmCount = { quota: 0, source: QuotaSource.VMCount, dim: 0, hard: 0n };
  it.each([
    // requests.<r>: the declared request, or nothing when the workload declares none
    { what: 'requests.cpu of a pod requesting 500m', c: cls().req(DIM_CPU, 500), e: requests(DIM_CPU), want: 500n },
    // 2Gi = 2147483648 bytes
    { what: 'requests.memory of a pod requesting 2Gi', c: cls().req(DIM_MEMORY, 2 * GI), e: requests(DIM_MEMORY), want: BigInt(2 * GI) },
    // no cpu request: Usage() has no cpu key, so the key is not charged (and not checked)
    { what: 'requests.cpu of a pod requesting only memory', c: cls().req(DIM_MEMORY, GI), e: requests(DIM_CPU), want: null },
    // extended resources are charged as requests
    { what: 'requests.nvidia.com/gpu of a pod asking 2', c: cls().req(DIM_GPU, 2), e: requests(DIM_GPU), want: 2n },
    // limits.<r>: the declared limit; a request does not stand in for it
    {
      what: 'limits.memory of a pod limited to 4Gi',
      c: cls()
        .req(DIM_MEMORY, GI)
        .lim(DIM_MEMORY, 4 * GI),
      e: limits(DIM_MEMORY),
      want: BigInt(4 * GI),
    },
    // no limit declared: not charged
    { what: 'limits.cpu of a pod that only requests cpu', c: cls().req(DIM_CPU, 500), e: limits(DIM_CPU), want: null },
    {
      what: 'limits.ephemeral-storage of a pod limited to 1Gi', // a limit without a request is charged all the same
      c: cls().lim(DIM_EPHEMERAL, GI),
      e: limits(DIM_EPHEMERAL),
      want: BigInt(GI),
    },
    // object counts: 1 per object of the counted kind
    { what: 'pods for a pod', c: cls().pod(), e: podCount, want: 1n }, // one pod
    { what: 'pods for a VM', c: cls().vm(), e: podCount, want: null }, // a VM is not a pod
    { what: 'count/virtualmachines for a VM', c: cls().vm(), e: vmCount, want: 1n }, // one VM object
    { what: 'count/virtualmachines for a pod', c: cls().pod(), e: vmCount, want: null }, // a pod is not a VM
    // VMs charge requests.* and limits.* like pods (docs/placement-rules.md, ResourceQuota)
    { what: 'requests.cpu of a VM reserving 2000m', c: cls().vm().req(DIM_CPU, 2000), e: requests(DIM_CPU), want: 2000n },
  ])('$what', ({ c, e, want }) => {
    expect(quotaDelta(c.obj(), e)).toBe(want);
  });
});

describe('exceededQuota', () => {
  // Quota 0 holds entries 0 (requests.cpu) and 1 (requests.memory); quota 1 holds entries 2
  // (pods) and 3 (count/virtualmachines); quota 2 holds entry 4 (limits.memory).
  const quotaEntries = [[0, 1], [2, 3], [4]];
  type Used = [cpu: bigint, memory: bigint, pods: bigint, vms: bigint, limMemory: bigint];
  const table = (used: Used) => {
    const entries = [
      entry(QuotaSource.Requests, DIM_CPU, 4000n, used[0], 0), // requests.cpu: 4
      entry(QuotaSource.Requests, DIM_MEMORY, BigInt(8 * GI), used[1], 0), // requests.memory: 8Gi
      entry(QuotaSource.PodCount, 0, 10n, used[2], 1), // pods: 10
      entry(QuotaSource.VMCount, 0, 2n, used[3], 1), // count/virtualmachines…: 2
      entry(QuotaSource.Limits, DIM_MEMORY, BigInt(16 * GI), used[4], 2), // limits.memory: 16Gi
    ];
    return (e: number) => entries[e];
  };
  const none: Used = [0n, 0n, 0n, 0n, 0n];
  it.each([
    // used + delta ≤ hard holds everywhere
    { what: 'well under', c: cls().req(DIM_CPU, 1000).quotas(0, 1), used: none, want: null }, // 0 + 1000 ≤ 4000; pods 0 + 1 ≤ 10
    // the boundary: 3000 + 1000 = 4000 = hard is allowed (LessThanOrEqual)
    { what: 'exactly at hard', c: cls().req(DIM_CPU, 1000).quotas(0), used: [3000n, 0n, 0n, 0n, 0n], want: null },
    // 3001 + 1000 = 4001 > 4000
    {
      what: 'one over hard',
      c: cls().req(DIM_CPU, 1000).quotas(0),
      used: [3001n, 0n, 0n, 0n, 0n],
      want: { quota: 0, entries: [{ entry: 0, used: 3001n }] },
    },
    // memory is already over (9Gi > 8Gi) but the workload declares no memory request: that key
    // is not requested, so not checked
    {
      what: 'an over-used key the workload does not request',
      c: cls().req(DIM_CPU, 1000).quotas(0),
      used: [0n, BigInt(9 * GI), 0n, 0n, 0n],
      want: null,
    },
    // both keys of quota 0 go over: 4000 + 500 > 4000 and 8Gi − 1 + 1Gi > 8Gi; both are named
    {
      what: 'every exceeded key of the quota',
      c: cls().req(DIM_CPU, 500).req(DIM_MEMORY, GI).quotas(0),
      used: [4000n, BigInt(8 * GI - 1), 0n, 0n, 0n],
      want: {
        quota: 0,
        entries: [
          { entry: 0, used: 4000n },
          { entry: 1, used: BigInt(8 * GI - 1) },
        ],
      },
    },
    // quota 0 holds (0 + 1000 ≤ 4000); quota 1's pods are full (10 + 1 > 10)
    {
      what: 'the first quota that fails, after one that holds',
      c: cls().req(DIM_CPU, 1000).quotas(0, 1),
      used: [0n, 0n, 10n, 0n, 0n],
      want: { quota: 1, entries: [{ entry: 2, used: 10n }] },
    },
    // both fail; the class's evaluation order [1, 0] decides which is reported
    {
      what: 'evaluation order, not id order',
      c: cls().req(DIM_CPU, 1000).quotas(1, 0),
      used: [4000n, 0n, 10n, 0n, 0n],
      want: { quota: 1, entries: [{ entry: 2, used: 10n }] },
    },
    // a VM with pods full: pods does not count VMs; its own count 1 + 1 ≤ 2 holds
    { what: 'a VM is not held by pods', c: cls().vm().quotas(1), used: [0n, 0n, 10n, 1n, 0n], want: null },
    // a VM with count/virtualmachines full: 2 + 1 > 2
    {
      what: 'a VM held by count/virtualmachines',
      c: cls().vm().quotas(1),
      used: [0n, 0n, 0n, 2n, 0n],
      want: { quota: 1, entries: [{ entry: 3, used: 2n }] },
    },
    // limits.memory: 15Gi + 2Gi > 16Gi, though its request (1Gi) would fit anything
    {
      what: 'limits.memory',
      c: cls()
        .req(DIM_MEMORY, GI)
        .lim(DIM_MEMORY, 2 * GI)
        .quotas(2),
      used: [0n, 0n, 0n, 0n, BigInt(15 * GI)],
      want: { quota: 2, entries: [{ entry: 4, used: BigInt(15 * GI) }] },
    },
    // requests.cpu is already over (5000 > 4000) but the workload requests 0 cpu: the admission
    // drops zero usage before comparing (RemoveZeros), so only memory (0 + 1Gi ≤ 8Gi) is checked
    {
      what: 'a zero request on an over-used key',
      c: cls().req(DIM_CPU, 0).req(DIM_MEMORY, GI).quotas(0),
      used: [5000n, 0n, 0n, 0n, 0n],
      want: null,
    },
    // no quota applies (namespace without quotas, or scopes that do not match)
    { what: 'no applicable quota', c: cls().req(DIM_CPU, 10_000), used: [4000n, 0n, 10n, 2n, 0n], want: null },
  ])('$what', ({ c, used, want }) => {
    expect(exceededQuota(c.obj(), quotaEntries, table(used as Used))).toEqual(want);
  });
});

describe('quotaMatches', () => {
  const bestEffort = pod('be').obj(); // no request and no limit in any container: QoS BestEffort
  const burstable = pod('burst').req({ cpu: '100m' }).obj(); // a request: QoS Burstable
  const terminating: WorkloadTemplate = { ...burstable, terminating: true }; // activeDeadlineSeconds ≥ 0
  const aVM = vm('vm').req({ cpu: '1' }).obj();
  const term = (extra: Partial<PodAffinityTerm>): PodAffinityTerm => ({
    labelSelector: { matchLabels: new Map([['app', 'db']]), matchExpressions: [] },
    namespaces: [],
    namespaceSelector: null,
    topologyKey: 'kubernetes.io/hostname',
    ...extra,
  });
  const ownNs: WorkloadTemplate = { ...burstable, podAffinity: { required: [term({})], preferred: [] } };
  const namedNs: WorkloadTemplate = {
    ...burstable,
    podAffinity: { required: [], preferred: [{ weight: 10, term: term({ namespaces: ['b'] }) }] },
  };
  const selectedNs: WorkloadTemplate = {
    ...burstable,
    podAntiAffinity: { required: [term({ namespaceSelector: { matchLabels: new Map(), matchExpressions: [] } })], preferred: [] },
  };
  const unscoped = scopedQuota('q').hard({ pods: 5 }).obj();
  /** A quota with spec.scopes. */
  const scopes = (...s: QuotaScope[]) =>
    scopedQuota('q')
      .scopes(...s)
      .obj();
  /** A quota with one spec.scopeSelector requirement. */
  const selects = (scope: QuotaScope, op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', ...values: string[]) =>
    scopedQuota('q')
      .select(scope, op, ...values)
      .obj();
  it.each<{ what: string; q: QuotaObj; t: WorkloadTemplate; pc: string; want: boolean }>([
    { what: 'unscoped, a pod', q: unscoped, t: burstable, pc: '', want: true }, // no scope: every pod of the namespace
    { what: 'unscoped, a VM', q: unscoped, t: aVM, pc: '', want: true }, // and every VM
    // spec.scopes: each an Exists selector on the scope
    { what: 'BestEffort, a BestEffort pod', q: scopes('BestEffort'), t: bestEffort, pc: '', want: true }, // no requests, no limits
    { what: 'BestEffort, a Burstable pod', q: scopes('BestEffort'), t: burstable, pc: '', want: false }, // a request
    { what: 'NotBestEffort, a Burstable pod', q: scopes('NotBestEffort'), t: burstable, pc: '', want: true }, // a request
    { what: 'NotBestEffort, a BestEffort pod', q: scopes('NotBestEffort'), t: bestEffort, pc: '', want: false }, // none
    { what: 'Terminating, with a deadline', q: scopes('Terminating'), t: terminating, pc: '', want: true }, // activeDeadlineSeconds set
    { what: 'Terminating, without', q: scopes('Terminating'), t: burstable, pc: '', want: false }, // no activeDeadlineSeconds
    { what: 'NotTerminating, without', q: scopes('NotTerminating'), t: burstable, pc: '', want: true }, // no activeDeadlineSeconds
    { what: 'NotTerminating, with a deadline', q: scopes('NotTerminating'), t: terminating, pc: '', want: false }, // set
    { what: 'PriorityClass scope, a class', q: scopes('PriorityClass'), t: burstable, pc: 'low', want: true }, // Exists: any name
    { what: 'PriorityClass scope, no class', q: scopes('PriorityClass'), t: burstable, pc: '', want: false }, // Exists: but a name
    { what: 'two scopes, one fails', q: scopes('BestEffort', 'Terminating'), t: bestEffort, pc: '', want: false }, // ANDed
    { what: 'two scopes, both hold', q: scopes('NotBestEffort', 'Terminating'), t: terminating, pc: '', want: true }, // ANDed
    // scopeSelector on PriorityClass: a label selector over {PriorityClass: <name>}, no label when unnamed
    { what: 'In, listed', q: selects('PriorityClass', 'In', 'high', 'critical'), t: burstable, pc: 'high', want: true }, // high ∈ {high, …}
    { what: 'In, not listed', q: selects('PriorityClass', 'In', 'high', 'critical'), t: burstable, pc: 'low', want: false }, // low ∉ …
    { what: 'In, no class', q: selects('PriorityClass', 'In', 'high'), t: burstable, pc: '', want: false }, // no label: In fails
    { what: 'NotIn, listed', q: selects('PriorityClass', 'NotIn', 'low'), t: burstable, pc: 'low', want: false }, // low ∈ {low}
    { what: 'NotIn, not listed', q: selects('PriorityClass', 'NotIn', 'low'), t: burstable, pc: 'high', want: true }, // high ∉ {low}
    { what: 'NotIn, no class', q: selects('PriorityClass', 'NotIn', 'low'), t: burstable, pc: '', want: true }, // no label: NotIn holds
    { what: 'Exists, a class', q: selects('PriorityClass', 'Exists'), t: burstable, pc: 'x', want: true }, // the label is there
    { what: 'Exists, no class', q: selects('PriorityClass', 'Exists'), t: burstable, pc: '', want: false }, // no label
    { what: 'DoesNotExist, no class', q: selects('PriorityClass', 'DoesNotExist'), t: burstable, pc: '', want: true }, // no label
    { what: 'DoesNotExist, a class', q: selects('PriorityClass', 'DoesNotExist'), t: burstable, pc: 'x', want: false }, // the label
    // the other scopes take only Exists in a scopeSelector (API validation): as in spec.scopes
    { what: 'selector BestEffort', q: selects('BestEffort', 'Exists'), t: bestEffort, pc: '', want: true }, // no requests, no limits
    { what: 'selector NotBestEffort', q: selects('NotBestEffort', 'Exists'), t: bestEffort, pc: '', want: false }, // BestEffort
    // spec.scopes and scopeSelector ANDed together: not BestEffort, and high ∈ {high}
    {
      what: 'scopes and selector, both hold',
      q: scopedQuota('q').scopes('NotBestEffort').select('PriorityClass', 'In', 'high').obj(),
      t: burstable,
      pc: 'high',
      want: true,
    },
    // BestEffort fails NotBestEffort, though high ∈ {high}
    {
      what: 'scopes and selector, the scope fails',
      q: scopedQuota('q').scopes('NotBestEffort').select('PriorityClass', 'In', 'high').obj(),
      t: bestEffort,
      pc: 'high',
      want: false,
    },
    // usesCrossNamespacePodAffinity: a pod without affinity terms uses no cross-namespace term
    { what: 'CrossNamespacePodAffinity, no terms', q: scopes('CrossNamespacePodAffinity'), t: burstable, pc: '', want: false },
    // a term in the pod's own namespace (neither namespaces nor namespaceSelector) is not cross-namespace
    { what: 'CrossNamespacePodAffinity, own namespace', q: scopes('CrossNamespacePodAffinity'), t: ownNs, pc: '', want: false },
    // a preferred affinity term naming namespace b: cross-namespace
    { what: 'CrossNamespacePodAffinity, namespaces', q: scopes('CrossNamespacePodAffinity'), t: namedNs, pc: '', want: true },
    // a required anti-affinity term with an empty namespaceSelector ({} selects every namespace)
    { what: 'CrossNamespacePodAffinity, selector', q: scopes('CrossNamespacePodAffinity'), t: selectedNs, pc: '', want: true },
    // VMs: the generic object-count evaluator matches no scope (MatchesNoScopeFunc)
    { what: 'a VM, NotBestEffort', q: scopes('NotBestEffort'), t: aVM, pc: '', want: false }, // though it reserves cpu
    { what: 'a VM, PriorityClass NotIn', q: selects('PriorityClass', 'NotIn', 'low'), t: aVM, pc: 'high', want: false }, // high ∉ {low}
  ])('$what', ({ q, t, pc, want }) => {
    expect(quotaMatches(q, t, pc)).toBe(want);
  });
});

describe('mustSpecifyRejection', () => {
  /** A pod whose containers leave out the named requests and limits. */
  const containers = (missing: {
    requests?: { cpu?: string[]; memory?: string[] };
    limits?: { cpu?: string[]; memory?: string[] };
  }): WorkloadTemplate => ({
    ...pod('p').req({ cpu: '100m', memory: '64Mi' }).lim({ cpu: '1', memory: '1Gi' }).obj(),
    missingRequests: { cpu: missing.requests?.cpu ?? [], memory: missing.requests?.memory ?? [] },
    missingLimits: { cpu: missing.limits?.cpu ?? [], memory: missing.limits?.memory ?? [] },
  });
  const declaresAll = containers({});
  const noCpuRequest = containers({ requests: { cpu: ['app'] } });
  it.each<{ what: string; quotas: QuotaObj[]; t: WorkloadTemplate; want: string | undefined }>([
    { what: 'no quota', quotas: [], t: noCpuRequest, want: undefined }, // nothing constrains the pod
    // validationSet is cpu, memory, requests.cpu, requests.memory, limits.cpu, limits.memory only
    { what: 'a quota on pods only', quotas: [scopedQuota('q').hard({ pods: 10 }).obj()], t: noCpuRequest, want: undefined },
    {
      what: 'a quota on keys outside the validation set', // none of them makes containers declare anything
      quotas: [scopedQuota('q').hard({ 'requests.ephemeral-storage': '10Gi', 'hugepages-2Mi': '1Gi', 'requests.nvidia.com/gpu': 4 }).obj()],
      t: containers({ requests: { cpu: ['app'], memory: ['app'] }, limits: { cpu: ['app'], memory: ['app'] } }),
      want: undefined,
    },
    // nothing missing
    { what: 'every container declares', quotas: [scopedQuota('q').hard({ 'requests.cpu': 4 }).obj()], t: declaresAll, want: undefined },
    {
      what: 'requests.cpu missing in one container', // container app lacks a cpu request
      quotas: [scopedQuota('compute').hard({ 'requests.cpu': 4 }).obj()],
      t: noCpuRequest,
      want: 'failed quota: compute: must specify requests.cpu for: app',
    },
    // bare cpu is a request key too: both keys are named, sorted
    {
      what: 'cpu and requests.cpu both named',
      quotas: [scopedQuota('compute').hard({ 'requests.cpu': 4, cpu: 4 }).obj()],
      t: noCpuRequest,
      want: 'failed quota: compute: must specify cpu for: app; requests.cpu for: app',
    },
    // keys sorted (limits.memory < requests.cpu), container names sorted within a key
    {
      what: 'several keys and containers',
      quotas: [scopedQuota('compute').hard({ 'requests.cpu': 4, 'limits.memory': '8Gi' }).obj()],
      t: containers({ requests: { cpu: ['sidecar', 'app'] }, limits: { memory: ['app'] } }),
      want: 'failed quota: compute: must specify limits.memory for: app; requests.cpu for: app,sidecar',
    },
    // a limit is demanded by limits.* keys only; requests do not stand in
    {
      what: 'limits.cpu with requests only',
      quotas: [scopedQuota('limits').hard({ 'limits.cpu': 4 }).obj()],
      t: containers({ limits: { cpu: ['init', 'app'] } }),
      want: 'failed quota: limits: must specify limits.cpu for: app,init',
    },
    // cpu missing, but the quota constrains memory only
    {
      what: 'a missing key the quota does not constrain',
      quotas: [scopedQuota('q').hard({ memory: '4Gi' }).obj()],
      t: containers({ requests: { cpu: ['app'] } }),
      want: undefined,
    },
    // the first quota (in the order given) that the pod misses names the message
    {
      what: 'the first failing quota',
      quotas: [scopedQuota('count').hard({ pods: 10 }).obj(), scopedQuota('mem').hard({ 'requests.memory': '4Gi' }).obj()],
      t: containers({ requests: { memory: ['app'] } }),
      want: 'failed quota: mem: must specify requests.memory for: app',
    },
    // VMs are sized by their class; nothing to declare
    {
      what: 'a VM',
      quotas: [scopedQuota('compute').hard({ 'requests.cpu': 4, 'limits.memory': '8Gi' }).obj()],
      t: vm('vm').obj(),
      want: undefined,
    },
  ])('$what', ({ quotas, t, want }) => {
    expect(mustSpecifyRejection(quotas, t)).toBe(want);
  });
});
