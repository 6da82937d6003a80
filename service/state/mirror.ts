// Kubernetes mode (service/apiserver/): the API server holds the truth and these use cases mirror
// it into the state, without placer's own admission rules — a cordon that leaves a reservation
// unhonourable, or pods that overcommit a host, still happened. The store is in memory
// (store.ts MEMORY) and a start relists everything. A deleted Node that still holds workloads
// stays as an unschedulable "ghost" until the API says they are gone, as kube-scheduler keeps a
// removed node's pods.

import { InputError } from '../../model/errors.js';
import type { HostObj, VMClassObj, VMObj, WorkloadTemplate } from '../../model/types.js';
import { parseManifests, resolveVirtualMachine, type Manifest } from '../manifests/index.js';
import type { StateCore } from './core.js';
import { settlePodPriority } from './extender.js';
import { heldOf, type Held } from './held.js';
import { CLUSTER_SCOPED, entriesOf, infraKey, syncEngine, type InfraChange, type InfraEntry, type InfraKind } from './infra.js';
import { shapeOf, templateOf } from './shapes.js';

export type MirrorResult = 'held' | 'unchanged' | 'unknown-host';

/** An object the mirror could not take, and why. */
export interface Rejected {
  object: string;
  message: string;
}

export class Mirror {
  /** Hosts whose Node is deleted but which still hold workloads: unschedulable until they hold none. */
  private readonly ghostHosts = new Set<string>();

  constructor(private readonly core: StateCore) {}

  /**
   * Mirror infrastructure objects of one kind: upsert `upserts` and delete `deletes`, or with
   * `replaceAll` make `upserts` the complete set of the kind. An object placer cannot read is
   * skipped (its previous version, if any, stays) and reported; everything else applies.
   */
  objects(
    kind: InfraKind,
    upserts: readonly Manifest[],
    deletes: readonly { namespace: string; name: string }[],
    replaceAll = false,
  ): Rejected[] {
    const { infra } = this.core;
    const rejected: Rejected[] = [];
    const rejectedKeys = new Set<string>();
    const incoming: InfraEntry[] = [];
    for (const m of upserts) {
      const md = (m.obj.metadata ?? {}) as Record<string, unknown>;
      const ns = CLUSTER_SCOPED.has(kind)
        ? ''
        : typeof md.namespace === 'string' && md.namespace !== ''
          ? md.namespace
          : kind === 'VirtualMachineClass'
            ? '' // cluster-scoped (v1alpha1)
            : 'default';
      const name = typeof md.name === 'string' ? md.name : '';
      const object = `${kind} ${ns === '' ? name : `${ns}/${name}`}`;
      try {
        const e = entriesOf(parseManifests([m]), [m]).find((x) => x.kind === kind);
        if (!e) throw new InputError(m.source, '', `not a ${kind}`);
        if (kind === 'NamespacePolicy') {
          // the API server does not stop a second policy in a namespace; placer applies the first it has
          const other = infra
            .ofKind(kind)
            .find(
              (o) =>
                o.namespace === e.namespace && o.name !== e.name && !deletes.some((d) => d.namespace === o.namespace && d.name === o.name),
            );
          if (other)
            throw new InputError(
              m.source,
              '',
              `namespace ${e.namespace} already has NamespacePolicy ${other.name}; placer applies one NamespacePolicy per namespace`,
              object,
            );
        }
        incoming.push(e);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        rejected.push({ object, message: err.message });
        rejectedKeys.add(infraKey(kind, ns, name));
      }
    }
    const gone = new Map<string, InfraEntry>();
    for (const d of deletes) {
      const e = infra.get(kind, CLUSTER_SCOPED.has(kind) ? '' : d.namespace, d.name);
      if (e) gone.set(infraKey(e.kind, e.namespace, e.name), e);
    }
    if (replaceAll) {
      const keep = new Set([...incoming.map((e) => infraKey(e.kind, e.namespace, e.name)), ...rejectedKeys]);
      for (const e of infra.ofKind(kind))
        if (!keep.has(infraKey(e.kind, e.namespace, e.name))) gone.set(infraKey(e.kind, e.namespace, e.name), e);
    }
    const changed = incoming.filter((e) => infra.get(e.kind, e.namespace, e.name)?.manifest !== e.manifest);
    const removed = [...gone.values()];
    try {
      this.sync({ changed, removed });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // one object the engine refuses (an amount beyond its range): find it, apply the others
      if (changed.length + removed.length === 1)
        rejected.push({ object: `${kind} ${changed[0]?.name ?? removed[0].name}`, message: err.message });
      else {
        for (const c of changed) {
          try {
            this.sync({ changed: [c] });
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
            rejected.push({ object: `${kind} ${c.name}`, message: e.message });
          }
        }
        if (removed.length > 0) this.sync({ removed });
      }
    }
    return rejected;
  }

  /** The change into the engine, the store and the table, as one transaction; a removed host that holds workloads turns ghost. */
  private sync(change: InfraChange): void {
    const { core, ghostHosts } = this;
    const changed = change.changed ?? [];
    const removed = change.removed ?? [];
    if (changed.length === 0 && removed.length === 0) return;
    core.transact((undo) => {
      const ghostsBefore = new Set(ghostHosts);
      undo.push(() => {
        ghostHosts.clear();
        for (const g of ghostsBefore) ghostHosts.add(g);
      });
      for (const c of changed) if (c.kind === 'Node') ghostHosts.delete(c.name);
      syncEngine(core.engine, core.infra, change, undo, (h: HostObj) => {
        if (core.held.heldOn(h.name) > 0) {
          core.engine.upsertHosts([{ ...h, unschedulable: true }]);
          ghostHosts.add(h.name);
        } else core.engine.removeHost(h.name);
      });
      core.store.commit({
        putObjects: changed.map((c) => ({ kind: c.kind, namespace: c.namespace, name: c.name, manifest: c.manifest })),
        deleteObjects: removed.map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.name })),
      });
      core.infra.update(change);
    });
  }

  /**
   * A workload the API server says runs on a host (a pod with spec.nodeName, not finished): held
   * without placer's checks. A held placement of the same name with another uid, host or shape is
   * replaced. 'unknown-host' when placer has no such host (yet): nothing changes.
   */
  running(t: WorkloadTemplate): MirrorResult {
    const { core } = this;
    core.dropIgnored(t);
    const inst = t.instances[0];
    const host = inst.boundHost!;
    if (!core.engine.hostObj(host)) return 'unknown-host';
    settlePodPriority(core.infra, t);
    const uid = inst.uid ?? null;
    const h = core.held.get(t.kind, t.namespace, inst.name);
    const shape = shapeOf(t, core.engine.compile(t).priority);
    if (h && h.host === host && h.shape === shape && h.uid === uid) return 'unchanged';
    core.transact((undo) => {
      const e = core.engine;
      if (h) {
        e.release(h.kind, h.namespace, h.name);
        undo.push(() => e.bind(templateOf(h.shape, [{ name: h.name, ...(h.uid !== null && { uid: h.uid }) }]), 0, h.host));
      }
      e.bind(t, 0, host);
      undo.push(() => e.release(t.kind, t.namespace, inst.name));
      // the same incarnation on the same host (a bind placer made, now confirmed) keeps its origin
      const same = h !== undefined && (h.uid === uid || h.uid === null) && h.host === host;
      const rec = heldOf(t, inst.name, uid, host, same ? h.origin : 'existing', shape);
      core.store.commit({
        ...(h && { deletePlacements: [{ kind: h.kind, namespace: h.namespace, name: h.name }] }),
        putPlacements: [{ ...rec }],
      });
      if (h) core.untrack(h);
      core.track(rec);
    });
    if (h && h.host !== host) this.dropGhost(h.host);
    return 'held';
  }

  /**
   * Move a held workload to `host` as placer holds it (its stored shape): a VM whose class placer
   * no longer has keeps the size it was accounted with. undefined when placer holds none.
   */
  moved(kind: string, namespace: string, name: string, host: string): MirrorResult | undefined {
    const h = this.core.held.get(kind, namespace, name);
    if (!h) return undefined;
    return this.running(
      templateOf(h.shape, [{ name: h.name, ...(h.uid !== null && { uid: h.uid }), boundHost: host }], h.owner ?? undefined),
    );
  }

  /** Hold `h` again exactly as it was (a bind that had released it to make room for a new incarnation failed). */
  restore(h: Held): MirrorResult {
    return this.running(
      templateOf(h.shape, [{ name: h.name, ...(h.uid !== null && { uid: h.uid }), boundHost: h.host }], h.owner ?? undefined),
    );
  }

  /**
   * A VirtualMachine as a workload, sized by its class among the mirrored VirtualMachineClasses
   * (the rule of service/manifests/vm.ts, as in standalone mode). undefined: its class is not known
   * (yet). An InputError for a VM placer cannot size.
   */
  vmWorkload(vm: VMObj): WorkloadTemplate | undefined {
    return resolveVirtualMachine(vm, this.core.infra.models<VMClassObj>('VirtualMachineClass'), {
      cpuMhzPerCore: this.core.opts.cpuMhzPerCore,
    });
  }

  /** Forget a workload the API server says is gone or finished (only incarnation `uid` when given); false when placer held none. */
  gone(kind: string, namespace: string, name: string, uid?: string): boolean {
    const { core } = this;
    const h = core.held.get(kind, namespace, name);
    if (!h || (uid !== undefined && h.uid !== null && h.uid !== uid)) return false;
    core.store.commit({ deletePlacements: [{ kind, namespace, name }] });
    core.engine.release(kind, namespace, name);
    core.untrack(h);
    this.dropGhost(h.host);
    return true;
  }

  /** A deleted Node's host goes once it holds nothing. */
  private dropGhost(host: string): void {
    if (this.ghostHosts.has(host) && this.core.held.heldOn(host) === 0) {
      this.core.engine.removeHost(host);
      this.ghostHosts.delete(host);
    }
  }
}
