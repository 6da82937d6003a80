// The service's state: the placement engine (in memory, Wasm) and the store (on disk) kept equal.
//
// Every mutation — apply, extender bind, release, host refresh, host removal — runs synchronously
// from check to commit: the engine decides and commits in memory, the store commits the same
// change in one durable transaction, and only then does the route answer. Node runs one request's
// synchronous code at a time, so two requests never interleave between a check and its commit:
// capacity and quota are never double-booked. If the store write fails, the engine change is
// undone, so memory never holds what the disk does not.
//
// A restart rebuilds the engine from the store: infrastructure objects through the same adapters
// as the CLI, then every placement bound back, one shape (template) at a time.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { disruptionsAllowed, pdbSelects } from '../../core-wasm/src/disruption.js';
import {
  Engine,
  type Assessment,
  type BackendName,
  type EvictionReport,
  type Explanation,
  type Outcome,
  type PlanReport,
} from '../../core-wasm/src/engine.js';
import { NumberLiteral } from '../manifests/fields.js';
import { parseManifests, parseText, resolveInput, resolveVirtualMachine, type Manifest } from '../manifests/index.js';
import { parseSelectorString } from '../manifests/labels.js';
import { resourceVersionOf } from '../manifests/meta.js';
import { checkOnePolicyPerNamespace } from '../manifests/policy.js';
import { checkSingleGlobalDefault } from '../manifests/priority.js';
import { InputError } from '../../model/errors.js';
import type {
  HostObj,
  NamespaceObj,
  PodDisruptionBudgetObj,
  NamespacePolicyObj,
  ParsedInput,
  PriorityClassObj,
  QuotaObj,
  SourceRef,
  Strategy,
  VMClassObj,
  VMObj,
  WorkloadInstance,
  WorkloadTemplate,
} from '../../model/types.js';
import { type PlanDoc, namespaceUsageDoc, planDoc } from '../placement/plans.js';
import { buildResult, type PlacementResult } from '../placement/result.js';
import { isPdb, readPdb, type PdbObj } from './pdb.js';
import { HeldTable, type Held, type HeldRun } from './held.js';
import { PendingSet, type PendingWorkload } from './pending.js';
import { shapeOf, templateOf } from './shapes.js';
import { badRequest, conflict, notFound } from './errors.js';
import { Store, type ObjectKey, type PlacementOrigin, type StoredPlacement } from './store.js';

export type InfraKind =
  'Node' | 'ResourceQuota' | 'NamespacePolicy' | 'PriorityClass' | 'VirtualMachineClass' | 'PodDisruptionBudget' | 'Namespace';

type InfraModel = HostObj | QuotaObj | NamespacePolicyObj | PriorityClassObj | VMClassObj | PdbObj | NamespaceObj;

interface InfraEntry {
  kind: InfraKind;
  namespace: string;
  name: string;
  /** What the store keeps (a Node is reduced to what placement reads, see nodeManifest). */
  manifest: string;
  model: InfraModel;
}

export type { Held } from './held.js';

export interface StateOptions {
  dataDir: string;
  backend?: BackendName;
  strategy?: Strategy;
  cpuMhzPerCore?: number;
  /** Pods seen by the extender's filter, kept (LRU) so that bind knows their shape. */
  podCacheSize?: number;
  /**
   * Resources placer does not account (kube-scheduler's NodeResourcesFit ignoredResources), such
   * as the marker an extender's managedResources selects pods by: dropped from every workload.
   */
  ignoredResources?: readonly string[];
}

export interface ApplyOutcome {
  result: PlacementResult;
  /** Workload instances placed by this call / not placed / already held or already running. */
  placed: number;
  unplaced: number;
  existing: number;
}

export interface Victim {
  uid: string;
  /** `kind/namespace/name` of a placement placer holds, when it holds one. */
  key?: string;
  namespace?: string;
  name?: string;
  labels?: ReadonlyMap<string, string>;
}

const wkey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;
const ikey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

const REQUEST_BODY = 'request body';
/** Distinct pod texts whose templates the extender keeps (filter, prioritize and retries of recent pods). */
const POD_TEXT_CACHE = 256;

/** A parsed extender pod; `priorityClass` when its priority depends on whether placer knows that PriorityClass. */
interface ParsedPod {
  t: WorkloadTemplate;
  priorityClass?: string;
  classKnown: boolean;
}

const MARK = '\u0000placer-number\u0000';
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A manifest as JSON text that re-reads to the same objects: numbers read from YAML (kept as
 * NumberLiteral, big integers included) stay JSON numbers with every digit they were written with.
 */
export function manifestJson(obj: unknown): string {
  return JSON.stringify(obj, function (this: Record<string, unknown>, key, v) {
    const orig = this[key];
    if (orig instanceof NumberLiteral) {
      const raw = JSON_NUMBER.test(orig.source)
        ? orig.source
        : typeof orig.value === 'bigint'
          ? orig.value.toString()
          : Number.isFinite(orig.value)
            ? String(orig.value)
            : undefined;
      if (raw !== undefined) return `${MARK}${raw}${MARK}`;
    }
    return v;
  }).replace(/"\\u0000placer-number\\u0000(-?[0-9.eE+]+)\\u0000placer-number\\u0000"/g, '$1');
}

/**
 * A Node reduced to what placement reads — name, labels, taints, unschedulable, capacity,
 * allocatable — so that heartbeats and image lists do not rewrite the store, and an unchanged
 * host is recognised by its text.
 */
export function nodeManifest(obj: Record<string, unknown>, name: string): string {
  const o = (v: unknown): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const md = o(obj.metadata);
  const spec = o(obj.spec);
  const status = o(obj.status);
  const taints = Array.isArray(spec.taints)
    ? spec.taints.map((t) => ({ key: o(t).key, value: o(t).value, effect: o(t).effect }))
    : undefined;
  return manifestJson({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(md.labels != null && { labels: md.labels }) },
    spec: { ...(taints && { taints }), ...(spec.unschedulable != null && { unschedulable: spec.unschedulable }) },
    status: {
      ...(status.capacity != null && { capacity: status.capacity }),
      ...(status.allocatable != null && { allocatable: status.allocatable }),
    },
  });
}

export class PlacerState {
  engine: Engine;
  readonly store: Store;
  readonly strategy: Strategy;
  private readonly opts: Required<Omit<StateOptions, 'strategy'>> & { strategy: Strategy };
  private infra = new Map<string, InfraEntry>();
  /**
   * Per node name: the resourceVersion of the last Node refreshNodes found equal to (or made) the
   * mirror's entry, with that entry. The API server changes resourceVersion on every write, so the
   * same version against the same entry object is the same Node: no reduction, no comparison.
   * Entries are replaced, never changed, so any other write of the host shows as another object.
   */
  private readonly nodeVersions = new Map<string, { rv: string; entry: InfraEntry }>();
  /** Every placement placer holds, with counts per host, namespace and both (columnar, see held.ts). */
  private held = new HeldTable();
  /** What apply could not place, with the reason (the console's namespaces view). */
  readonly pending = new PendingSet();
  private readonly podCache = new Map<string, WorkloadTemplate>();
  private readonly shapeTemplates = new Map<string, WorkloadTemplate>();
  /** Pods by the exact request text they came in (podTemplateCached). */
  private readonly podTextCache = new Map<string, ParsedPod>();

  private constructor(opts: StateOptions) {
    this.opts = {
      dataDir: opts.dataDir,
      backend: opts.backend ?? 'wasm',
      strategy: opts.strategy ?? 'LeastAllocated',
      cpuMhzPerCore: opts.cpuMhzPerCore ?? 2000,
      podCacheSize: opts.podCacheSize ?? 50_000,
      ignoredResources: opts.ignoredResources ?? [],
    };
    this.strategy = this.opts.strategy;
    this.store = Store.open(opts.dataDir);
    this.engine = this.newEngine();
  }

  private newEngine(): Engine {
    return new Engine({ backend: this.opts.backend, strategy: this.opts.strategy, trackPlacements: true });
  }

  /** Open the store and rebuild the engine from it, yielding to the event loop between batches. */
  static async open(opts: StateOptions): Promise<PlacerState> {
    const s = new PlacerState(opts);
    for (const _ of s.loadSteps()) await yieldToLoop();
    return s;
  }

  isEmpty(): boolean {
    return this.store.isEmpty();
  }

  close(): void {
    this.store.close();
  }

  // ------------------------------------------------------------------ loading

  /** Rebuild everything from the store; each yield is a point where the caller may pause. */
  private *loadSteps(): Generator<void> {
    this.engine = this.newEngine();
    this.infra = new Map();
    this.held = new HeldTable();
    const rows = this.store.objects();
    // parseText, not JSON.parse: long numbers keep every digit
    const manifests: Manifest[] = rows.map((r, doc) => ({
      ...parseText(r.manifest, 'store')[0],
      source: { file: 'store', doc, path: '' },
    }));
    const parsed = parseManifests(manifests);
    const entries = this.entriesOf(parsed, manifests);
    for (const e of entries) this.infra.set(ikey(e.kind, e.namespace, e.name), e);
    const input = resolveInput(parsed, { cpuMhzPerCore: this.opts.cpuMhzPerCore });
    this.engine.setPriorityClasses(input.priorityClasses);
    this.engine.upsertHosts(input.hosts);
    this.engine.setQuotas(input.quotas);
    this.engine.setPolicies(input.policies);
    this.engine.setNamespaces(input.namespaces ?? []);
    this.engine.setPdbs(input.pdbs ?? []);
    yield;
    const shapes = this.store.shapes();
    for (const { shapeId, common, rows } of this.store.placementBatches()) {
      const body = shapes.get(shapeId);
      if (body === undefined) {
        const r = rows[0];
        throw new Error(
          `store: placement ${common?.kind ?? r[4]} ${common?.namespace ?? r[5]}/${r[0]} references missing shape ${shapeId}`,
        );
      }
      const n = rows.length;
      const names: string[] = new Array(n);
      const uids: (string | null)[] = new Array(n);
      const hosts = new Int32Array(n);
      const instances: WorkloadInstance[] = new Array(n);
      for (let k = 0; k < n; k++) {
        const [name, uid, text] = rows[k];
        // the table's one string per host name, for every instance bound there (each row brings a copy)
        const hid = this.held.hostId(text);
        const host = this.held.hostName(hid);
        names[k] = name;
        uids[k] = uid;
        hosts[k] = hid;
        instances[k] = uid !== null ? { name, uid, boundHost: host } : { name, boundHost: host };
      }
      // one template per shape: the engine compiles it, then commits every instance
      this.engine.bindExisting([templateOf(body, instances)]);
      if (common) {
        this.held.addRun({ ...common, shape: body }, names, uids, hosts, 0, n);
        yield;
        continue;
      }
      // rows that differ in kind, namespace, owner or origin: the table takes runs that agree
      let start = 0;
      while (start < n) {
        const a = rows[start];
        let end = start + 1;
        while (end < n) {
          const b = rows[end];
          if (b[4] !== a[4] || b[5] !== a[5] || b[6] !== a[6] || b[7] !== a[7]) break;
          end++;
        }
        const run: HeldRun = { kind: a[4]!, namespace: a[5]!, owner: a[6]!, origin: a[7]!, shape: body };
        this.held.addRun(run, names, uids, hosts, start, end);
        start = end;
      }
      yield;
    }
  }

  /** Rebuild from the store, synchronously: the last resort when an undo fails. */
  private reload(): void {
    for (const _ of this.loadSteps());
  }

  /** Pair every parsed infrastructure object with its manifest (by source) and key. */
  private entriesOf(parsed: ParsedInput, manifests: readonly Manifest[]): InfraEntry[] {
    const bySource = new Map<SourceRef, Manifest>(manifests.map((m) => [m.source, m]));
    const text = (src: SourceRef): string => manifestJson(bySource.get(src)!.obj);
    const out: InfraEntry[] = [];
    for (const h of parsed.hosts)
      out.push({ kind: 'Node', namespace: '', name: h.name, manifest: nodeManifest(bySource.get(h.source)!.obj, h.name), model: h });
    for (const q of parsed.quotas)
      out.push({ kind: 'ResourceQuota', namespace: q.namespace, name: q.name, manifest: text(q.source), model: q });
    for (const p of parsed.policies)
      out.push({ kind: 'NamespacePolicy', namespace: p.namespace, name: p.name, manifest: text(p.source), model: p });
    for (const p of parsed.priorityClasses)
      out.push({ kind: 'PriorityClass', namespace: '', name: p.name, manifest: text(p.source), model: p });
    for (const c of parsed.vmClasses)
      out.push({ kind: 'VirtualMachineClass', namespace: c.namespace ?? '', name: c.name, manifest: text(c.source), model: c });
    for (const n of parsed.namespaces ?? [])
      out.push({ kind: 'Namespace', namespace: '', name: n.name, manifest: text(n.source), model: n });
    const seenPdb = new Set<string>();
    // the adapters' PodDisruptionBudgets when they read them, else placer's own reader
    const pdbs: PdbObj[] = parsed.pdbs ?? manifests.filter(isPdb).map(readPdb);
    for (const p of pdbs) {
      const m = bySource.get(p.source)!;
      if (!isPdb(m)) continue;
      const k = `${p.namespace}/${p.name}`;
      if (seenPdb.has(k))
        throw new InputError(m.source, '', `duplicate object: PodDisruptionBudget ${k} appears twice`, `PodDisruptionBudget ${k}`);
      seenPdb.add(k);
      const status = (m.obj.status ?? {}) as Record<string, unknown>;
      const model: PdbObj =
        typeof status.disruptionsAllowed === 'number' && (p as PdbObj).disruptionsAllowed === undefined
          ? { ...p, disruptionsAllowed: status.disruptionsAllowed }
          : p;
      out.push({ kind: 'PodDisruptionBudget', namespace: p.namespace, name: p.name, manifest: text(p.source), model });
    }
    return out;
  }

  private modelsOf<T extends InfraModel>(kind: InfraKind, infra: ReadonlyMap<string, InfraEntry> = this.infra): T[] {
    const out: T[] = [];
    for (const e of infra.values()) if (e.kind === kind) out.push(e.model as T);
    return out;
  }

  private track(h: Held): void {
    this.held.add(h);
  }

  private untrack(h: Held): void {
    this.held.remove(h.kind, h.namespace, h.name);
  }

  /** Run a mutation; if it throws, undo what it did in reverse order (or rebuild from the store). */
  private transact<T>(fn: (undo: (() => void)[]) => T): T {
    const undo: (() => void)[] = [];
    try {
      return fn(undo);
    } catch (err) {
      try {
        for (let i = undo.length - 1; i >= 0; i--) undo[i]();
      } catch {
        this.reload();
      }
      throw err;
    }
  }

  // ------------------------------------------------------------------ apply

  /**
   * Upsert the infrastructure objects of `manifests` and place their workloads. Everything is
   * validated before anything changes; on any error nothing has changed.
   */
  apply(manifests: readonly Manifest[]): ApplyOutcome {
    const parsed = parseManifests(manifests);
    const incoming = this.entriesOf(parsed, manifests);

    // the merged infrastructure: what the store holds, with this request's objects upserted
    const merged = new Map(this.infra);
    const changed: InfraEntry[] = [];
    for (const e of incoming) {
      const k = ikey(e.kind, e.namespace, e.name);
      if (this.infra.get(k)?.manifest === e.manifest) continue;
      merged.set(k, e);
      changed.push(e);
    }
    const changedKinds = new Set(changed.map((e) => e.kind));
    const mergedParsed: ParsedInput = {
      hosts: this.modelsOf('Node', merged),
      quotas: this.modelsOf('ResourceQuota', merged),
      policies: this.modelsOf('NamespacePolicy', merged),
      priorityClasses: this.modelsOf('PriorityClass', merged),
      vmClasses: this.modelsOf('VirtualMachineClass', merged),
      pdbs: this.modelsOf('PodDisruptionBudget', merged),
      namespaces: this.modelsOf('Namespace', merged),
      workloads: parsed.workloads,
      vms: parsed.vms,
      ignored: [],
    };
    checkOnePolicyPerNamespace(mergedParsed.policies);
    checkSingleGlobalDefault(mergedParsed.priorityClasses);
    const input = resolveInput(mergedParsed, { cpuMhzPerCore: this.opts.cpuMhzPerCore });
    for (const t of input.workloads) this.dropIgnored(t);
    const hostNames = new Set(input.hosts.map((h) => h.name));

    // Split every instance: already held by placer, already running (bind), or to place.
    interface Split {
      t: WorkloadTemplate;
      heldHost: (string | null)[];
      bind: number[];
      place: number[];
    }
    const splits: Split[] = input.workloads.map((t) => {
      const s: Split = { t, heldHost: t.instances.map(() => null), bind: [], place: [] };
      t.instances.forEach((inst, j) => {
        const h = this.held.get(t.kind, t.namespace, inst.name);
        if (h) {
          if (inst.boundHost !== undefined && inst.boundHost !== h.host) {
            throw conflict(
              `${t.kind} ${t.namespace}/${inst.name} runs on host ${h.host} according to placer, not on ${inst.boundHost}; release it first`,
              { kind: t.kind, name: inst.name },
            );
          }
          s.heldHost[j] = h.host;
        } else if (inst.boundHost !== undefined) {
          if (!hostNames.has(inst.boundHost)) {
            const field = t.kind === 'Pod' ? 'spec.nodeName' : 'status.nodeName';
            throw new InputError(
              t.source,
              field,
              `host ${JSON.stringify(inst.boundHost)} is not among the hosts`,
              `${t.kind} ${t.namespace}/${inst.name}`,
            );
          }
          s.bind.push(j);
        } else s.place.push(j);
      });
      return s;
    });
    const subset = (t: WorkloadTemplate, idx: number[]): WorkloadTemplate => ({ ...t, instances: idx.map((j) => t.instances[j]) });

    return this.transact((undo) => {
      const e = this.engine;
      if (changedKinds.has('PriorityClass')) {
        const prev = this.engineClasses();
        e.setPriorityClasses(input.priorityClasses);
        undo.push(() => e.setPriorityClasses(prev));
      }
      const hosts = changed.filter((c) => c.kind === 'Node').map((c) => c.model as HostObj);
      if (hosts.length > 0) {
        const prev = hosts.map((h) => this.infra.get(ikey('Node', '', h.name))?.model as HostObj | undefined);
        undo.push(() => {
          hosts.forEach((h, i) => (prev[i] ? e.upsertHosts([prev[i]!]) : e.removeHost(h.name)));
        });
        e.upsertHosts(hosts);
      }
      if (changedKinds.has('ResourceQuota')) {
        const prev = this.modelsOf<QuotaObj>('ResourceQuota');
        undo.push(() => e.setQuotas(prev));
        e.setQuotas(input.quotas);
      }
      if (changedKinds.has('NamespacePolicy')) {
        const prev = this.modelsOf<NamespacePolicyObj>('NamespacePolicy');
        undo.push(() => e.setPolicies(prev));
        e.setPolicies(input.policies);
      }
      if (changedKinds.has('Namespace')) {
        const prev = this.modelsOf<NamespaceObj>('Namespace');
        undo.push(() => e.setNamespaces(prev));
        e.setNamespaces(input.namespaces ?? []);
      }
      if (changedKinds.has('PodDisruptionBudget')) {
        const prev = this.modelsOf<PodDisruptionBudgetObj>('PodDisruptionBudget');
        undo.push(() => e.setPdbs(prev));
        e.setPdbs(input.pdbs ?? []);
      }
      const toBind = splits.filter((s) => s.bind.length > 0).map((s) => subset(s.t, s.bind));
      for (const t of toBind) {
        t.instances.forEach((inst) => {
          e.bind(t, t.instances.indexOf(inst), inst.boundHost!);
          undo.push(() => e.release(t.kind, t.namespace, inst.name));
        });
      }
      if (changedKinds.has('NamespacePolicy') || hosts.length > 0 || toBind.length > 0) e.checkReservations();

      const placing = splits.filter((s) => s.place.length > 0);
      const { outcomes, evictions: evicted } = e.place(placing.map((s) => subset(s.t, s.place)));
      // Preemption may have evicted workloads placer held: they leave the store with this commit,
      // and come back if anything below fails.
      for (const ev of evicted) undo.push(() => e.bind(ev.template, ev.instance, ev.host));
      const evictedNow = new Set(
        evicted.map((ev) => wkey(ev.template.kind, ev.template.namespace, ev.template.instances[ev.instance].name)),
      );
      const placedHost = new Map<Split, (string | null)[]>();
      placing.forEach((s, k) => {
        const o = outcomes[k];
        placedHost.set(s, o.hosts);
        o.hosts.forEach((host, n) => {
          if (host !== null) undo.push(() => e.release(s.t.kind, s.t.namespace, s.t.instances[s.place[n]].name));
        });
      });

      // the store, in one transaction
      const puts: StoredPlacement[] = [];
      const newHeld: Held[] = [];
      const record = (t: WorkloadTemplate, inst: WorkloadInstance, host: string, origin: PlacementOrigin, shape: string): void => {
        const h: Held = {
          kind: t.kind,
          namespace: t.namespace,
          name: inst.name,
          uid: inst.uid ?? null,
          host,
          owner: t.owner ?? null,
          origin,
          shape,
        };
        newHeld.push(h);
        puts.push({ ...h });
      };
      for (const s of splits) {
        if (s.bind.length === 0 && s.place.length === 0) continue;
        const shape = shapeOf(s.t, e.compile(s.t).priority);
        for (const j of s.bind) {
          // A running workload this very request's preemption evicted is not held any more.
          if (evictedNow.has(wkey(s.t.kind, s.t.namespace, s.t.instances[j].name))) continue;
          record(s.t, s.t.instances[j], s.t.instances[j].boundHost!, 'existing', shape);
        }
        placedHost.get(s)?.forEach((host, n) => host !== null && record(s.t, s.t.instances[s.place[n]], host, 'apply', shape));
      }
      const evictedKeys = evicted.map((ev) => ({
        kind: ev.template.kind,
        namespace: ev.template.namespace,
        name: ev.template.instances[ev.instance].name,
      }));
      this.store.commit({
        putObjects: changed.map((c) => ({ kind: c.kind, namespace: c.namespace, name: c.name, manifest: c.manifest })),
        putPlacements: puts,
        deletePlacements: evictedKeys,
      });

      // committed: the in-memory indexes follow
      for (const c of changed) this.infra.set(ikey(c.kind, c.namespace, c.name), c);
      for (const k of evictedKeys) {
        const h = this.held.get(k.kind, k.namespace, k.name);
        if (h) this.untrack(h);
      }
      for (const h of newHeld) this.track(h);

      // the answer, in the CLI's PlacementResult: held instances show as existing
      let placed = 0;
      let unplaced = 0;
      let existing = 0;
      const evictedBy = new Map(
        evicted.map((ev) => [wkey(ev.template.kind, ev.template.namespace, ev.template.instances[ev.instance].name), ev.by]),
      );
      const display: Outcome[] = splits.map((s) => {
        const hosts: (string | null)[] = s.t.instances.map((inst, j) => s.heldHost[j] ?? inst.boundHost ?? null);
        const placedFlags = s.t.instances.map(() => false);
        const ph = placedHost.get(s);
        s.place.forEach((j, n) => {
          hosts[j] = ph?.[n] ?? null;
          placedFlags[j] = hosts[j] !== null;
          if (hosts[j] !== null) placed++;
          else unplaced++;
        });
        existing += s.t.instances.length - s.place.length;
        // Preemption evicted some of what this request brought (running workloads): unplaced now.
        const preemptedBy = s.t.instances.map((inst) => evictedBy.get(wkey(s.t.kind, s.t.namespace, inst.name)) ?? null);
        preemptedBy.forEach((by, j) => {
          if (by === null) return;
          hosts[j] = null;
          evictedBy.delete(wkey(s.t.kind, s.t.namespace, s.t.instances[j].name));
        });
        const instances = s.t.instances.map((inst, j) => (s.heldHost[j] !== null ? { ...inst, boundHost: s.heldHost[j]! } : inst));
        const k = placing.indexOf(s);
        return { template: { ...s.t, instances }, hosts, placed: placedFlags, failure: k >= 0 ? outcomes[k].failure : null, preemptedBy };
      });
      const result = buildResult(e, display, this.strategy);
      // Workloads placer held from earlier requests and evicted now are reported too.
      for (const ev of evicted) {
        const t = ev.template;
        const name = t.instances[ev.instance].name;
        if (!evictedBy.has(wkey(t.kind, t.namespace, name))) continue;
        result.unplaced.push({ namespace: t.namespace, kind: t.kind, name, reason: `preempted by ${ev.by}`, grade: 'Unschedulable' });
      }
      result.summary.unplaced = result.unplaced.length;
      this.notePending(
        result,
        splits.map((s) => s.t),
        evicted,
      );
      return { result, placed, unplaced: unplaced + evicted.length, existing };
    });
  }

  /** The pending list follows every apply: what it could not place is recorded, what it placed forgotten. */
  private notePending(result: PlacementResult, templates: readonly WorkloadTemplate[], evicted: readonly EvictionReport[]): void {
    for (const p of result.placements) this.pending.forget(p.kind, p.namespace, p.name);
    if (result.unplaced.length === 0) return;
    const where = new Map<string, { t: WorkloadTemplate; j: number }>();
    for (const t of templates) t.instances.forEach((inst, j) => where.set(wkey(t.kind, t.namespace, inst.name), { t, j }));
    for (const ev of evicted)
      where.set(wkey(ev.template.kind, ev.template.namespace, ev.template.instances[ev.instance].name), { t: ev.template, j: ev.instance });
    const since = new Date().toISOString();
    for (const u of result.unplaced) {
      const w = where.get(wkey(u.kind, u.namespace, u.name));
      if (!w) continue;
      this.pending.record({
        namespace: u.namespace,
        kind: u.kind,
        name: u.name,
        owner: u.owner ?? null,
        reason: u.reason,
        grade: u.grade,
        since,
        template: w.t,
        instance: w.j,
      });
    }
  }

  private engineClasses(): PriorityClassObj[] {
    const input = resolveInput(
      {
        hosts: [],
        quotas: [],
        policies: [],
        priorityClasses: this.modelsOf('PriorityClass'),
        vmClasses: [],
        workloads: [],
        vms: [],
        ignored: [],
      },
      { cpuMhzPerCore: this.opts.cpuMhzPerCore },
    );
    return input.priorityClasses;
  }

  // ------------------------------------------------------------------ extender

  /**
   * A Pod as kube-scheduler sends it (no kind/apiVersion, resolved spec.priority) → its
   * template, remembered for bind. `path` prefixes error field paths (e.g. `Pod`).
   */
  podTemplate(pod: unknown, path: string): WorkloadTemplate {
    const { t } = this.parsePod(pod, path);
    this.rememberPod(t);
    return t;
  }

  /**
   * podTemplate() for a pod known by the exact request text `key` it came in (the extender sends
   * the same pod to filter, prioritize and again on retries): the same text gives the same
   * template, parsed once. The priority fix-up below is re-checked on every hit.
   */
  podTemplateCached(key: string, pod: unknown, path: string): WorkloadTemplate {
    const hit = this.podTextCache.get(key);
    if (hit && (hit.priorityClass === undefined || this.infra.has(ikey('PriorityClass', '', hit.priorityClass)) === hit.classKnown)) {
      this.podTextCache.delete(key);
      this.podTextCache.set(key, hit);
      this.rememberPod(hit.t);
      return hit.t;
    }
    const parsed = this.parsePod(pod, path);
    this.rememberPod(parsed.t);
    this.podTextCache.delete(key);
    this.podTextCache.set(key, parsed);
    if (this.podTextCache.size > POD_TEXT_CACHE) this.podTextCache.delete(this.podTextCache.keys().next().value!);
    return parsed.t;
  }

  private parsePod(pod: unknown, path: string): ParsedPod {
    const obj = (typeof pod === 'object' && pod !== null ? pod : {}) as Record<string, unknown>;
    const parsed = parseManifests([
      { apiVersion: 'v1', kind: 'Pod', obj: { ...obj, apiVersion: 'v1', kind: 'Pod' }, source: { file: REQUEST_BODY, doc: 0, path } },
    ]);
    const t = parsed.workloads[0];
    if (t) this.dropIgnored(t);
    if (!t) throw new InputError({ file: REQUEST_BODY, doc: 0, path }, 'status.phase', 'the pod has terminated; there is nothing to place');
    // kube-scheduler's pods carry their resolved priority; a class placer does not know is not an error
    if (t.priority === undefined && t.priorityClassName !== undefined) {
      const classKnown = this.infra.has(ikey('PriorityClass', '', t.priorityClassName));
      if (!classKnown) t.priority = 0;
      return { t, priorityClass: t.priorityClassName, classKnown };
    }
    return { t, classKnown: false };
  }

  /** Remember a pod's template for bind (LRU by uid, else namespace/name). */
  private rememberPod(t: WorkloadTemplate): void {
    const inst = t.instances[0];
    const cacheKey = inst.uid ?? `${t.namespace}/${inst.name}`;
    this.podCache.delete(cacheKey);
    this.podCache.set(cacheKey, t);
    if (this.podCache.size > this.opts.podCacheSize) this.podCache.delete(this.podCache.keys().next().value!);
  }

  /**
   * Upsert hosts from full Node objects (the extender's Nodes mode). Unchanged nodes cost a
   * string comparison; a node that does not parse is reported, not stored.
   */
  refreshNodes(nodes: readonly { obj: Record<string, unknown>; path: string }[]): Map<string, string> {
    const bad = new Map<string, string>();
    const changed: InfraEntry[] = [];
    const versions: { name: string; rv: string }[] = [];
    for (const { obj, path } of nodes) {
      const md = (typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}) as Record<string, unknown>;
      const name = typeof md.name === 'string' ? md.name : '';
      const rv = resourceVersionOf(obj) || undefined;
      const current = this.infra.get(ikey('Node', '', name));
      const seen = this.nodeVersions.get(name);
      if (current && rv !== undefined && seen?.rv === rv && seen.entry === current) continue;
      const manifest = nodeManifest(obj, name);
      if (current && current.manifest === manifest) {
        if (rv !== undefined) this.nodeVersions.set(name, { rv, entry: current });
        continue;
      }
      try {
        const parsed = parseManifests([
          { apiVersion: 'v1', kind: 'Node', obj: { ...obj, apiVersion: 'v1', kind: 'Node' }, source: { file: REQUEST_BODY, doc: 0, path } },
        ]);
        const h = parsed.hosts[0];
        changed.push({
          kind: 'Node',
          namespace: '',
          name: h.name,
          manifest: h.name === name ? manifest : nodeManifest(obj, h.name),
          model: h,
        });
        if (rv !== undefined) versions.push({ name: h.name, rv });
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        bad.set(name, `placer cannot read this Node: ${err.message}`);
      }
    }
    if (changed.length === 0) return bad;
    this.transact((undo) => {
      const hosts = changed.map((c) => c.model as HostObj);
      const prev = hosts.map((h) => this.infra.get(ikey('Node', '', h.name))?.model as HostObj | undefined);
      undo.push(() => hosts.forEach((h, i) => (prev[i] ? this.engine.upsertHosts([prev[i]!]) : this.engine.removeHost(h.name))));
      this.engine.upsertHosts(hosts);
      this.store.commit({ putObjects: changed.map((c) => ({ kind: c.kind, namespace: c.namespace, name: c.name, manifest: c.manifest })) });
      for (const c of changed) this.infra.set(ikey(c.kind, c.namespace, c.name), c);
    });
    for (const v of versions) this.nodeVersions.set(v.name, { rv: v.rv, entry: this.infra.get(ikey('Node', '', v.name))! });
    return bad;
  }

  assess(t: WorkloadTemplate): Assessment {
    return this.engine.assess(t);
  }

  /** The placement placer holds for a pod, if any. */
  heldPod(namespace: string, name: string): Held | undefined {
    return this.held.get('Pod', namespace, name);
  }

  /**
   * The extender's bind: commit the pod on `host` if placer's own rules allow it there now.
   * `error` is '' when the pod is bound — also when it already was, to the same host (binding
   * is idempotent; `created` is false then).
   */
  bind(podName: string, namespace: string, uid: string, host: string): { error: string; created: boolean } {
    const h = this.held.get('Pod', namespace, podName);
    const fail = (error: string) => ({ error, created: false });
    if (h) {
      if (h.uid !== null && uid !== '' && h.uid !== uid) {
        return fail(
          `pod ${namespace}/${podName} is already placed on host ${h.host} with uid ${h.uid}; release it before binding uid ${uid}`,
        );
      }
      if (h.host === host) return { error: '', created: false };
      return fail(`pod ${namespace}/${podName} is already bound to host ${h.host}; it cannot be bound to ${host}`);
    }
    const t = (uid !== '' ? this.podCache.get(uid) : undefined) ?? this.podCache.get(`${namespace}/${podName}`);
    if (!t || t.namespace !== namespace || t.instances[0].name !== podName) {
      return fail(
        `placer has not seen pod ${namespace}/${podName} (uid ${uid || 'unknown'}) in a filter or prioritize call since it started; it cannot bind a pod whose resources it does not know`,
      );
    }
    if (!this.engine.hostObj(host)) {
      return fail(
        `placer does not know host ${JSON.stringify(host)}; apply its Node through POST /v1/apply or configure the extender with nodeCacheCapable: false`,
      );
    }
    return this.transact((undo) => {
      const shape = shapeOf(t, this.engine.compile(t).priority);
      const reason = this.engine.tryBind(t, 0, host);
      if (reason !== null) return fail(reason);
      undo.push(() => this.engine.release('Pod', namespace, podName));
      const rec: Held = {
        kind: 'Pod',
        namespace,
        name: podName,
        uid: uid !== '' ? uid : (t.instances[0].uid ?? null),
        host,
        owner: t.owner ?? null,
        origin: 'bind',
        shape,
      };
      this.store.commit({ putPlacements: [{ ...rec }] });
      this.track(rec);
      this.pending.forget('Pod', namespace, podName);
      return { error: '', created: true };
    });
  }

  /** The placement key of a pod UID placer holds. */
  keyOfUid(uid: string): string | undefined {
    return this.held.keyOfUid(uid);
  }

  /**
   * The extender's preempt check: would the pod fit on `host` — quota, reservation, capacity,
   * every filter — with the victims gone? null when it would, else why not.
   */
  fitsAfterEvicting(t: WorkloadTemplate, host: string, victims: readonly Victim[]): string | null {
    return this.engine.fitsAfterEvicting(
      t,
      host,
      victims.flatMap((v) => (v.key ? [v.key] : [])),
    );
  }

  /** Victims whose eviction breaks a PodDisruptionBudget placer holds, for one node's victim set. */
  pdbViolations(victims: readonly Victim[]): number {
    const pdbs = this.modelsOf<PdbObj>('PodDisruptionBudget');
    if (pdbs.length === 0) return 0;
    const allowed = new Map<PdbObj, number>();
    let violations = 0;
    for (const v of victims) {
      const h = v.key ? this.held.getByKey(v.key) : undefined;
      const ns = h?.namespace ?? v.namespace;
      const labels = v.labels ?? (h ? this.labelsOf(h.shape) : undefined);
      const name = h?.name ?? v.name;
      if (ns === undefined || labels === undefined) continue;
      let violates = false;
      for (const p of pdbs) {
        if (p.namespace !== ns || !pdbSelects(p, labels)) continue;
        if (name !== undefined && p.disruptedPods.includes(name)) continue; // already being disrupted: not counted again
        if (!allowed.has(p)) allowed.set(p, disruptionsAllowed(p, this.matchingHeld(p)));
        const left = allowed.get(p)! - 1;
        allowed.set(p, left);
        if (left < 0) violates = true;
      }
      if (violates) violations++;
    }
    return violations;
  }

  private labelsOf(shape: string): ReadonlyMap<string, string> {
    let t = this.shapeTemplates.get(shape);
    if (!t) {
      // a cache: emptied once it holds well more than the shapes held now (old ones go with their placements)
      if (this.shapeTemplates.size >= Math.max(1024, 2 * this.held.distinct.shapes)) this.shapeTemplates.clear();
      this.shapeTemplates.set(shape, (t = templateOf(shape)));
    }
    return t.labels;
  }

  private matchingHeld(p: PdbObj): number {
    let n = 0;
    for (const shape of this.held.shapesIn(p.namespace)) if (pdbSelects(p, this.labelsOf(shape))) n++;
    return n;
  }

  // ------------------------------------------------------------------ native API

  /** Release a workload placer holds; throws NotFound. */
  release(kind: string, namespace: string, name: string): Held {
    const h = this.held.get(kind, namespace, name);
    if (!h) {
      if (!this.knowsNamespace(namespace))
        throw notFound(`namespace ${JSON.stringify(namespace)} not found: placer holds nothing in it`, {
          name: namespace,
          kind: 'namespaces',
        });
      throw notFound(`${kind} ${namespace}/${name} not found: placer does not hold it`, { name, kind });
    }
    this.store.commit({ deletePlacements: [{ kind, namespace, name }] });
    this.engine.release(kind, namespace, name);
    this.untrack(h);
    return h;
  }

  knowsNamespace(namespace: string): boolean {
    if (this.held.seenNamespace(namespace)) return true; // held something since start-up
    for (const e of this.infra.values()) if (e.namespace === namespace) return true;
    return false;
  }

  /** Namespaces placer holds placements or objects in (what GET /v1/namespaces lists). */
  listedNamespace(namespace: string): boolean {
    if (this.held.inNamespaceCount(namespace) > 0) return true;
    for (const e of this.infra.values()) if (e.namespace === namespace) return true;
    return false;
  }

  /** Remove a host that holds nothing; NotFound / Conflict otherwise. */
  removeHost(name: string): void {
    const entry = this.infra.get(ikey('Node', '', name));
    if (!entry) throw notFound(`host ${JSON.stringify(name)} not found`, { name, kind: 'hosts' });
    const n = this.held.heldOn(name);
    if (n > 0)
      throw conflict(`host ${name} holds ${n} workload(s); release or move them before removing the host`, { name, kind: 'hosts' });
    const key: ObjectKey = { kind: 'Node', namespace: '', name };
    this.store.commit({ deleteObjects: [key] });
    this.engine.removeHost(name);
    this.infra.delete(ikey('Node', '', name));
    this.nodeVersions.delete(name);
  }

  // ------------------------------------------------------------------ moves: drain, rebalance, namespace moves

  /**
   * Drain hosts (maintenance mode): the move plan; unless `dryRun`, executed — the placements move
   * and the Nodes are cordoned in one store transaction. A plan that leaves something behind
   * executes only with `allowPartial`; otherwise it is a 409 Conflict and nothing changes.
   */
  drain(hosts: readonly string[], dryRun: boolean, allowPartial: boolean): PlanDoc {
    if (hosts.length === 0) throw badRequest('no host to drain: name at least one');
    for (const h of hosts)
      if (!this.infra.has(ikey('Node', '', h))) throw notFound(`host ${JSON.stringify(h)} not found`, { name: h, kind: 'hosts' });
    const report = this.engine.drain(hosts, { execute: !dryRun, allowPartial });
    this.settle(report, dryRun, `draining ${hosts.join(', ')}`, hosts);
    return planDoc('DrainPlan', report, dryRun, { hosts: [...hosts] });
  }

  /** Rebalance: at most `maxMoves` moves lowering the imbalance of `resource` (default: cpu or memory, the scarcer). */
  rebalance(dryRun: boolean, maxMoves: number, resource?: string): PlanDoc {
    if (resource !== undefined && !this.engine.dimensionNames().includes(resource)) {
      throw badRequest(`unknown resource ${JSON.stringify(resource)}: the hosts have ${this.engine.dimensionNames().join(', ')}`);
    }
    const report = this.engine.rebalance({ execute: !dryRun, maxMoves, ...(resource !== undefined && { resource }) });
    this.settle(report, dryRun, 'rebalancing', []);
    return planDoc('RebalancePlan', report, dryRun);
  }

  /** Move a namespace onto the hosts matching a selector (kubectl -l syntax), all or nothing. */
  moveNamespace(namespace: string, selector: string, dryRun: boolean): PlanDoc {
    if (!this.knowsNamespace(namespace))
      throw notFound(`namespace ${JSON.stringify(namespace)} not found: placer holds nothing in it`, {
        name: namespace,
        kind: 'namespaces',
      });
    let requirements;
    try {
      requirements = parseSelectorString(selector);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    const report = this.engine.moveNamespace(namespace, requirements, { execute: !dryRun });
    this.settle(report, dryRun, `moving namespace ${namespace}`, []);
    return planDoc('NamespaceMovePlan', report, dryRun, { namespace, selector, usage: namespaceUsageDoc(this.engine, namespace, report) });
  }

  /** Record an executed plan in the store (or refuse one that could not execute). */
  private settle(report: PlanReport, dryRun: boolean, what: string, cordoned: readonly string[]): void {
    if (!dryRun && !report.executed && report.unmovable.length > 0) {
      throw conflict(
        `${what} would leave ${report.unmovable.length} workload(s) where they are; nothing was changed (a drain executes partially only with allowPartial=true)`,
        {
          causes: report.unmovable.map((u) => ({
            reason: 'Unmovable',
            message: u.reason,
            field: `${u.template.kind} ${u.template.namespace}/${u.template.instances[u.instance].name}`,
          })),
        },
      );
    }
    if (!report.executed) return;
    this.transact((undo) => {
      undo.push(report.undo!);
      const moved = report.moves.map((m) => {
        const before = this.held.get(m.template.kind, m.template.namespace, m.template.instances[m.instance].name);
        if (!before)
          throw new Error(
            `placer state: the engine moved ${m.template.kind} ${m.template.namespace}/${m.template.instances[m.instance].name}, which the service does not hold`,
          );
        return { before, after: { ...before, host: m.to } };
      });
      const nodes = cordoned.map((name) => {
        const e = this.infra.get(ikey('Node', '', name))!;
        const obj = parseText(e.manifest, 'store')[0].obj;
        obj.spec = { ...((obj.spec ?? {}) as Record<string, unknown>), unschedulable: true };
        return { ...e, manifest: nodeManifest(obj, name), model: this.engine.hostObj(name)! };
      });
      this.store.commit({
        // a move is a delete and an insert in one transaction (the store never upserts a placement)
        deletePlacements: moved.map((m) => ({ kind: m.before.kind, namespace: m.before.namespace, name: m.before.name })),
        putPlacements: moved.map((m) => ({ ...m.after })),
        putObjects: nodes.map((n) => ({ kind: n.kind, namespace: n.namespace, name: n.name, manifest: n.manifest })),
      });
      for (const m of moved) {
        this.untrack(m.before);
        this.track(m.after);
      }
      for (const n of nodes) this.infra.set(ikey('Node', '', n.name), n);
    });
  }

  /** Cordon or uncordon a host (spec.unschedulable), kept in the store. */
  setUnschedulable(name: string, on: boolean): void {
    const e = this.infra.get(ikey('Node', '', name));
    if (!e) throw notFound(`host ${JSON.stringify(name)} not found`, { name, kind: 'hosts' });
    const obj = parseText(e.manifest, 'store')[0].obj;
    obj.spec = { ...((obj.spec ?? {}) as Record<string, unknown>), unschedulable: on };
    const manifest = nodeManifest(obj, name);
    if (manifest === e.manifest) return;
    const model: HostObj = { ...(e.model as HostObj), unschedulable: on };
    this.transact((undo) => {
      undo.push(() => this.engine.upsertHosts([e.model as HostObj]));
      this.engine.upsertHosts([model]);
      this.store.commit({ putObjects: [{ kind: 'Node', namespace: '', name, manifest }] });
      this.infra.set(ikey('Node', '', name), { ...e, manifest, model });
    });
  }

  /** Every placement, sorted by namespace, kind, name; optionally one namespace's. */
  placements(namespace?: string): Held[] {
    const out: Held[] = [];
    for (const h of namespace === undefined ? this.held.values() : this.held.inNamespace(namespace)) out.push(h);
    return out.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.kind, b.kind) || cmp(a.name, b.name));
  }

  /** How many placements placer holds on a host. */
  heldOn(host: string): number {
    return this.held.heldOn(host);
  }

  placementCount(): number {
    return this.held.size;
  }

  // ------------------------------------------------------------------ console (read-only)

  /** Placements on a host, per namespace. */
  namespacesOn(host: string): ReadonlyMap<string, number> {
    return this.held.namespacesOn(host);
  }

  /**
   * Where each workload of `manifests` would go now, and why every other host is rejected — the
   * CLI's --explain, against the service's cluster. Workloads only (an infrastructure object is
   * 422: explaining against hosts or quotas that are not applied would answer another question);
   * they resolve against the applied VirtualMachineClasses and PriorityClasses. Nothing changes.
   */
  explain(manifests: readonly Manifest[]): { template: WorkloadTemplate; name: string; explanation: Explanation }[] {
    const parsed = parseManifests(manifests);
    const infra = this.entriesOf(parsed, manifests);
    if (infra.length > 0) {
      const e = infra[0];
      const object = `${e.kind} ${e.namespace ? `${e.namespace}/` : ''}${e.name}`;
      throw new InputError(
        (e.model as { source?: SourceRef }).source,
        'kind',
        `${e.kind} is infrastructure: explain takes workloads (Pod, Deployment, ReplicaSet, StatefulSet, Job, VirtualMachine); apply infrastructure with POST /v1/apply`,
        object,
      );
    }
    const input = resolveInput(
      {
        hosts: [],
        quotas: [],
        policies: [],
        priorityClasses: this.modelsOf('PriorityClass'),
        vmClasses: this.modelsOf('VirtualMachineClass'),
        workloads: parsed.workloads,
        vms: parsed.vms,
        ignored: [],
      },
      { cpuMhzPerCore: this.opts.cpuMhzPerCore },
    );
    if (input.workloads.length === 0)
      throw new InputError(
        undefined,
        '',
        'there is no workload to explain: send a Pod, Deployment, ReplicaSet, StatefulSet, Job or VirtualMachine',
      );
    // The first instance placer does not hold: the one the next placement would be about.
    return input.workloads.map((t) => {
      const j = Math.max(
        0,
        t.instances.findIndex((inst) => !this.held.has(t.kind, t.namespace, inst.name)),
      );
      return { template: t, name: t.instances[j].name, explanation: this.engine.explain(t, j) };
    });
  }

  /** explain() for a pending workload, by name; NotFound when it is not pending, Conflict when placed. */
  explainPending(kind: string, namespace: string, name: string): { pending: PendingWorkload; explanation: Explanation } {
    const p = this.pending.get(kind, namespace, name);
    if (!p) {
      const h = this.held.get(kind, namespace, name);
      if (h)
        throw conflict(`${kind} ${namespace}/${name} is placed on host ${h.host}: explain answers for workloads that are pending`, {
          name,
          kind,
        });
      throw notFound(`${kind} ${namespace}/${name} is not pending: placer holds no failed placement of it`, { name, kind });
    }
    return { pending: p, explanation: this.engine.explain(p.template, p.instance) };
  }

  hostCount(): number {
    return this.engine.hostNames().length;
  }

  // ------------------------------------------------------------------ Kubernetes mode (service/apiserver)
  //
  // In Kubernetes mode the API server holds the truth and these methods mirror it, without
  // placer's own admission rules: a cordon that leaves a reservation unhonourable, or pods that
  // overcommit a host, still happened. The store is in memory (store.ts MEMORY) and a start
  // relists everything. A deleted Node that still holds workloads stays as an unschedulable
  // "ghost" until the API says they are gone, as kube-scheduler keeps a removed node's pods.

  private readonly ghostHosts = new Set<string>();

  /**
   * Mirror infrastructure objects of one kind: upsert `upserts` and delete `deletes`, or with
   * `replaceAll` make `upserts` the complete set of the kind. An object placer cannot read is
   * skipped (its previous version, if any, stays) and reported; everything else applies.
   */
  mirrorObjects(
    kind: InfraKind,
    upserts: readonly Manifest[],
    deletes: readonly { namespace: string; name: string }[],
    replaceAll = false,
  ): { object: string; message: string }[] {
    const rejected: { object: string; message: string }[] = [];
    const rejectedKeys = new Set<string>();
    const incoming: InfraEntry[] = [];
    for (const m of upserts) {
      const md = (m.obj.metadata ?? {}) as Record<string, unknown>;
      const ns =
        kind === 'Node' || kind === 'PriorityClass' || kind === 'Namespace'
          ? ''
          : typeof md.namespace === 'string' && md.namespace !== ''
            ? md.namespace
            : kind === 'VirtualMachineClass'
              ? '' // cluster-scoped (v1alpha1)
              : 'default';
      const name = typeof md.name === 'string' ? md.name : '';
      const object = `${kind} ${ns === '' ? name : `${ns}/${name}`}`;
      try {
        const e = this.entriesOf(parseManifests([m]), [m]).find((x) => x.kind === kind);
        if (!e) throw new InputError(m.source, '', `not a ${kind}`);
        if (kind === 'NamespacePolicy') {
          // the API server does not stop a second policy in a namespace; placer applies the first it has
          for (const other of this.infra.values()) {
            if (
              other.kind === kind &&
              other.namespace === e.namespace &&
              other.name !== e.name &&
              !deletes.some((d) => d.namespace === other.namespace && d.name === other.name)
            ) {
              throw new InputError(
                m.source,
                '',
                `namespace ${e.namespace} already has NamespacePolicy ${other.name}; placer applies one NamespacePolicy per namespace`,
                object,
              );
            }
          }
        }
        incoming.push(e);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        rejected.push({ object, message: err.message });
        rejectedKeys.add(ikey(kind, ns, name));
      }
    }
    const gone = new Set(
      deletes.map((d) => ikey(kind, kind === 'Node' || kind === 'PriorityClass' || kind === 'Namespace' ? '' : d.namespace, d.name)),
    );
    if (replaceAll) {
      const keep = new Set([...incoming.map((e) => ikey(e.kind, e.namespace, e.name)), ...rejectedKeys]);
      for (const [k, e] of this.infra) if (e.kind === kind && !keep.has(k)) gone.add(k);
    }
    const changed = incoming.filter((e) => this.infra.get(ikey(e.kind, e.namespace, e.name))?.manifest !== e.manifest);
    const removed = [...gone].flatMap((k) => this.infra.get(k) ?? []);
    try {
      this.applyMirrored(kind, changed, removed);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      // one object the engine refuses (an amount beyond its range): find it, apply the others
      if (changed.length + removed.length === 1)
        rejected.push({ object: `${kind} ${changed[0]?.name ?? removed[0].name}`, message: err.message });
      else {
        for (const c of changed) rejected.push(...this.tryMirrored(kind, [c], []));
        if (removed.length > 0) this.applyMirrored(kind, [], removed);
      }
    }
    return rejected;
  }

  private tryMirrored(kind: InfraKind, changed: InfraEntry[], removed: InfraEntry[]): { object: string; message: string }[] {
    try {
      this.applyMirrored(kind, changed, removed);
      return [];
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return [{ object: `${kind} ${changed[0]?.name ?? removed[0]?.name}`, message: err.message }];
    }
  }

  private applyMirrored(kind: InfraKind, changed: InfraEntry[], removed: InfraEntry[]): void {
    if (changed.length === 0 && removed.length === 0) return;
    this.transact((undo) => {
      const e = this.engine;
      const before = new Map(this.infra);
      const prevClasses = kind === 'PriorityClass' ? this.engineClasses() : [];
      undo.push(() => (this.infra = before));
      for (const c of changed) this.infra.set(ikey(c.kind, c.namespace, c.name), c);
      for (const r of removed) {
        this.infra.delete(ikey(r.kind, r.namespace, r.name));
        if (r.kind === 'Node') this.nodeVersions.delete(r.name); // a cache: dropping it is always safe
      }
      switch (kind) {
        case 'Node':
          for (const c of changed) {
            const prev = before.get(ikey('Node', '', c.name))?.model as HostObj | undefined;
            const wasGhost = this.ghostHosts.delete(c.name);
            undo.push(() => {
              if (prev) e.upsertHosts([prev]);
              else e.removeHost(c.name);
              if (wasGhost) this.ghostHosts.add(c.name);
            });
            e.upsertHosts([c.model as HostObj]);
          }
          for (const r of removed) {
            const h = r.model as HostObj;
            undo.push(() => {
              e.upsertHosts([h]);
              this.ghostHosts.delete(h.name);
            });
            if (this.heldOn(h.name) > 0) {
              e.upsertHosts([{ ...h, unschedulable: true }]);
              this.ghostHosts.add(h.name);
            } else e.removeHost(h.name);
          }
          break;
        case 'ResourceQuota':
          undo.push(() => e.setQuotas(this.modelsOf<QuotaObj>('ResourceQuota', before)));
          e.setQuotas(this.modelsOf('ResourceQuota'));
          break;
        case 'NamespacePolicy':
          undo.push(() => e.setPolicies(this.modelsOf<NamespacePolicyObj>('NamespacePolicy', before)));
          e.setPolicies(this.modelsOf('NamespacePolicy'));
          break;
        case 'PriorityClass':
          undo.push(() => e.setPriorityClasses(prevClasses));
          e.setPriorityClasses(this.engineClasses());
          break;
        case 'Namespace':
          undo.push(() => e.setNamespaces(this.modelsOf<NamespaceObj>('Namespace', before)));
          e.setNamespaces(this.modelsOf('Namespace'));
          break;
        case 'PodDisruptionBudget':
          undo.push(() => e.setPdbs(this.modelsOf<PodDisruptionBudgetObj>('PodDisruptionBudget', before)));
          e.setPdbs(this.modelsOf('PodDisruptionBudget'));
          break;
        case 'VirtualMachineClass':
          break; // read when a VirtualMachine is resolved
      }
      this.store.commit({
        putObjects: changed.map((c) => ({ kind: c.kind, namespace: c.namespace, name: c.name, manifest: c.manifest })),
        deleteObjects: removed.map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.name })),
      });
    });
  }

  /**
   * A workload the API server says runs on a host (a pod with spec.nodeName, not finished): held
   * without placer's checks. A held placement of the same name with another uid, host or shape is
   * replaced. 'unknown-host' when placer has no such host (yet): nothing changes.
   */
  mirrorRunning(t: WorkloadTemplate): 'held' | 'unchanged' | 'unknown-host' {
    this.dropIgnored(t);
    const inst = t.instances[0];
    const host = inst.boundHost!;
    if (!this.engine.hostObj(host)) return 'unknown-host';
    // a pod carries its resolved priority; a class placer does not know is not an error
    if (t.priority === undefined && t.priorityClassName !== undefined && !this.infra.has(ikey('PriorityClass', '', t.priorityClassName)))
      t.priority = 0;
    const uid = inst.uid ?? null;
    const h = this.held.get(t.kind, t.namespace, inst.name);
    const shape = shapeOf(t, this.engine.compile(t).priority);
    if (h && h.host === host && h.shape === shape && h.uid === uid) return 'unchanged';
    this.transact((undo) => {
      const e = this.engine;
      if (h) {
        e.release(h.kind, h.namespace, h.name);
        undo.push(() => e.bind(templateOf(h.shape, [{ name: h.name, ...(h.uid !== null && { uid: h.uid }) }]), 0, h.host));
      }
      e.bind(t, 0, host);
      undo.push(() => e.release(t.kind, t.namespace, inst.name));
      // the same incarnation on the same host (a bind placer made, now confirmed) keeps its origin
      const same = h !== undefined && (h.uid === uid || h.uid === null) && h.host === host;
      const rec: Held = {
        kind: t.kind,
        namespace: t.namespace,
        name: inst.name,
        uid,
        host,
        owner: t.owner ?? null,
        origin: same ? h.origin : 'existing',
        shape,
      };
      this.store.commit({
        ...(h && { deletePlacements: [{ kind: h.kind, namespace: h.namespace, name: h.name }] }),
        putPlacements: [{ ...rec }],
      });
      if (h) this.untrack(h);
      this.track(rec);
    });
    if (h && h.host !== host) this.dropGhost(h.host);
    return 'held';
  }

  /**
   * Move a held workload to `host` as placer holds it (its stored shape): a VM whose class placer
   * no longer has keeps the size it was accounted with. undefined when placer holds none.
   */
  mirrorMoved(kind: string, namespace: string, name: string, host: string): ReturnType<PlacerState['mirrorRunning']> | undefined {
    const h = this.held.get(kind, namespace, name);
    if (!h) return undefined;
    return this.mirrorRunning(
      templateOf(h.shape, [{ name: h.name, ...(h.uid !== null && { uid: h.uid }), boundHost: host }], h.owner ?? undefined),
    );
  }

  /**
   * A VirtualMachine as a workload, sized by its class among the mirrored VirtualMachineClasses
   * (the rule of service/manifests/vm.ts, as in standalone mode). undefined: its class is not known
   * (yet). An InputError for a VM placer cannot size.
   */
  mirrorVmWorkload(vm: VMObj): WorkloadTemplate | undefined {
    return resolveVirtualMachine(vm, this.modelsOf<VMClassObj>('VirtualMachineClass'), { cpuMhzPerCore: this.opts.cpuMhzPerCore });
  }

  /** Forget a workload the API server says is gone or finished (only incarnation `uid` when given); false when placer held none. */
  mirrorGone(kind: string, namespace: string, name: string, uid?: string): boolean {
    const h = this.held.get(kind, namespace, name);
    if (!h || (uid !== undefined && h.uid !== null && h.uid !== uid)) return false;
    this.store.commit({ deletePlacements: [{ kind, namespace, name }] });
    this.engine.release(kind, namespace, name);
    this.untrack(h);
    this.dropGhost(h.host);
    return true;
  }

  private dropIgnored(t: WorkloadTemplate): void {
    for (const r of this.opts.ignoredResources) {
      t.requests.delete(r);
      t.limits.delete(r);
    }
  }

  /** A deleted Node's host goes once it holds nothing. */
  private dropGhost(host: string): void {
    if (this.ghostHosts.has(host) && this.heldOn(host) === 0) {
      this.engine.removeHost(host);
      this.ghostHosts.delete(host);
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
