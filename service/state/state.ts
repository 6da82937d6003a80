// The service's state, as the routes and Kubernetes mode see it: one façade over the
// transactional core (core.ts: the engine, the store, the infrastructure table, the held
// placements) and the use cases written over it —
//
//   apply.ts       apply: infrastructure upserted, workloads placed (POST /v1/apply, --bootstrap)
//   extender.ts    the extender's pods and Nodes, and its bind
//   preempt.ts     the extender's preempt checks
//   operations.ts  release, host removal, cordons, and the moves (drain, rebalance, namespace moves, consolidation)
//   mirror.ts      Kubernetes mode: the API server's objects and pods mirrored
//   inspect.ts     reads: placements, namespaces, explain
//   retry.ts       standalone mode: pending workloads tried again when a change may help (retry-loop.ts)
//   schedule.ts    scheduler mode: a batch of pending pods placed together and held while they bind
//   nominate.ts    scheduler mode: a pod the batch left unplaced, held on a host once its victims go
//
// Every method hands its call to one of them; the rules live there.

import type { Engine, Explanation } from '../../core-wasm/src/engine.js';
import type { HostObj, Strategy, VMObj, WorkloadTemplate } from '../../model/types.js';
import type { Manifest } from '../manifests/index.js';
import type { CapacityReportDoc } from '../placement/api-types.js';
import type { PlanDoc } from '../placement/plans.js';
import { applyManifests, type ApplyOptions, type ApplyOutcome } from './apply.js';
import { StateCore, type StateOptions } from './core.js';
import { ExtenderCases } from './extender.js';
import { NodeImages } from './node-images.js';
import type { Held } from './held.js';
import * as inspect from './inspect.js';
import { Mirror, type MirrorResult, type Rejected } from './mirror.js';
import * as operations from './operations.js';
import type { PendingSet, PendingWorkload } from './pending.js';
import { PreemptChecks, type Victim } from './preempt.js';
import { RetryLoop, type RetryLoopOptions } from './retry-loop.js';
import type { Victim as Evictee } from './nominate.js';
import { scheduleBatch, type Scheduled } from './schedule.js';
import type { Store } from './store.js';

export type { ApplyOptions, ApplyOutcome } from './apply.js';
export type { StateOptions } from './core.js';
export type { Held } from './held.js';
export type { InfraKind } from './infra.js';
export type { Victim } from './preempt.js';
export type { RetryReport } from './retry.js';
export type { Scheduled } from './schedule.js';
export type { Victim as Evictee } from './nominate.js';

/** PlacerState.retained(): counts by table or cache name. */
export interface Retained {
  classes: number;
  interned: Record<string, number>;
  cacheEntries: Record<string, number>;
  wasmMemoryBytes: number;
}

export class PlacerState {
  readonly strategy: Strategy;
  /** The images the Nodes report, for the extender's choice (node-images.ts): not stored. */
  readonly nodeImages: NodeImages;
  private readonly extender: ExtenderCases;
  private readonly preempt: PreemptChecks;
  private readonly mirror: Mirror;
  private retries: RetryLoop | undefined;

  private constructor(private readonly core: StateCore) {
    this.strategy = core.opts.strategy;
    this.extender = new ExtenderCases(core);
    this.preempt = new PreemptChecks(core);
    this.mirror = new Mirror(core);
    this.nodeImages = new NodeImages((name) => core.engine.hostSlot(name) >= 0);
  }

  /** Open the store and rebuild the engine from it, yielding to the event loop between batches. */
  static async open(opts: StateOptions): Promise<PlacerState> {
    return new PlacerState(await StateCore.open(opts));
  }

  get engine(): Engine {
    return this.core.engine;
  }

  get store(): Store {
    return this.core.store;
  }

  /** What apply could not place, with the reason (the console's namespaces view). */
  get pending(): PendingSet {
    return this.core.pending;
  }

  isEmpty(): boolean {
    return this.core.store.isEmpty();
  }

  close(): void {
    this.retries?.stop();
    this.core.close();
  }

  /** Standalone mode: converge the pending workloads on their own (retry-loop.ts). Once. */
  startRetries(opts: RetryLoopOptions = {}): RetryLoop {
    if (!this.retries) {
      this.retries = new RetryLoop(this.core, opts);
      this.retries.start();
    }
    return this.retries;
  }

  /** Pending workloads waiting for the retry loop (RetryLoop.backlog); 0 without one. */
  retryBacklog(): number {
    return this.retries?.backlog ?? 0;
  }

  // apply
  apply(manifests: readonly Manifest[], opts: ApplyOptions = {}): ApplyOutcome {
    return applyManifests(this.core, manifests, opts);
  }

  // the extender
  podTemplate(pod: unknown, path: string): WorkloadTemplate {
    return this.extender.podTemplate(pod, path);
  }

  podTemplateCached(key: string, pod: unknown, path: string): WorkloadTemplate {
    return this.extender.podTemplateCached(key, pod, path);
  }

  pendingPodTemplate(pod: Record<string, unknown>, reads: string): WorkloadTemplate {
    return this.extender.pendingPodTemplate(pod, reads);
  }

  refreshNodes(nodes: readonly { obj: Record<string, unknown>; path: string }[]): Map<string, string> {
    return this.extender.refreshNodes(nodes);
  }

  bind(podName: string, namespace: string, uid: string, host: string): { error: string; created: boolean } {
    return this.extender.bind(podName, namespace, uid, host);
  }

  fitsAfterEvicting(t: WorkloadTemplate, host: string, victims: readonly Victim[]): string | null {
    return this.preempt.fitsAfterEvicting(t, host, victims);
  }

  pdbViolations(victims: readonly Victim[]): number {
    return this.preempt.pdbViolations(victims);
  }

  // operations
  release(kind: string, namespace: string, name: string): Held {
    return operations.release(this.core, kind, namespace, name);
  }

  /** DELETE of a workload: released when placed, withdrawn when pending. */
  remove(kind: string, namespace: string, name: string): { held: Held } | { withdrawn: PendingWorkload } {
    return operations.remove(this.core, kind, namespace, name);
  }

  removeHost(name: string): void {
    operations.removeHost(this.core, name);
  }

  /** DELETE of a namespace's ResourceQuota or NamespacePolicy. */
  removeObject(kind: 'ResourceQuota' | 'NamespacePolicy', namespace: string, name: string): void {
    operations.removeObject(this.core, kind, namespace, name);
  }

  setUnschedulable(name: string, on: boolean): void {
    operations.setUnschedulable(this.core, name, on);
  }

  drain(hosts: readonly string[], dryRun: boolean, allowPartial: boolean): PlanDoc {
    return operations.drain(this.core, hosts, dryRun, allowPartial);
  }

  rebalance(dryRun: boolean, maxMoves: number, resource?: string): PlanDoc {
    return operations.rebalance(this.core, dryRun, maxMoves, resource);
  }

  moveNamespace(namespace: string, selector: string, dryRun: boolean): PlanDoc {
    return operations.moveNamespace(this.core, namespace, selector, dryRun);
  }

  consolidate(opts: Parameters<typeof operations.consolidate>[1], dryRun: boolean): PlanDoc {
    return operations.consolidate(this.core, opts, dryRun);
  }

  // Kubernetes mode
  /** Mirror infrastructure objects of one kind (Mirror.objects). */
  mirrorObjects(...args: Parameters<Mirror['objects']>): Rejected[] {
    return this.mirror.objects(...args);
  }

  mirrorRunning(t: WorkloadTemplate): MirrorResult {
    return this.mirror.running(t);
  }

  mirrorMoved(kind: string, namespace: string, name: string, host: string): MirrorResult | undefined {
    return this.mirror.moved(kind, namespace, name, host);
  }

  mirrorRestore(h: Held): MirrorResult {
    return this.mirror.restore(h);
  }

  mirrorVmWorkload(vm: VMObj): WorkloadTemplate | undefined {
    return this.mirror.vmWorkload(vm);
  }

  mirrorGone(kind: string, namespace: string, name: string, uid?: string): boolean {
    return this.mirror.gone(kind, namespace, name, uid);
  }

  /** Scheduler mode: place a batch of pending pods together and hold the placed ones (schedule.ts). */
  schedule(pods: readonly WorkloadTemplate[], mayEvict?: (v: Evictee) => boolean): Scheduled[] {
    return scheduleBatch(this.core, pods, mayEvict);
  }

  // reads
  /** The placement placer holds for a pod, if any. */
  heldPod(namespace: string, name: string): Held | undefined {
    return this.core.held.get('Pod', namespace, name);
  }

  /** The placement key of a pod UID placer holds. */
  keyOfUid(uid: string): string | undefined {
    return this.core.held.keyOfUid(uid);
  }

  /** How many placements placer holds on a host. */
  heldOn(host: string): number {
    return this.core.held.heldOn(host);
  }

  /** Placements on a host, per namespace. */
  namespacesOn(host: string): ReadonlyMap<string, number> {
    return this.core.held.namespacesOn(host);
  }

  placementCount(): number {
    return this.core.held.size;
  }

  /** No host holds a placement kube-scheduler does not see (a VirtualMachine; unseen.ts). */
  get unseenEmpty(): boolean {
    return this.core.held.unseen.empty;
  }

  /**
   * The share (0..1) of a host's allocatable cpu and memory, averaged, that placements kube-scheduler
   * does not see hold (unseen.ts); 0 without any, 1 for a resource the host has none of.
   */
  unseenShare(host: string): number {
    const u = this.core.held.unseen.on(host);
    if (u === undefined) return 0;
    const alloc = (this.core.infra.host(host)?.model as HostObj | undefined)?.allocatable;
    const share = (used: number, resource: string): number => {
      const a = Number(alloc?.get(resource) ?? 0n);
      return used <= 0 ? 0 : a <= 0 ? 1 : Math.min(1, used / a);
    };
    return (share(u.cpu, 'cpu') + share(u.memory, 'memory')) / 2;
  }

  /**
   * What the state keeps that could grow with history rather than with the live cluster, for
   * gauges: the engine's classes and interned names, the held table's owners and shapes, the
   * store's shapes, the extender's caches and the Wasm memory.
   */
  retained(): Retained {
    const e = this.core.engine.stats();
    const held = this.core.held.distinct;
    const cache = this.extender.cacheEntries();
    return {
      classes: e.classes,
      interned: {
        engine: e.interned + e.constraints,
        counters: e.counters,
        owners: held.owners,
        shapes: held.shapes,
        stored_shapes: this.core.store.shapeCount,
      },
      cacheEntries: {
        extender_pods: cache.pods,
        extender_pod_texts: cache.podTexts,
        extender_pod_contents: cache.podContents,
        pending: this.core.pending.size,
        node_images: this.nodeImages.size,
        image_names: this.nodeImages.imageNames,
      },
      wasmMemoryBytes: e.backendMemoryBytes,
    };
  }

  hostCount(): number {
    return this.core.engine.hostNames().length;
  }

  placements(namespace?: string): Held[] {
    return inspect.placements(this.core, namespace);
  }

  listedNamespace(namespace: string): boolean {
    return inspect.listedNamespace(this.core, namespace);
  }

  explain(manifests: readonly Manifest[], strict = false): inspect.Explained {
    return inspect.explain(this.core, manifests, strict);
  }

  capacity(q: inspect.CapacityQuestion): { report: CapacityReportDoc; warnings: string[] } {
    return inspect.capacity(this.core, q);
  }

  explainPending(kind: string, namespace: string, name: string): { pending: PendingWorkload; explanation: Explanation } {
    return inspect.explainPending(this.core, kind, namespace, name);
  }
}
