// The reflectors' events into the service state (its Kubernetes-mode use cases, service/state/mirror.ts):
//
//   infrastructure  Node, Namespace, ResourceQuota, NamespacePolicy, PriorityClass,
//                   VirtualMachineClass, PodDisruptionBudget: upserted/deleted as the API says (a relist replaces the
//                   kind's whole set); an object the adapters cannot read is logged, counted in
//                   placer_kube_unreadable_objects, and its previous version (if any) stays.
//   pods            a pod with spec.nodeName that has not finished (phase Succeeded/Failed) holds
//                   its host's capacity and its namespace's quota; deleted or finished, it
//                   releases them. A bound pod whose Node placer has not seen yet (the watches are
//                   separate streams) waits for it. Unbound pods are remembered, so that a bind can
//                   find the pod's spec even when this replica did not serve its filter.
//   PodGroups       kept as the API has them: a pod labelled scheduling.x-k8s.io/pod-group is read
//                   with its PodGroup (its gang, minMember). A bound pod whose PodGroup placer has
//                   not seen is accounted all the same (a gang matters only before binding).
//   VMs             vm-operator places VirtualMachines, placer never binds them: they are consumers.
//                   A VM with a host (status.nodeName; status.host before v1alpha5) holds that
//                   host's capacity and its namespace's quota, sized by its class as in standalone
//                   mode (service/manifests/vm.ts) — in every power state: vSphere keeps a powered-off
//                   VM's reservation, and so does standalone mode. Deleted, or without a host any
//                   more, it releases them; on another host, it moves. A VM whose class placer has
//                   not seen waits for it (keeping what it held, if anything: a deleted class does
//                   not shrink a running VM), as a bound pod waits for its Node; a class change
//                   re-sizes the VMs of that class.
//
// A pod placer holds is not parsed again for a version that changes nothing placer reads of it
// (pod-reads.ts): the watch's version of a pod placer just bound — its Binding, then every status
// update — costs a string comparison. What placer read of each held pod is kept until the pod goes.
//
// Binds placer made itself are "assumed" (kube-scheduler's word) from just before the Binding
// POST until the watch shows the pod bound: a relist or an event older than the binding must not
// release them meanwhile. An assumption the API never confirms lapses after ASSUME_TTL_MS — except a
// preemptor's while its victims terminate (scheduler mode forgets it when it binds or gives up).

import type { Logger } from 'pino';
import { parseManifests, type Manifest } from '../manifests/index.js';
import { InputError } from '../../model/errors.js';
import type { VMObj, WorkloadTemplate } from '../../model/types.js';
import type { InfraKind, PlacerState } from '../state/state.js';
import type { Obj } from './client.js';
import type { KubeMetrics } from './metrics.js';
import type { ReflectorHandler } from './reflector.js';
import { PODGROUP_API } from './resources.js';
import { POD_GROUP_LABEL } from '../manifests/pod.js';
import { podReads, sameReads } from '../state/pod-reads.js';
import { PodParseMemo, podContentKey } from '../state/pod-parse-memo.js';

/**
 * Who else follows the mirror (scheduler mode's queue): every pod as the API has it after the
 * state took it, and every other change that may let a pending pod fit.
 */
export interface SyncListener {
  pod(type: 'ADDED' | 'MODIFIED' | 'DELETED', o: Obj): void;
  /** Pods were listed again: `pods` is the complete set. */
  pods(pods: readonly Obj[]): void;
  /** Objects of `kind` changed (in `namespace`, when the change is confined to one). */
  changed(kind: string, namespace?: string): void;
}

const ASSUME_TTL_MS = 30_000;
/** Distinct pod contents whose parse is kept (the controllers whose replicas come at once). */
const POD_PARSES = 256;

interface PodFacts {
  key: string;
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  terminal: boolean;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function facts(o: Obj): PodFacts {
  const md = isObj(o.metadata) ? o.metadata : {};
  const spec = isObj(o.spec) ? o.spec : {};
  const st = isObj(o.status) ? o.status : {};
  const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
  const name = typeof md.name === 'string' ? md.name : '';
  return {
    key: `${namespace}/${name}`,
    namespace,
    name,
    uid: typeof md.uid === 'string' ? md.uid : '',
    nodeName: typeof spec.nodeName === 'string' ? spec.nodeName : '',
    terminal: st.phase === 'Succeeded' || st.phase === 'Failed',
  };
}

/** An API object as a manifest for the adapters; errors name its API path. */
function manifestOf(o: Obj, path: string): Manifest {
  return { apiVersion: String(o.apiVersion), kind: String(o.kind), obj: o, source: { file: `api-server ${path}`, doc: 0, path: '' } };
}

function objectPath(o: Obj, collection: string): string {
  const md = isObj(o.metadata) ? o.metadata : {};
  const ns = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : undefined;
  const name = String(md.name ?? '');
  if (ns === undefined) return `${collection}/${name}`;
  const i = collection.lastIndexOf('/');
  return `${collection.slice(0, i)}/namespaces/${ns}${collection.slice(i)}/${name}`;
}

export class KubeSync {
  /** Pods the API shows bound and running: key → uid, node. */
  private readonly bound = new Map<string, { uid: string; node: string }>();
  /** Pods not bound yet, as the API has them. */
  private readonly unbound = new Map<string, Obj>();
  /** Bound pods whose Node placer has not seen. */
  private readonly waiting = new Map<string, WorkloadTemplate>();
  private readonly assumed = new Map<string, { uid: string; since: number; pinned: boolean }>();
  /** VirtualMachines the API shows on a host: key → the VM as read. */
  private readonly vms = new Map<string, VMObj>();
  /** Those of them not held yet: waiting for their class or their Node. */
  private readonly vmWaiting = new Map<string, 'class' | 'host'>();
  /** Per kind: object → why placer cannot read it. */
  private readonly unreadable = new Map<string, Map<string, string>>();
  /**
   * What placer read of the pods it holds (podReads), by key: freed when the pod goes. `from`: the
   * pending version it was read from, until the watch shows the pod's next version (its bind's
   * echo, compared with it member by member: sameReads).
   */
  private readonly reads = new Map<string, { uid: string; reads: string; from: Obj | undefined }>();
  /** PodGroups as the API has them: namespace/name → object. */
  private readonly podGroups = new Map<string, Obj>();
  /** Parses by pod content: the replicas of one controller are parsed once (pod-parse-memo.ts). */
  private readonly parses = new PodParseMemo(POD_PARSES);
  listener: SyncListener | undefined;
  /** Told of a pod the watch shows bound, after its event is applied (no await in between). */
  podBound: ((namespace: string, name: string) => void) | undefined;

  constructor(
    private readonly state: () => PlacerState,
    private readonly log: Logger,
    private readonly metrics: KubeMetrics | undefined,
  ) {}

  // ------------------------------------------------------------------ what the binder asks

  /** Where the API says a pod runs, if it is bound. */
  apiPlacement(namespace: string, name: string): { uid: string; node: string } | undefined {
    return this.bound.get(`${namespace}/${name}`);
  }

  /** An unbound pod as the API has it. */
  pendingPod(namespace: string, name: string): Obj | undefined {
    return this.unbound.get(`${namespace}/${name}`);
  }

  /**
   * A pod placer holds before the API shows it bound. `pinned`: a preemptor waiting for its victims,
   * for as long as that takes (it lapses only when forgotten, not after ASSUME_TTL_MS).
   */
  assume(namespace: string, name: string, uid: string, pinned = false): void {
    this.assumed.set(`${namespace}/${name}`, { uid, since: Date.now(), pinned });
  }

  /** The assumption is over without a bind (the Binding refused, the placement given back): what placer read of the pod goes with it. */
  forget(namespace: string, name: string): void {
    this.assumed.delete(`${namespace}/${name}`);
    this.reads.delete(`${namespace}/${name}`);
  }

  /**
   * placer holds the pod `o` now, parsed from this very version (a batch placed it, a bind
   * reserved it): the watch's next version of it is not parsed again unless what placer reads
   * changed. `pending`: `o` is the version before the bind, kept to compare the echo with — unless
   * the watch showed this incarnation bound already (no echo to come: nothing is kept).
   */
  heldFrom(o: Obj, reads = podReads(o), pending = true): void {
    const f = facts(o);
    if (f.uid === '') return;
    const echoed = this.bound.get(f.key)?.uid === f.uid;
    this.reads.set(f.key, { uid: f.uid, reads, from: pending && !echoed ? o : undefined });
  }

  /** Pods whose reads are kept (the soak's gauges: no more than the pods held). */
  get readsKept(): number {
    return this.reads.size;
  }

  private isAssumed(key: string, uid: string): boolean {
    const a = this.assumed.get(key);
    if (!a) return false;
    if (!a.pinned && Date.now() - a.since > ASSUME_TTL_MS) {
      this.assumed.delete(key);
      return false;
    }
    return a.uid === '' || uid === '' || a.uid === uid;
  }

  // ------------------------------------------------------------------ handlers

  handlerFor(kind: string, collection: string): ReflectorHandler {
    if (kind === 'Pod') return this.podHandler(collection);
    if (kind === 'PodGroup') return this.podGroupHandler();
    if (kind === 'VirtualMachine') return this.vmHandler(collection);
    return this.infraHandler(kind as InfraKind, collection);
  }

  private note(kind: string, rejected: { object: string; message: string }[], cleared: string[], replace: boolean): void {
    let m = this.unreadable.get(kind);
    if (!m || replace) this.unreadable.set(kind, (m = new Map()));
    for (const c of cleared) m.delete(c);
    for (const r of rejected) {
      if (m.get(r.object) !== r.message)
        this.log.warn({ object: r.object, reason: r.message }, 'placer cannot read this object from the API server; it is not accounted');
      m.set(r.object, r.message);
    }
    this.metrics?.unreadable.set({ resource: kind }, m.size);
  }

  private infraHandler(kind: InfraKind, collection: string): ReflectorHandler {
    // a VirtualMachineClass without a namespace is a cluster-scoped (v1alpha1) one
    const nsOf = (o: Obj): string => (kind === 'VirtualMachineClass' && rawNamespace(o) === '' ? '' : facts(o).namespace);
    const label = (o: Obj): string => {
      const f = facts(o);
      const ns = nsOf(o);
      return kind === 'Node' || kind === 'PriorityClass' || kind === 'Namespace' || ns === ''
        ? `${kind} ${f.name}`
        : `${kind} ${ns}/${f.name}`;
    };
    return {
      replace: (items) => {
        const rejected = this.state().mirrorObjects(
          kind,
          items.map((o) => manifestOf(o, objectPath(o, collection))),
          [],
          true,
        );
        this.note(kind, rejected, [], true);
        if (kind === 'Node') {
          this.state().nodeImages.replace(items);
          this.retryWaiting(undefined);
          this.retryVms((_, key) => this.vmWaiting.get(key) === 'host');
        }
        if (kind === 'VirtualMachineClass') this.retryVms(() => true);
        this.listener?.changed(kind);
      },
      event: (type, o) => {
        const f = facts(o);
        if (type === 'DELETED') {
          this.state().mirrorObjects(kind, [], [{ namespace: nsOf(o), name: f.name }]);
          if (kind === 'Node') this.state().nodeImages.delete(f.name);
          this.note(kind, [], [label(o)], false);
          this.listener?.changed(kind, nsOf(o) || undefined);
          return;
        }
        const rejected = this.state().mirrorObjects(kind, [manifestOf(o, objectPath(o, collection))], []);
        this.note(kind, rejected, [label(o)], false);
        if (kind === 'Node') {
          this.state().nodeImages.set(o);
          this.retryWaiting(f.name);
          this.retryVms((vm, key) => this.vmWaiting.get(key) === 'host' && vm.boundHost === f.name);
        }
        // the VMs of this class: sized now, or re-sized
        if (kind === 'VirtualMachineClass') this.retryVms((vm) => vm.className === f.name);
        this.listener?.changed(kind, nsOf(o) || undefined);
      },
    };
  }

  private podHandler(collection: string): ReflectorHandler {
    return {
      replace: (items) => {
        const state = this.state();
        const seen = new Map(items.map((o) => [facts(o).key, o]));
        this.bound.clear();
        this.unbound.clear();
        this.waiting.clear();
        this.reads.clear();
        this.note('Pod', [], [], true);
        // what placer holds and the API does not show bound any more: released
        for (const h of state.placements()) {
          if (h.kind !== 'Pod') continue;
          const key = `${h.namespace}/${h.name}`;
          const o = seen.get(key);
          const f = o && facts(o);
          if (f && !f.terminal && f.nodeName !== '' && (h.uid === null || h.uid === f.uid)) continue;
          if (this.isAssumed(key, h.uid ?? '')) continue;
          state.mirrorGone('Pod', h.namespace, h.name);
        }
        for (const o of items) this.podEvent('MODIFIED', o, collection);
        this.metrics?.showWaiting(this.waiting.size, this.reads.size);
        this.listener?.pods(items);
      },
      event: (type, o) => {
        const bound = this.podEvent(type, o, collection);
        this.metrics?.showWaiting(this.waiting.size, this.reads.size);
        this.listener?.pod(type, o);
        if (bound) this.podBound?.(bound.namespace, bound.name);
      },
    };
  }

  /** Apply one pod event; returns the pod when the event shows it bound. */
  private podEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', o: Obj, collection: string): { namespace: string; name: string } | undefined {
    const f = facts(o);
    const state = this.state();
    if (type === 'DELETED' || f.terminal) {
      // only this incarnation: a pod re-created under the name (and bound by placer) may be known already
      const same = (uid: string | null | undefined): boolean => !uid || f.uid === '' || uid === f.uid;
      if (same(this.bound.get(f.key)?.uid)) this.bound.delete(f.key);
      const pending = this.unbound.get(f.key);
      if (pending && same(facts(pending).uid)) this.unbound.delete(f.key);
      if (same(this.waiting.get(f.key)?.instances[0].uid)) this.waiting.delete(f.key);
      if (same(this.assumed.get(f.key)?.uid)) this.assumed.delete(f.key);
      if (same(this.reads.get(f.key)?.uid)) this.reads.delete(f.key);
      this.note('Pod', [], [`Pod ${f.key}`], false);
      state.mirrorGone('Pod', f.namespace, f.name, f.uid || undefined);
      return;
    }
    if (f.nodeName === '') {
      this.bound.delete(f.key);
      this.waiting.delete(f.key);
      this.unbound.set(f.key, o);
      // placer holds it but the API says unbound: an older incarnation, or a bind that did not land
      const h = state.heldPod(f.namespace, f.name);
      if (h && !this.isAssumed(f.key, f.uid)) {
        state.mirrorGone('Pod', f.namespace, f.name);
        this.reads.delete(f.key);
      }
      return;
    }
    this.boundEvent(f, o, collection);
    return f;
  }

  /** A pod the watch shows bound: held where it runs (parsed again only when it reads differently). */
  private boundEvent(f: PodFacts, o: Obj, collection: string): void {
    const state = this.state();
    this.unbound.delete(f.key);
    this.bound.set(f.key, { uid: f.uid, node: f.nodeName });
    this.assumed.delete(f.key); // confirmed
    // held here already, from a version that reads the same: nothing to parse, nothing changes
    const held = state.heldPod(f.namespace, f.name);
    const last = this.reads.get(f.key);
    const from = last?.from;
    if (last) last.from = undefined; // compared with this version once; not kept longer than that
    if (
      held &&
      held.uid === f.uid &&
      held.host === f.nodeName &&
      last?.uid === f.uid &&
      ((from !== undefined && sameReads(from, o)) || last.reads === podReads(o))
    ) {
      this.metrics?.podVersions.inc({ read: 'unchanged' });
      return;
    }
    this.metrics?.podVersions.inc({ read: 'parsed' });
    let t: WorkloadTemplate | undefined;
    try {
      t = this.parsePod(o, collection, true);
      this.note('Pod', [], [`Pod ${f.key}`], false);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // placer cannot read this version: a placement it holds stays as it was
      this.note('Pod', [{ object: `Pod ${f.key}`, message: err.message }], [], false);
      return;
    }
    if (!t) return;
    if (this.place(f.key, t)) this.heldFrom(o, podReads(o), false);
    else this.reads.delete(f.key);
  }

  /**
   * A pod's template, read with its PodGroup when it names one. A pending pod whose PodGroup placer
   * has not seen is an InputError (no PodGroup with name …); a bound one (`bound`) is read as a
   * gang of one: its gang no longer matters.
   */
  parsePod(o: Obj, collection: string, bound = false): WorkloadTemplate | undefined {
    const md = isObj(o.metadata) ? o.metadata : {};
    const labels = isObj(md.labels) ? md.labels : {};
    const group = labels[POD_GROUP_LABEL];
    const manifests = [manifestOf(o, objectPath(o, collection))];
    let pg: Obj | undefined;
    if (typeof group === 'string' && group !== '') {
      const namespace = facts(o).namespace;
      pg =
        this.podGroups.get(`${namespace}/${group}`) ??
        (bound ? { apiVersion: PODGROUP_API, kind: 'PodGroup', metadata: { name: group, namespace }, spec: { minMember: 1 } } : undefined);
      if (pg) manifests.push(manifestOf(pg, `/apis/${PODGROUP_API}/namespaces/${namespace}/podgroups/${group}`));
    }
    // the content key is one JSON value, so the PodGroup's JSON after it cannot make two pairs read alike
    const content = podContentKey(o, collection);
    const key = content === undefined || pg === undefined ? content : content + JSON.stringify(pg);
    const kept = key === undefined ? undefined : this.parses.template(key, o);
    // a parse differs from the kept one only in the instance (the memo's) and the source, which names the pod
    if (kept) return { ...kept, source: manifests[0].source };
    const t = parseManifests(manifests).workloads[0];
    if (t && key !== undefined) this.parses.keep(key, t);
    return t;
  }

  private podGroupHandler(): ReflectorHandler {
    const keyOf = (o: Obj): string => facts(o).key;
    return {
      replace: (items) => {
        this.podGroups.clear();
        for (const o of items) this.podGroups.set(keyOf(o), o);
        this.listener?.changed('PodGroup');
      },
      event: (type, o) => {
        if (type === 'DELETED') this.podGroups.delete(keyOf(o));
        else this.podGroups.set(keyOf(o), o);
        this.listener?.changed('PodGroup', facts(o).namespace);
      },
    };
  }

  /** Hold a bound pod as `t` says; false when placer does not hold it so (its host unknown yet, or refused). */
  private place(key: string, t: WorkloadTemplate): boolean {
    let r: ReturnType<PlacerState['mirrorRunning']>;
    try {
      r = this.state().mirrorRunning(t);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.note('Pod', [{ object: `Pod ${key}`, message: err.message }], [], false);
      return false;
    }
    if (r === 'unknown-host') this.waiting.set(key, t);
    else this.waiting.delete(key);
    return r !== 'unknown-host';
  }

  /** Bound pods that waited for a Node: `host` appeared (undefined: any). */
  private retryWaiting(host: string | undefined): void {
    for (const [key, t] of [...this.waiting]) {
      if (host === undefined || t.instances[0].boundHost === host) this.place(key, t);
    }
    this.metrics?.showWaiting(this.waiting.size);
  }

  // ------------------------------------------------------------------ VirtualMachines

  private vmHandler(collection: string): ReflectorHandler {
    return {
      replace: (items) => {
        const state = this.state();
        const onHost = new Map<string, Obj>();
        for (const o of items) if (vmHost(o) !== '') onHost.set(facts(o).key, o);
        this.vms.clear();
        this.vmWaiting.clear();
        this.note('VirtualMachine', [], [], true);
        // what placer holds and the API does not show on a host any more: released
        for (const h of state.placements()) {
          if (h.kind !== 'VirtualMachine') continue;
          const o = onHost.get(`${h.namespace}/${h.name}`);
          if (o && (h.uid === null || h.uid === facts(o).uid)) continue;
          state.mirrorGone('VirtualMachine', h.namespace, h.name);
        }
        for (const o of items) this.vmEvent('MODIFIED', o, collection);
        this.vmGauges();
      },
      event: (type, o) => {
        this.vmEvent(type, o, collection);
        this.vmGauges();
      },
    };
  }

  private vmEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', o: Obj, collection: string): void {
    const f = facts(o);
    const state = this.state();
    const label = `VirtualMachine ${f.key}`;
    if (type === 'DELETED' || vmHost(o) === '') {
      // gone, or not on a host (not placed yet, or its host cleared): holds nothing
      this.vms.delete(f.key);
      this.vmWaiting.delete(f.key);
      this.note('VirtualMachine', [], [label], false);
      if (state.mirrorGone('VirtualMachine', f.namespace, f.name, f.uid || undefined))
        this.listener?.changed('VirtualMachine', f.namespace);
      return;
    }
    let vm: VMObj | undefined;
    try {
      vm = parseManifests([manifestOf(o, objectPath(o, collection))]).vms[0];
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // placer cannot read this version: a placement it holds stays as it was
      this.note('VirtualMachine', [{ object: label, message: err.message }], [], false);
      return;
    }
    if (!vm) return;
    this.vms.set(f.key, vm);
    this.placeVm(f.key, vm);
  }

  private placeVm(key: string, vm: VMObj): void {
    const label = `VirtualMachine ${key}`;
    const state = this.state();
    let r: ReturnType<PlacerState['mirrorRunning']>;
    try {
      const t = state.mirrorVmWorkload(vm);
      if (!t) {
        this.vmWaiting.set(key, 'class');
        this.note('VirtualMachine', [], [label], false);
        // its class is gone (or not seen yet): a VM placer holds keeps the size it was accounted
        // with, and follows its host (a vMotion meanwhile must not leave the usage behind)
        state.mirrorMoved('VirtualMachine', vm.namespace, vm.name, vm.boundHost!);
        return;
      }
      r = state.mirrorRunning(t);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.vmWaiting.delete(key);
      this.note('VirtualMachine', [{ object: label, message: err.message }], [], false);
      return;
    }
    this.note('VirtualMachine', [], [label], false);
    if (r === 'unknown-host') this.vmWaiting.set(key, 'host');
    else this.vmWaiting.delete(key);
  }

  /** Place (again) the VMs on a host that `which` selects: their class changed, or their Node came. */
  private retryVms(which: (vm: VMObj, key: string) => boolean): void {
    for (const [key, vm] of [...this.vms]) if (which(vm, key)) this.placeVm(key, vm);
    this.vmGauges();
  }

  private vmGauges(): void {
    let cls = 0;
    for (const w of this.vmWaiting.values()) if (w === 'class') cls++;
    this.metrics?.vmsPending.set({ reason: 'class' }, cls);
    this.metrics?.vmsPending.set({ reason: 'host' }, this.vmWaiting.size - cls);
  }
}

function rawNamespace(o: Obj): string {
  const md = isObj(o.metadata) ? o.metadata : {};
  return typeof md.namespace === 'string' ? md.namespace : '';
}

/** A VirtualMachine's host: status.nodeName (v1alpha5+) or status.host (v1alpha1..4). */
function vmHost(o: Obj): string {
  const st = isObj(o.status) ? o.status : {};
  if (typeof st.nodeName === 'string' && st.nodeName !== '') return st.nodeName;
  return typeof st.host === 'string' ? st.host : '';
}
